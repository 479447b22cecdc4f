import * as OTPAuth from 'otpauth';
import type { EncryptionContext, Item } from '../ports';
import { auditWrite, type Actor } from './audit';
import type { CoreDeps } from './deps';
import { open, seal, type Sealed } from './envelope';
import { invalid, MailroomError, notFound } from './errors';
import { getInbox } from './inboxes';
import { listNewestFirst, type ListPage, type ListRequest } from './listing';
import { orgVaultKey } from './orgs';
import { vaultKey, vaultListPrefix } from './table-keys';

export const CREDENTIAL_TYPES = ['login', 'totp', 'api_key', 'secret_note'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];
export const TOTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface TotpInput {
  /** Base32, as sites show it (spaces and lower case allowed). */
  seed?: string;
  /** An `otpauth://totp/...` URI, as QR codes carry it. */
  uri?: string;
  digits?: number;
  period?: number;
  algorithm?: (typeof TOTP_ALGORITHMS)[number];
}

export type CredentialInput =
  | { type: 'login'; username: string; password: string; url?: string; notes?: string; totp?: TotpInput }
  | ({ type: 'totp' } & TotpInput)
  | { type: 'api_key'; key: string; notes?: string }
  | { type: 'secret_note'; text: string };

export interface TotpParams {
  digits: number;
  period: number;
  algorithm: (typeof TOTP_ALGORITHMS)[number];
}

/** Everything secret, sealed together. The TOTP seed never leaves the core: only codes do. */
interface Secrets {
  password?: string;
  notes?: string;
  key?: string;
  text?: string;
  totpSeed?: string;
}

interface CredentialItem extends Item {
  type: 'vault-credential';
  orgId: string;
  inboxId: string;
  name: string;
  credentialType: CredentialType;
  version: number;
  username: string | null;
  url: string | null;
  totp: TotpParams | null;
  sealed: Sealed;
  createdAt: string;
  updatedAt: string;
}

export interface Credential {
  name: string;
  inboxId: string;
  type: CredentialType;
  version: number;
  username: string | null;
  url: string | null;
  /** TOTP settings when the credential can produce codes (never the seed). */
  totp: TotpParams | null;
  createdAt: string;
  updatedAt: string;
}

export type RevealedCredential = Credential & { secret: Omit<Secrets, 'totpSeed'> };

const toCredential = (i: CredentialItem): Credential => ({
  name: i.name,
  inboxId: i.inboxId,
  type: i.credentialType,
  version: i.version,
  username: i.username,
  url: i.url,
  totp: i.totp,
  createdAt: i.createdAt,
  updatedAt: i.updatedAt,
});

/** Org, inbox, name and version: the same values bind the wrapped key (KMS context) and the ciphertext (GCM). */
const contextFor = (orgId: string, inboxId: string, name: string, version: number): EncryptionContext => ({
  purpose: 'mailroom-vault',
  orgId,
  inboxId,
  name,
  version: String(version),
});

function normalizeTotp(input: TotpInput): { params: TotpParams; seed: string } {
  let seed = input.seed;
  let params: Partial<TotpParams> = {};
  if (input.uri) {
    let parsed: OTPAuth.HOTP | OTPAuth.TOTP;
    try {
      parsed = OTPAuth.URI.parse(input.uri);
    } catch {
      throw invalid('totp uri is not an otpauth:// URI', { field: 'uri' });
    }
    if (!(parsed instanceof OTPAuth.TOTP)) throw invalid('only otpauth://totp/ URIs are supported', { field: 'uri' });
    seed = parsed.secret.base32;
    params = { digits: parsed.digits, period: parsed.period, algorithm: parsed.algorithm as TotpParams['algorithm'] };
  }
  if (!seed) throw invalid('a TOTP credential needs a seed (base32) or an otpauth:// uri', { field: 'seed' });
  const base32 = seed.replace(/[\s-]/g, '').toUpperCase().replace(/=+$/, '');
  if (!/^[A-Z2-7]{16,}$/.test(base32)) throw invalid('the TOTP seed must be base32 of at least 80 bits', { field: 'seed' });
  const result: TotpParams = {
    digits: input.digits ?? params.digits ?? 6,
    period: input.period ?? params.period ?? 30,
    algorithm: input.algorithm ?? params.algorithm ?? 'SHA1',
  };
  if (!Number.isInteger(result.digits) || result.digits < 6 || result.digits > 8) throw invalid('digits must be 6, 7 or 8', { field: 'digits' });
  if (!TOTP_ALGORITHMS.includes(result.algorithm)) throw invalid(`algorithm must be one of ${TOTP_ALGORITHMS.join(', ')}`, { field: 'algorithm' });
  return { params: result, seed: base32 };
}

function split(input: CredentialInput): { username: string | null; url: string | null; totp: TotpParams | null; secrets: Secrets } {
  switch (input.type) {
    case 'login': {
      const totp = input.totp ? normalizeTotp(input.totp) : null;
      return {
        username: input.username,
        url: input.url ?? null,
        totp: totp?.params ?? null,
        secrets: { password: input.password, notes: input.notes, totpSeed: totp?.seed },
      };
    }
    case 'totp': {
      const totp = normalizeTotp(input);
      return { username: null, url: null, totp: totp.params, secrets: { totpSeed: totp.seed } };
    }
    case 'api_key':
      return { username: null, url: null, totp: null, secrets: { key: input.key, notes: input.notes } };
    case 'secret_note':
      return { username: null, url: null, totp: null, secrets: { text: input.text } };
  }
}

