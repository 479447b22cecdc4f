import { mailroomStack } from './synth';

/**
 * CloudFormation replaces a resource whose logical id changes: for these that means losing the mail, the keys'
 * hashes, the admin key or queued work. Refactoring the constructs must keep every one of them; if a change
 * here is ever intended, it needs a migration story in the README, not just a new id.
 */
const STATEFUL = {
  'AWS::DynamoDB::Table': ['MailroomStoreTable5F635DEE'],
  // The dashboard's bucket holds only built files, but a bucket that moves would still orphan the old one.
  'AWS::S3::Bucket': ['MailroomDashboardAssets9B9CBDB6', 'MailroomStoreAccessLogsA68BEF72', 'MailroomStoreMail7257B49E'],
  'AWS::SecretsManager::Secret': ['MailroomAdminKeySecret0A0908C2'],
  'AWS::SQS::Queue': [
    'MailroomExpiryCleanupDeadLetters902B2BD4',
    'MailroomIngestParserDeadLettersA92CF291',
    'MailroomWebhooksJobDeadLettersC8CAB57E',
    'MailroomWebhooksJobs6C682660',
  ],
  'AWS::SES::ReceiptRuleSet': ['MailroomIngestRuleSet7B63E069'],
  'AWS::SES::EmailIdentity': ['MailroomIdentity0BB6363C1'],
  'AWS::SES::ConfigurationSet': ['MailroomSendingConfigurationSetD8FE0B52'],
  'AWS::Events::EventBus': ['MailroomWebhooksBus1E51F456'],
};

describe('upgrades keep data', () => {
  const template = mailroomStack().template();

  it.each(Object.entries(STATEFUL))('keeps the logical ids of every %s', (type, ids) => {
    expect(Object.keys(template.findResources(type)).sort()).toEqual(ids);
  });

  it('keeps the logical id of the vault’s stack key', () => {
    expect(Object.keys(mailroomStack({ vaultKeys: 'stack' }).template().findResources('AWS::KMS::Key'))).toEqual(['MailroomVaultKeysKeyCAC3A4E0']);
  });
});
