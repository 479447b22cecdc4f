import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { authenticator as otplib } from 'otplib';
// otplib's TOTP repeats a short seed up to the hash's size (to fit RFC 6238's SHA-256/512 test seeds); the RFC's
// HMAC, authenticator apps and oathtool use the seed as it is, which is what its HOTP key does.
import { hotpCreateHmacKey, type HashAlgorithms } from '@otplib/core';
import { generateApiKey } from '../../lambdas/core/api-keys';
import type { Scope } from '../../lambdas/core/auth';
import { open, seal, type Sealed } from '../../lambdas/core/envelope';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { DEFAULT_ORG_ID, vaultKey } from '../../lambdas/core/table-keys';
import { createApi } from '../../lambdas/http/api';
import { LOCAL_REGION } from '../../lambdas/local/dynamodb-local';
import { LocalKeyRing } from '../../lambdas/local/local-key-ring';
import { S3_LOCAL_CREDENTIALS } from '../../lambdas/local/s3-local';
import type { Item } from '../../lambdas/ports';
import { apiCaller } from '../support/api-client';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';
import { startBackends, type Backends } from '../support/backends';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let admin: string;
let inboxId: string;
const base32 = (ascii: string) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of Buffer.from(ascii, 'latin1')) bits += byte.toString(2).padStart(8, '0');
  return (bits.match(/.{1,5}/g) ?? []).map((chunk) => alphabet[parseInt(chunk.padEnd(5, '0'), 2)]).join('');
};

async function keyWith(...scopes: Scope[]): Promise<string> {
  const key = generateApiKey();
  await registerApiKey(backends.deps, { key, orgId: DEFAULT_ORG_ID, name: scopes.join(' '), scopes });
  return key;
}

/** Every item in the table and every object in the bucket, as one string to search for plaintext. */
async function everythingStored(): Promise<string> {
  const client = new DynamoDBClient({ endpoint: backends.dynamodbEndpoint, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS });
  const items = JSON.stringify((await client.send(new ScanCommand({ TableName: 'mailroom-test' }))).Items);
  const s3 = new S3Client({ endpoint: backends.s3Endpoint, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS, forcePathStyle: true });
  const objects = (await s3.send(new ListObjectsV2Command({ Bucket: 'mailroom-test' }))).Contents ?? [];
  const bodies = await Promise.all(objects.map(async (o) => (await s3.send(new GetObjectCommand({ Bucket: 'mailroom-test', Key: o.Key }))).Body!.transformToString('latin1')));
  return items + bodies.join('');
}

beforeAll(async () => {
  backends = await startBackends();
  call = apiCaller(createApi(backends.deps, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' }));
  admin = await keyWith('admin');
  inboxId = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'agent-007' } })).json.id;
});
afterAll(() => backends.stop());