/**
 * Stores a credential under a name as a new version sealed with a fresh data key. The previous version's
 * item (and with it its wrapped key and ciphertext) is overwritten, so nothing can decrypt it any more.
 */
export async function putCredential(
  deps: CoreDeps,
  actor: Actor,
  inboxId: string,
  name: string,
  input: CredentialInput,
): Promise<{ credential: Credential; created: boolean }> {
  if (!CREDENTIAL_NAME.test(name)) throw invalid('name may hold letters, digits, ".", "_" and "-" (at most 100, starting with a letter or digit)', { field: 'name' });
  const { orgId } = actor;
  await getInbox(deps, orgId, inboxId);
  const key = vaultKey(orgId, inboxId, name);
  const existing = await deps.table.get<CredentialItem>(key);
  const version = (existing?.version ?? 0) + 1;
  const { username, url, totp, secrets } = split(input);
  const now = deps.clock.now().toISOString();
  const item: CredentialItem = {
    ...key,
    type: 'vault-credential',
    orgId,
    inboxId,
    name,
    credentialType: input.type,
    version,
    username,
    url,
    totp,
    sealed: await seal(deps.keyRing, await orgVaultKey(deps, orgId), contextFor(orgId, inboxId, name, version), Buffer.from(JSON.stringify(secrets))),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.table.transactWrite([
    { put: item },
    auditWrite(deps, actor, 'vault.written', { type: 'vault_credential', id: `${inboxId}/${name}` }, { version, credentialType: input.type }),
  ]);
  return { credential: toCredential(item), created: !existing };
}

async function getItem(deps: CoreDeps, orgId: string, inboxId: string, name: string): Promise<CredentialItem> {
  await getInbox(deps, orgId, inboxId);
  const item = CREDENTIAL_NAME.test(name) ? await deps.table.get<CredentialItem>(vaultKey(orgId, inboxId, name)) : undefined;
  if (!item) throw notFound('credential');
  return item;
}

export async function getCredential(deps: CoreDeps, orgId: string, inboxId: string, name: string): Promise<Credential> {
  return toCredential(await getItem(deps, orgId, inboxId, name));
}

export async function listCredentials(deps: CoreDeps, orgId: string, inboxId: string, request: ListRequest): Promise<ListPage<Credential>> {
  await getInbox(deps, orgId, inboxId);
  const { items, nextCursor } = await listNewestFirst<CredentialItem>(deps.table, vaultListPrefix(orgId, inboxId), request, () => true);
  return { data: items.map(toCredential), nextCursor };
}

/** Opens with the context of where the record was found (not what it says of itself), so a moved record fails. */
async function secretsOf(deps: CoreDeps, orgId: string, inboxId: string, name: string, item: CredentialItem): Promise<Secrets> {
  try {
    const plaintext = await open(deps.keyRing, contextFor(orgId, inboxId, name, item.version), item.sealed);
    return JSON.parse(plaintext.toString('utf8')) as Secrets;
  } catch (err) {
    deps.log.error('a vault credential failed to decrypt: it was altered or moved', { orgId, inboxId, name, version: item.version });
    throw new Error(`credential ${name} cannot be decrypted: ${(err as Error).message}`);
  }
}

/** The secret fields (never a TOTP seed); the reveal is in the audit log before the secret leaves. */
export async function revealCredential(deps: CoreDeps, actor: Actor, inboxId: string, name: string): Promise<RevealedCredential> {
  const item = await getItem(deps, actor.orgId, inboxId, name);
  const { totpSeed: _seed, ...secret } = await secretsOf(deps, actor.orgId, inboxId, name, item);
  await deps.table.transactWrite([auditWrite(deps, actor, 'vault.revealed', { type: 'vault_credential', id: `${inboxId}/${name}` }, { version: item.version })]);
  return { ...toCredential(item), secret };
}

/** The current RFC 6238 code and how long it stays valid. */
export async function totpCode(
  deps: CoreDeps,
  actor: Actor,
  inboxId: string,
  name: string,
): Promise<{ code: string; expiresIn: number; period: number }> {
  const item = await getItem(deps, actor.orgId, inboxId, name);
  if (!item.totp) throw new MailroomError('conflict', `credential ${name} has no TOTP seed`);
  const { totpSeed } = await secretsOf(deps, actor.orgId, inboxId, name, item);
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(totpSeed!), ...item.totp });
  const now = deps.clock.now().getTime();
  await deps.table.transactWrite([auditWrite(deps, actor, 'vault.totp_issued', { type: 'vault_credential', id: `${inboxId}/${name}` }, { version: item.version })]);
  return {
    code: totp.generate({ timestamp: now }),
    expiresIn: Math.ceil((item.totp.period * 1000 - (now % (item.totp.period * 1000))) / 1000),
    period: item.totp.period,
  };
}

/** Deletes the credential: its wrapped key and ciphertext go with the item. */
export async function deleteCredential(deps: CoreDeps, actor: Actor, inboxId: string, name: string): Promise<void> {
  const item = await getItem(deps, actor.orgId, inboxId, name);
  await deps.table.transactWrite([
    { delete: vaultKey(actor.orgId, inboxId, name) },
    auditWrite(deps, actor, 'vault.deleted', { type: 'vault_credential', id: `${inboxId}/${name}` }, { version: item.version }),
  ]);
}
