import { CreateKeyCommand, DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { KmsKeyRing, type KmsKeyRingConfig } from '../../../lambdas/adapters/aws/kms-key-ring';
import { open, seal } from '../../../lambdas/core/envelope';
import { startMotoServer, type MotoServer } from '../../support/moto';

let moto: MotoServer;
let kms: KMSClient;
let config: KmsKeyRingConfig;

beforeAll(async () => {
  moto = await startMotoServer();
  kms = new KMSClient(moto.clientConfig);
  const stackKey = await kms.send(new CreateKeyCommand({ Description: 'mailroom stack key' }));
  config = { mode: 'per-org', stackKeyArn: stackKey.KeyMetadata!.Arn!, stackTag: 'Mailroom', apiRoleArn: 'arn:aws:iam::123456789012:role/mailroom-api' };
});
afterAll(() => moto.stop());

const contextFor = (orgId: string) => ({ purpose: 'mailroom-vault', orgId, inboxId: 'inb_1', name: 'github', version: '1' });

describe('the KMS key ring (against moto)', () => {
  it('creates a key per org with rotation on, tagged, whose policy lets the API use it only for that org', async () => {
    // Act
    const keyArn = await new KmsKeyRing(kms, config).createOrgKey('org_acme');

    // Assess
    expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyArn }))).KeyRotationEnabled).toBe(true);
    const tags = (await kms.send(new ListResourceTagsCommand({ KeyId: keyArn }))).Tags;
    expect(tags).toEqual(expect.arrayContaining([{ TagKey: 'mailroom:stack', TagValue: 'Mailroom' }, { TagKey: 'mailroom:org', TagValue: 'org_acme' }]));
    const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))).Policy!);
    expect(policy.Statement.map((st: { Sid: string }) => st.Sid)).toEqual(['AccountAdministers', 'ApiUsesForThisOrgOnly', 'ApiPassesTheLockoutCheck']);
    expect(policy.Statement[1]).toEqual({
      Sid: 'ApiUsesForThisOrgOnly',
      Effect: 'Allow',
      Principal: { AWS: config.apiRoleArn },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:orgId': 'org_acme', 'kms:EncryptionContext:purpose': 'mailroom-vault' } },
    });
  });

  it('shares the stack key between orgs in stack mode', async () => {
    expect(await new KmsKeyRing(kms, { ...config, mode: 'stack' }).createOrgKey('org_small')).toBe(config.stackKeyArn);
  });

  it('generates 256-bit data keys and unwraps them only with the same key and encryption context', async () => {
    // Prepare
    const ring = new KmsKeyRing(kms, config);
    const keyArn = await ring.createOrgKey('org_a');
    const context = contextFor('org_a');

    // Act
    const { plaintext, wrapped } = await ring.generateDataKey(keyArn, context);

    // Assess
    expect(plaintext).toHaveLength(32);
    expect(wrapped.equals(plaintext)).toBe(false);
    expect(await ring.decryptDataKey(keyArn, wrapped, context)).toEqual(plaintext);
    await expect(ring.decryptDataKey(keyArn, wrapped, contextFor('org_b'))).rejects.toThrow();
    await expect(ring.decryptDataKey(keyArn, wrapped, { ...context, version: '2' })).rejects.toThrow();
    await expect(ring.decryptDataKey(await ring.createOrgKey('org_b'), wrapped, context)).rejects.toThrow();
  });

  it('seals and opens a secret end to end, and refuses another org’s key', async () => {
    const ring = new KmsKeyRing(kms, config);
    const [mine, theirs] = [await ring.createOrgKey('org_mine'), await ring.createOrgKey('org_theirs')];
    const sealed = await seal(ring, mine, contextFor('org_mine'), Buffer.from('hunter2'));

    expect((await open(ring, contextFor('org_mine'), sealed)).toString()).toBe('hunter2');
    await expect(open(ring, contextFor('org_mine'), { ...sealed, keyRef: theirs })).rejects.toThrow();
  });
});

describe('retiring an org key (against moto)', () => {
  it('schedules the org’s own key for deletion after KMS’s one-week wait, and a repeat is harmless', async () => {
    const ring = new KmsKeyRing(kms, config);
    const keyArn = await ring.createOrgKey('org_leaving');

    await ring.retireOrgKey(keyArn);
    await ring.retireOrgKey(keyArn);

    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
    expect(KeyMetadata).toMatchObject({ KeyState: 'PendingDeletion', DeletionDate: expect.any(Date) });
    const days = (KeyMetadata!.DeletionDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
  });

  it('never schedules the shared stack key', async () => {
    await new KmsKeyRing(kms, { ...config, mode: 'stack' }).retireOrgKey(config.stackKeyArn);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: config.stackKeyArn }))).KeyMetadata!.KeyState).toBe('Enabled');
  });
});
