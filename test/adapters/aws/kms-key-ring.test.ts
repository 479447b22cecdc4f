import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyRing } from '../../../lambdas/adapters/aws/kms-key-ring';
import { open, seal } from '../../../lambdas/core/envelope';
import { startMotoServer, type MotoServer } from '../../support/moto';

let moto: MotoServer;
let kms: KMSClient;

beforeAll(async () => {
  moto = await startMotoServer();
  kms = new KMSClient(moto.clientConfig);
});
afterAll(() => moto.stop());

const context = { purpose: 'mailroom-vault', orgId: 'org_default', inboxId: 'inb_1', name: 'github', version: '1' };

describe('the KMS key ring (against moto)', () => {
  it('generates 256-bit data keys and unwraps them only with the same encryption context', async () => {
    // Prepare
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'mailroom vault test' }));
    const ring = new KmsKeyRing(kms, KeyMetadata!.Arn!);

    // Act
    const { plaintext, wrapped } = await ring.generateDataKey(context);

    // Assess
    expect(plaintext).toHaveLength(32);
    expect(wrapped.equals(plaintext)).toBe(false);
    expect(await ring.decryptDataKey(wrapped, context)).toEqual(plaintext);
    await expect(ring.decryptDataKey(wrapped, { ...context, orgId: 'org_other' })).rejects.toThrow();
    await expect(ring.decryptDataKey(wrapped, { ...context, version: '2' })).rejects.toThrow();
  });

  it('seals and opens a secret end to end, and refuses another key', async () => {
    const mine = new KmsKeyRing(kms, (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!);
    const theirs = new KmsKeyRing(kms, (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!);
    const sealed = await seal(mine, context, Buffer.from('hunter2'));

    expect((await open(mine, context, sealed)).toString()).toBe('hunter2');
    await expect(open(theirs, context, sealed)).rejects.toThrow();
  });
});
