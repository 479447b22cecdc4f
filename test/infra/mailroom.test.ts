import { RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { mailroomStack } from './synth';

describe('the Mailroom stack', () => {
  const { stack, template: synth } = mailroomStack();
  const template = synth();

  describe('receiving mail', () => {
    it('has one receipt rule for every verified domain (orgs add theirs without a redeploy): scanning on, TLS required, S3 first, then the parser invoked as an Event', () => {
      template.resourceCountIs('AWS::SES::ReceiptRule', 1);
      template.hasResourceProperties('AWS::SES::ReceiptRule', {
        Rule: {
          Enabled: true,
          Recipients: Match.absent(),
          ScanEnabled: true,
          TlsPolicy: 'Require',
          Actions: [
            { S3Action: { BucketName: { Ref: Match.stringLikeRegexp('MailroomStoreMail') }, ObjectKeyPrefix: 'inbound/' } },
            { LambdaAction: { FunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailroomIngestParser'), 'Arn'] }, InvocationType: 'Event' } },
          ],
        },
      });
    });

    it('takes mail for the deployment’s domains only, and lets the API manage no SES identities, with orgDomains off', () => {
      const own = mailroomStack({ orgDomains: false }).template();
      own.hasResourceProperties('AWS::SES::ReceiptRule', { Rule: { Recipients: ['mail.example.com'] } });
      const statements = JSON.stringify(own.findResources('AWS::IAM::Policy'));
      expect(statements).not.toContain('ses:CreateEmailIdentity');
      expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toContain('ses:CreateEmailIdentity');
    });

    it('creates its own rule set but does not activate it unless asked', () => {
      template.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
      template.resourceCountIs('Custom::MailroomReceiptRuleSetActivation', 0);
    });

    it('activates its rule set through a custom resource only with activateReceiptRuleSet', () => {
      const activated = mailroomStack({ activateReceiptRuleSet: true }).template();
      activated.hasResourceProperties('Custom::MailroomReceiptRuleSetActivation', {
        RuleSetName: Match.stringLikeRegexp('^Mailroom'),
      });
      activated.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'], Effect: 'Allow' }),
          ]),
        },
      });
    });

    it('adds its rule to an existing rule set instead of creating one', () => {
      const existing = mailroomStack({ existingReceiptRuleSetName: 'company-inbound' }).template();
      existing.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
      existing.hasResourceProperties('AWS::SES::ReceiptRule', { RuleSetName: 'company-inbound' });
    });

    it('verifies each domain with an SES identity unless told the identities exist', () => {
      template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'mail.example.com' });
      mailroomStack({ createEmailIdentities: false }).template().resourceCountIs('AWS::SES::EmailIdentity', 0);
    });

    it('lets SES write raw mail only under inbound/, only for this account and this receipt rule', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: Match.stringLikeRegexp('MailroomStoreMail') },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 's3:PutObject',
              Effect: 'Allow',
              Principal: { Service: 'ses.amazonaws.com' },
              Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('MailroomStoreMail'), 'Arn'] }, '/inbound/*']] },
              Condition: {
                StringEquals: {
                  'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                  'aws:SourceArn': {
                    'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':receipt-rule-set/Mailroom.*:receipt-rule/Mailroom-')])],
                  },
                },
              },
            }),
          ]),
        },
      });
    });

    it('retries a failed parse twice, then keeps the event in an encrypted dead-letter queue', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('parses raw mail'),
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ParserDeadLetters'), 'Arn'] } },
      });
      template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
    });
  });

  describe('storing mail', () => {
    it('uses an on-demand table with point-in-time recovery, TTL on expiresAt and a stream', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(JSON.stringify(template.findResources('AWS::DynamoDB::Table'))).not.toContain('GlobalSecondaryIndexes');
    });

    it('keeps mail in an encrypted, private, TLS-only bucket whose inbound copies expire', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'mail/' }),
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Prefix: 'inbound/', ExpirationInDays: 3651, Status: 'Enabled' }),
            Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: Match.stringLikeRegexp('MailroomStoreMail') },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('deletes what expired messages and inboxes leave behind, fed only TTL deletions from the table’s stream', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailroomStoreTable'), 'StreamArn'] },
        FunctionName: { Ref: Match.stringLikeRegexp('ExpiryCleanupHandler') },
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('ExpiryCleanupDeadLetters'), 'Arn'] } } },
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['REMOVE'],
                userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
                dynamodb: { OldImage: { type: { S: ['message', 'inbox'] } } },
              }),
            },
          ],
        },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('^Clean-up after expiry failed') });
    });

    it('retains stateful resources by default and destroys them only when told to', () => {
      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
      template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });

      const disposable = mailroomStack({ removalPolicy: RemovalPolicy.DESTROY }).template();
      disposable.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
      disposable.hasResourceProperties('Custom::S3AutoDeleteObjects', {});
    });
  });

  describe('the API', () => {
    it('proxies every route to one Lambda function with throttling, access logs and no body logging', () => {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'], EndpointConfiguration: { Types: ['REGIONAL'] } });
      template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'ANY', Integration: { Type: 'AWS_PROXY' } });
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'live',
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
        MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, DataTraceEnabled: false, LoggingLevel: 'ERROR' })],
      });
    });

    it('streams exports and live events from a second function, waits in a smaller third, sends from a fourth, and keeps every other path on the main one without relying on fallback', () => {
      const resources = template.findResources('AWS::ApiGateway::Resource');
      const pathOf = (logicalId: string): string => {
        const { ParentId, PathPart } = resources[logicalId].Properties;
        return ParentId.Ref ? `${pathOf(ParentId.Ref)}/${PathPart}` : `/${PathPart}`;
      };
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter((m) => m.Properties.ResourceId.Ref);
      const byPath = Object.fromEntries(
        methods.map((m) => [`${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId.Ref)}`, JSON.stringify(m.Properties.Integration)]),
      );
      for (const streamed of ['GET /v1/inboxes/{inboxId}/export', 'GET /v1/events']) {
        const integration = byPath[streamed];
        expect(integration).toContain('"ResponseTransferMode":"STREAM"');
        expect(integration).toContain('response-streaming-invocations');
        expect(integration).toContain('ApiExportHandler');
        expect(integration).toContain('"TimeoutInMillis":900000');
      }
      const main = [
        'ANY /{proxy+}',
        'ANY /v1/{proxy+}',
        'ANY /v1/events',
        'ANY /v1/inboxes',
        'ANY /v1/inboxes/{inboxId}',
        'ANY /v1/inboxes/{inboxId}/{proxy+}',
        'ANY /v1/inboxes/{inboxId}/wait',
        'ANY /v1/inboxes/{inboxId}/messages',
        'ANY /v1/inboxes/{inboxId}/messages/{messageId}',
        'ANY /v1/inboxes/{inboxId}/messages/{messageId}/{proxy+}',
      ];
      for (const path of main) {
        expect({ path, integration: byPath[path] }).toEqual({ path, integration: expect.stringMatching(/ApiHandler[0-9A-F]{8}"/) });
      }
      for (const path of ['POST /v1/inboxes/{inboxId}/messages', 'POST /v1/inboxes/{inboxId}/messages/{messageId}/reply']) {
        expect({ path, integration: byPath[path] }).toEqual({ path, integration: expect.stringMatching(/SendingHandler[0-9A-F]{8}"/) });
      }
      expect(byPath['POST /v1/inboxes/{inboxId}/wait']).toMatch(/ApiWaitHandler[0-9A-F]{8}"/);
      template.hasResourceProperties('AWS::Lambda::Function', { Description: 'Mailroom: REST API, streamed exports and live events', Timeout: 900 });
      // Billed for the time it waits: half the memory of the main function, the same code.
      template.hasResourceProperties('AWS::Lambda::Function', { Description: 'Mailroom: REST API, waits for mail', MemorySize: 256, Timeout: 30 });
      template.hasResourceProperties('AWS::Lambda::Function', { Description: 'Mailroom: REST API', MemorySize: 512 });
    });

    it('gives the handlers the table, bucket, domains, retention and the per-key rate limit through the environment', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'Mailroom: REST API',
        Environment: {
          Variables: Match.objectLike({
            MAILROOM_TABLE_NAME: { Ref: Match.stringLikeRegexp('MailroomStoreTable') },
            MAILROOM_BUCKET_NAME: { Ref: Match.stringLikeRegexp('MailroomStoreMail') },
            MAILROOM_DOMAIN: 'mail.example.com',
            MAILROOM_RETENTION_DAYS: '30',
            MAILROOM_RATE_LIMIT_PER_MINUTE: '600',
            MAILROOM_AUDIT_RETENTION_DAYS: '365',
          }),
        },
      });
    });
  });

  describe('every Mailroom function', () => {
    const mailroomFunctions = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Mailroom:') } }));

    it('are by default eight: parser, API (buffered, streaming, waiting, sending), webhook dispatcher, clean-up after expiry and admin-key bootstrap', () => {
      expect(mailroomFunctions.map((f) => f.Properties.Description).sort()).toEqual([
        'Mailroom: REST API',
        'Mailroom: REST API, sending',
        'Mailroom: REST API, streamed exports and live events',
        'Mailroom: REST API, waits for mail',
        'Mailroom: deletes what expired messages and inboxes leave behind',
        'Mailroom: fans events out to webhook endpoints and delivers them',
        'Mailroom: mints the first admin API key into Secrets Manager',
        'Mailroom: parses raw mail SES stored in S3 into inboxes',
      ]);
    });

    it.each(mailroomFunctions.map((f) => [f.Properties.Description, f]))('%s runs Node.js 24 on ARM64 with JSON logs in its own log group, without loading source maps at start', (_name, fn) => {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/Logs/) } },
      });
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    });

    it('keeps function logs for a month', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });
  });

  describe('webhook delivery', () => {
    it('routes Mailroom events from its own bus to an encrypted job queue with a dead-letter queue and an alarm on it', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: Match.stringLikeRegexp('MailroomWebhooksBus') },
        EventPattern: { source: ['mailroom'] },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailroomWebhooksJobs'), 'Arn'] } })],
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 360,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailroomWebhooksJobDeadLetters'), 'Arn'] }, maxReceiveCount: 5 },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailroomWebhooksJobDeadLetters'), 'QueueName'] } }],
        Threshold: 1,
      });
    });

    it('runs the dispatcher on the queue with partial batch failures, and lets it plan retries only in its schedule group', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailroomWebhooksJobs'), 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 10,
      });
      template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } })],
        },
      });
      const dispatcherPolicy = JSON.stringify(template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('DispatcherRole') } }));
      expect(dispatcherPolicy).toContain('scheduler:CreateSchedule');
      expect(dispatcherPolicy).toContain('iam:PassRole');
      expect(dispatcherPolicy).not.toContain('scheduler:*');
    });

    it('lets the parser publish to the bus', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'Mailroom: parses raw mail SES stored in S3 into inboxes',
        Environment: { Variables: Match.objectLike({ MAILROOM_EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('MailroomWebhooksBus') } }) },
      });
      const parserPolicy = JSON.stringify(template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('ParserRole') } }));
      expect(parserPolicy).toContain('events:PutEvents');
    });
  });

  describe('sending', () => {
    it('goes through a configuration set whose delivery, bounce and complaint events reach EventBridge', () => {
      template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: Match.arrayWith(['send', 'delivery', 'bounce', 'complaint', 'reject']),
          EventBridgeDestination: { EventBusArn: Match.anyValue() },
        },
      });
    });

    it('sends SES’s reports on that configuration set’s mail from the default bus to the job queue', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['aws.ses'], detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: Match.stringLikeRegexp('SendingConfigurationSet') }] } } } },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebhooksJobs'), 'Arn'] } })],
      });
    });

    it('creates DKIM and MAIL FROM records in a given hosted zone, for the domains inside it only', () => {
      const withZone = mailroomStack({
        domains: ['mail.example.com', 'other.example.org'],
        hostedZone: { id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' },
        mailFromSubdomain: 'bounce',
      }).template();
      const records = Object.values(withZone.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties);
      expect(records.filter((r) => r.Type === 'CNAME')).toHaveLength(3);
      expect(records.every((r) => r.HostedZoneId === 'Z0123456789ABCDEFGHIJ')).toBe(true);
      expect(records.find((r) => r.Type === 'MX')).toMatchObject({ Name: 'bounce.mail.example.com.', ResourceRecords: [{ 'Fn::Join': ['', ['10 feedback-smtp.', { Ref: 'AWS::Region' }, '.amazonses.com']] }] });
      expect(records.find((r) => r.Type === 'TXT')).toMatchObject({ Name: 'bounce.mail.example.com.', ResourceRecords: ['"v=spf1 include:amazonses.com ~all"'] });
      withZone.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'mail.example.com', MailFromAttributes: { MailFromDomain: 'bounce.mail.example.com' } });
      // Without a zone, nothing is created in DNS: the records are outputs.
      expect(Object.keys(template.findResources('AWS::Route53::RecordSet'))).toEqual([]);
    });

    const sendStatement = (t: typeof template) => {
      const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes('ses:SendRawEmail'));
      expect(policies).toHaveLength(1);
      expect(JSON.stringify(policies[0].Properties.Roles)).toContain('SendingHandlerRole');
      const statement = policies[0].Properties.PolicyDocument.Statement.find((st: { Sid?: string }) => st.Sid === 'SendFromOurDomainsThroughOurConfigurationSet');
      expect(statement.Action).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      expect(JSON.stringify(statement.Resource)).toMatch(/configuration-set\//);
      expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
      return JSON.stringify(statement.Resource);
    };

    it('is allowed to the sending function alone, only through its configuration set, from any identity while orgs bring domains', () => {
      expect(sendStatement(template)).toMatch(/identity\/\*/);
    });

    it('is allowed only from the deployment’s domains with orgDomains off', () => {
      const resources = sendStatement(mailroomStack({ orgDomains: false }).template());
      expect(resources).toMatch(/identity\/mail\.example\.com/);
      expect(resources).not.toMatch(/identity\/\*/);
    });
  });

  describe('the credential vault', () => {
    const apiPolicy = (t: typeof template) =>
      JSON.stringify(t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('ApiHandlerRole') } }));

    it('with one stack key (rotation on), lets the API use it only with the vault’s encryption context', () => {
      const stackKey = mailroomStack({ vaultKeys: 'stack' }).template();
      stackKey.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('Mailroom vault') });
      stackKey.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'Mailroom: REST API',
        Environment: { Variables: Match.objectLike({ MAILROOM_VAULT_KEY_MODE: 'stack', MAILROOM_VAULT_KEY_ID: { 'Fn::GetAtt': [Match.stringLikeRegexp('VaultKeysKey'), 'Arn'] } }) },
      });
      const policy = apiPolicy(stackKey);
      expect(policy).toContain('"kms:EncryptionContext:purpose":"mailroom-vault"');
      expect(policy).not.toContain('kms:CreateKey');
    });

    it('by default keys each org separately: the API may create only keys tagged as this deployment’s, and use only those', () => {
      const perOrg = template;
      perOrg.resourceCountIs('AWS::KMS::Key', 0);
      perOrg.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'Mailroom: REST API',
        Environment: { Variables: Match.objectLike({ MAILROOM_VAULT_KEY_MODE: 'per-org' }) },
      });
      const policy = apiPolicy(perOrg);
      expect(policy).toContain('kms:CreateKey');
      expect(policy).toContain('aws:RequestTag/mailroom:stack');
      expect(policy).toContain('aws:ResourceTag/mailroom:stack');
      expect(policy).not.toContain('"kms:*"');
    });
  });

  describe('the admin key', () => {
    it('is minted at deploy time into a secret; the template never holds a key', () => {
      template.hasResourceProperties('Custom::MailroomAdminKey', { SecretId: { Ref: Match.stringLikeRegexp('MailroomAdminKeySecret') } });
      expect(JSON.stringify(template.toJSON())).not.toMatch(/mr_[0-9A-Za-z]{20,}/);
    });
  });

  describe('outputs', () => {
    it('say where the API is, which MX record to add and how to read the admin key', () => {
      const outputs = template.toJSON().Outputs;
      expect(Object.keys(outputs)).toEqual(
        expect.arrayContaining(['ApiUrl', 'MxRecords', 'DkimRecords0', 'ReceiptRuleSetName', 'AdminKeySecretArn', 'AdminKeyCommand', 'ParserDeadLetterQueueUrl']),
      );
      expect(JSON.stringify(outputs.MxRecords.Value)).toContain('mail.example.com MX 10 inbound-smtp.');
      expect(JSON.stringify(outputs.AdminKeyCommand.Value)).toContain('aws secretsmanager get-secret-value --secret-id ');
    });
  });

  describe('bad configuration fails at synth time with a way to fix it', () => {
    it.each([
      [{ domains: [] }, /at least one domain/],
      [{ domains: ['not a domain'] }, /DNS names like "mail.example.com", got "not a domain"/],
      [{ domains: ['a.example.com', 'A.example.com'] }, /lists a domain twice/],
      [{ autoCreateDomains: ['other.example.com'] }, /autoCreateDomains must be among domains/],
      [{ retentionDays: 0 }, /retentionDays must be a whole number of days/],
      [{ retentionDays: 1.5 }, /retentionDays must be a whole number of days/],
      [{ existingReceiptRuleSetName: 'company-inbound', activateReceiptRuleSet: true }, /activateReceiptRuleSet applies only/],
      [{ apiThrottling: { rateLimit: 0, burstLimit: 1 } }, /apiThrottling needs a positive rateLimit/],
      [{ rateLimitPerMinute: 0 }, /rateLimitPerMinute must be a positive whole number/],
      [{ auditRetentionDays: 5000 }, /auditRetentionDays must be a whole number of days/],
    ])('%j', (props, message) => {
      expect(() => mailroomStack(props)).toThrow(message);
    });
  });

  it('exposes what it creates for platform teams to extend', () => {
    const { mailroom } = stack;
    expect(mailroom.store.table).toBeDefined();
    expect(mailroom.store.bucket).toBeDefined();
    expect(mailroom.ingest.parser).toBeDefined();
    expect(mailroom.ingest.receiptRule).toBeDefined();
    expect(mailroom.api.restApi).toBeDefined();
    expect(mailroom.adminKey.secret).toBeDefined();
  });
});