describe('the credential vault', () => {
  // RFC 6238 Appendix B: the seeds are these ASCII strings; 8-digit codes at these Unix times.
  const SEEDS = {
    SHA1: '12345678901234567890',
    SHA256: '12345678901234567890123456789012',
    SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
  } as const;
  const VECTORS: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];

  it.each(VECTORS.flatMap(([time, sha1, sha256, sha512]) => [
    ['SHA1', time, sha1],
    ['SHA256', time, sha256],
    ['SHA512', time, sha512],
  ] as const))('gives the RFC 6238 code for %s at %i: %s', async (algorithm, time, expected) => {
    // Prepare
    const name = `rfc-${algorithm.toLowerCase()}`;
    await call('PUT', `/v1/inboxes/${inboxId}/vault/${name}`, { key: admin, body: { type: 'totp', seed: base32(SEEDS[algorithm]), digits: 8, algorithm } });
    const at = apiCaller(createApi({ ...backends.deps, clock: { now: () => new Date(time * 1000) } }, { maxInlineDownloadBytes: 1, version: 't' }));

    // Act
    const res = await at('GET', `/v1/inboxes/${inboxId}/vault/${name}/totp`, { key: await keyWith('vault:totp') });

    // Assess
    expect(res.json).toEqual({ code: expected, expiresIn: 30 - (time % 30), period: 30 });
  });

  it.each(['SHA1', 'SHA256', 'SHA512'] as const)('agrees with otplib, a second implementation of RFC 6238, on 6-digit %s codes for random seeds', async (algorithm) => {
    const totpOnly = await keyWith('vault:totp');
    for (let i = 0; i < 5; i++) {
      // Prepare
      const seed = base32(randomBytes(20).toString('latin1'));
      const at = new Date(Date.UTC(2020 + i, i, 1 + i * 3, i * 5, i * 7, i * 11));
      const name = `random-${algorithm}-${i}`;
      await call('PUT', `/v1/inboxes/${inboxId}/vault/${name}`, { key: admin, body: { type: 'totp', seed, algorithm } });
      const then = apiCaller(createApi({ ...backends.deps, clock: { now: () => at } }, { maxInlineDownloadBytes: 1, version: 't' }));

      // Act
      const ours = (await then('GET', `/v1/inboxes/${inboxId}/vault/${name}/totp`, { key: totpOnly })).json.code;
      const theirs = otplib.clone({ algorithm: algorithm.toLowerCase() as HashAlgorithms, epoch: at.getTime(), createHmacKey: hotpCreateHmacKey }).generate(seed);

      // Assess
      expect(ours).toBe(theirs);
    }
  });

  it('reads TOTP settings from an otpauth:// URI', async () => {
    const uri = 'otpauth://totp/Example:agent@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example&digits=7&period=60&algorithm=SHA256';
    const res = await call('PUT', `/v1/inboxes/${inboxId}/vault/from-uri`, { key: admin, body: { type: 'totp', uri } });
    expect(res.json).toMatchObject({ type: 'totp', totp: { digits: 7, period: 60, algorithm: 'SHA256' } });
    const code = await call('GET', `/v1/inboxes/${inboxId}/vault/from-uri/totp`, { key: admin });
    expect(code.json.code).toMatch(/^\d{7}$/);
  });

  it('keeps secrets sealed: metadata by default, the password only on an audited reveal, the TOTP seed never', async () => {
    // Prepare: mail in the bucket too, so the scan below reads both stores.
    await deliver(backends.deps, await compose({ to: 'agent-007@mailroom.test', subject: 'welcome', text: 'hi' }), ['agent-007@mailroom.test']);
    const seed = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const password = 'correct horse battery staple 8f1c';
    const written = await call('PUT', `/v1/inboxes/${inboxId}/vault/github`, {
      key: admin,
      body: { type: 'login', username: 'agent-007', password, url: 'https://github.com/login', totp: { seed } },
    });

    // Act
    const listed = await call('GET', `/v1/inboxes/${inboxId}/vault`, { key: admin });
    const plain = await call('GET', `/v1/inboxes/${inboxId}/vault/github`, { key: admin });
    const revealed = await call('GET', `/v1/inboxes/${inboxId}/vault/github`, { key: admin, query: { reveal: 'true' } });
    const code = await call('GET', `/v1/inboxes/${inboxId}/vault/github/totp`, { key: admin });

    // Assess
    expect(written.json).toMatchObject({ name: 'github', type: 'login', version: 1, username: 'agent-007', totp: { digits: 6, period: 30, algorithm: 'SHA1' } });
    expect(plain.json).not.toHaveProperty('secret');
    expect(revealed.json.secret).toEqual({ password });
    expect(code.json.code).toMatch(/^\d{6}$/);
    for (const res of [written, listed, plain, revealed, code]) expect(JSON.stringify(res.json)).not.toContain(seed);
    for (const res of [written, listed, plain, code]) expect(JSON.stringify(res.json)).not.toContain(password);
    const stored = await everythingStored();
    expect(stored).not.toContain(seed);
    expect(stored).not.toContain(password);
    expect(JSON.stringify(backends.logs)).not.toContain(password);
    const events = (await call('GET', '/v1/audit-events', { key: admin, query: { limit: '100' } })).json.data;
    const actions = events.filter((e: { target: { id: string } }) => e.target.id === `${inboxId}/github`).map((e: { action: string }) => e.action);
    expect(actions).toEqual(['vault.totp_issued', 'vault.revealed', 'vault.written']);
    expect(JSON.stringify(await call('GET', '/v1/audit-events', { key: admin }))).not.toContain(password);
  });

  it('lets vault:totp get codes but not reveal, and vault:reveal reveal but not write', async () => {
    await call('PUT', `/v1/inboxes/${inboxId}/vault/scoped`, { key: admin, body: { type: 'login', username: 'u', password: 'p4ssw0rd!', totp: { seed: 'JBSWY3DPEHPK3PXP' } } });
    const [totpOnly, revealOnly] = [await keyWith('vault:totp'), await keyWith('vault:reveal')];
    const path = `/v1/inboxes/${inboxId}/vault/scoped`;

    expect((await call('GET', `${path}/totp`, { key: totpOnly })).status).toBe(200);
    expect((await call('GET', path, { key: totpOnly })).status).toBe(200);
    expect((await call('GET', path, { key: totpOnly, query: { reveal: 'true' } })).status).toBe(403);
    expect((await call('GET', path, { key: revealOnly, query: { reveal: 'true' } })).json.secret.password).toBe('p4ssw0rd!');
    expect((await call('GET', `${path}/totp`, { key: revealOnly })).status).toBe(403);
    expect((await call('PUT', path, { key: revealOnly, body: { type: 'secret_note', text: 'x' } })).status).toBe(403);
    expect((await call('GET', `/v1/inboxes/${inboxId}/vault`, { key: await keyWith('inboxes:read') })).status).toBe(403);
  });

  it('makes an overwrite a new version sealed with a new key, leaving no trace of the old one', async () => {
    const path = `/v1/inboxes/${inboxId}/vault/rotating`;
    await call('PUT', path, { key: admin, body: { type: 'api_key', key: 'sk_live_first' } });
    const first = (await backends.deps.table.get<Item & { sealed: Sealed }>(vaultKey(DEFAULT_ORG_ID, inboxId, 'rotating')))!.sealed;

    const second = await call('PUT', path, { key: admin, body: { type: 'api_key', key: 'sk_live_second' } });

    expect(second.json.version).toBe(2);
    expect((await call('GET', path, { key: admin, query: { reveal: 'true' } })).json.secret).toEqual({ key: 'sk_live_second' });
    const stored = await everythingStored();
    expect(stored).not.toContain(first.wrappedKey);
    expect(stored).not.toContain(first.ciphertext);
  });

  it('refuses to open a record whose nonce, tag, ciphertext or wrapped key was altered, that was moved, or under another org’s key', async () => {
    const context = { purpose: 'mailroom-vault', orgId: 'org_a', inboxId: 'inb_a', name: 'n', version: '1' };
    const keyRef = await backends.deps.keyRing.createOrgKey('org_a');
    const sealed = await seal(backends.deps.keyRing, keyRef, context, Buffer.from('{"password":"x"}'));
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[bytes.length - 1] ^= 1;
      return bytes.toString('base64');
    };
    await expect(open(backends.deps.keyRing, context, sealed)).resolves.toEqual(Buffer.from('{"password":"x"}'));
    for (const field of ['nonce', 'tag', 'ciphertext', 'wrappedKey'] as const) {
      await expect(open(backends.deps.keyRing, context, { ...sealed, [field]: flip(sealed[field]) })).rejects.toThrow();
    }
    for (const moved of [{ orgId: 'org_b' }, { inboxId: 'inb_b' }, { name: 'other' }, { version: '2' }]) {
      await expect(open(backends.deps.keyRing, { ...context, ...moved }, sealed)).rejects.toThrow();
    }
    await expect(open(backends.deps.keyRing, context, { ...sealed, keyRef: await backends.deps.keyRing.createOrgKey('org_b') })).rejects.toThrow();
    const anotherMasterKey = new LocalKeyRing(join(mkdtempSync(join(tmpdir(), 'mailroom-key-')), 'master.key'));
    await expect(open(anotherMasterKey, context, sealed)).rejects.toThrow();
  });

  it('answers with an error, not a secret, when a record was copied under another name', async () => {
    await call('PUT', `/v1/inboxes/${inboxId}/vault/original`, { key: admin, body: { type: 'secret_note', text: 'launch codes' } });
    const item = (await backends.deps.table.get(vaultKey(DEFAULT_ORG_ID, inboxId, 'original')))!;
    await backends.deps.table.put({ ...item, ...vaultKey(DEFAULT_ORG_ID, inboxId, 'copy') });

    const res = await call('GET', `/v1/inboxes/${inboxId}/vault/copy`, { key: admin, query: { reveal: 'true' } });

    expect(res.status).toBe(500);
    expect(JSON.stringify(res.json)).not.toContain('launch codes');
  });

  it('seals each org’s credentials under that org’s own key', async () => {
    const org = (await call('POST', '/v1/orgs', { key: admin, body: { name: 'Tenant' } })).json;
    const tenantKey = (await call('POST', '/v1/api-keys', { key: admin, body: { name: 't', orgId: org.id, scopes: ['inboxes:write', 'vault:write'] } })).json.key;
    const tenantInbox = (await call('POST', '/v1/inboxes', { key: tenantKey, body: {} })).json;
    await call('PUT', `/v1/inboxes/${tenantInbox.id}/vault/cred`, { key: tenantKey, body: { type: 'secret_note', text: 'tenant secret' } });
    await call('PUT', `/v1/inboxes/${inboxId}/vault/cred`, { key: admin, body: { type: 'secret_note', text: 'default secret' } });

    const keyRefOf = async (orgId: string, inbox: string) => (await backends.deps.table.get<Item & { sealed: Sealed }>(vaultKey(orgId, inbox, 'cred')))!.sealed.keyRef;
    expect(await keyRefOf(org.id, tenantInbox.id)).toBe(`local:${org.id}`);
    expect(await keyRefOf(DEFAULT_ORG_ID, inboxId)).toBe(`local:${DEFAULT_ORG_ID}`);
  });

  it('deletes a credential, and an inbox’s deletion takes its credentials with it', async () => {
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: {} })).json;
    await call('PUT', `/v1/inboxes/${inbox.id}/vault/a`, { key: admin, body: { type: 'secret_note', text: 'a' } });
    await call('PUT', `/v1/inboxes/${inbox.id}/vault/b`, { key: admin, body: { type: 'secret_note', text: 'b' } });

    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/vault/a`, { key: admin })).status).toBe(204);
    expect((await call('GET', `/v1/inboxes/${inbox.id}/vault/a`, { key: admin })).status).toBe(404);
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}`, { key: admin })).status).toBe(204);
    expect(await backends.deps.table.get(vaultKey(DEFAULT_ORG_ID, inbox.id, 'b'))).toBeUndefined();
  });

  it('validates what is stored', async () => {
    const put = (name: string, body: unknown) => call('PUT', `/v1/inboxes/${inboxId}/vault/${name}`, { key: admin, body });
    expect((await put('bad name!', { type: 'secret_note', text: 'x' })).status).toBe(404);
    expect((await put('ok', { type: 'password', text: 'x' })).status).toBe(400);
    expect((await put('ok', { type: 'totp', seed: 'not base32 at all!!' })).json.error.message).toContain('base32');
    expect((await put('ok', { type: 'totp', seed: 'JBSWY3DPEHPK3PXP', digits: 9 })).status).toBe(400);
    expect((await put('ok', { type: 'totp', uri: 'otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1' })).json.error.message).toContain('totp');
    expect((await call('GET', `/v1/inboxes/${inboxId}/vault/rotating/totp`, { key: admin })).status).toBe(409);
  });
});
