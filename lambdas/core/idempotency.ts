import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Item } from '../ports';
import type { CoreDeps } from './deps';
import { MailroomError, invalid } from './errors';
import { isLive } from './listing';
import { idempotencyRecordKey } from './table-keys';

export interface StoredReply {
  status: number;
  json: unknown;
}

interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

interface IdempotencyItem extends Item {
  state: 'pending' | 'done';
  fingerprint: string;
  startedAt: number;
  expiresAt: number;
  response?: Sealed;
}

export interface IdempotencyScope {
  orgId: string;
  keyId: string;
  /** The caller's plaintext API key: stored responses are sealed with a key derived from it. */
  apiKey: string;
}

const KEEP_SECONDS = 24 * 3600;
/** A pending record older than this belongs to a request that died (API Gateway gives up after 29 s). */
const ABANDONED_AFTER_SECONDS = 60;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Runs a creating request at most once per Idempotency-Key (per API key, for 24 hours): a retry with the
 * same request gets the first response back; the same key with a different request is 422; a retry while
 * the first is still running is 409. A request that fails leaves nothing behind, so it can be retried.
 *
 * Responses can hold secrets (a new API key), so they are stored sealed with AES-256-GCM under a key
 * derived from the caller's own API key: the table alone never reveals them.
 */
export async function runIdempotently(
  deps: CoreDeps,
  scope: IdempotencyScope,
  idempotencyKey: string,
  fingerprint: string,
  run: () => Promise<StoredReply>,
): Promise<{ reply: StoredReply; replayed: boolean }> {
  if (!KEY_PATTERN.test(idempotencyKey)) throw invalid('Idempotency-Key must be 1–255 printable ASCII characters', { field: 'Idempotency-Key' });
  const key = idempotencyRecordKey(scope.orgId, scope.keyId, createHash('sha256').update(idempotencyKey).digest('base64url'));
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  const pending: IdempotencyItem = { ...key, state: 'pending', fingerprint, startedAt: nowSeconds, expiresAt: nowSeconds + KEEP_SECONDS };

  for (let attempt = 0; !(await deps.table.put(pending, { ifNotExists: true })); attempt++) {
    const existing = await deps.table.get<IdempotencyItem>(key);
    if (existing && isLive(deps.clock.now())(existing) && !(existing.state === 'pending' && nowSeconds - existing.startedAt > ABANDONED_AFTER_SECONDS)) {
      if (existing.fingerprint !== fingerprint) {
        throw new MailroomError('unprocessable', 'this Idempotency-Key was already used with a different request');
      }
      if (existing.state === 'pending') throw new MailroomError('conflict', 'a request with this Idempotency-Key is still in progress; retry shortly');
      return { reply: unseal(existing.response!, scope.apiKey, key.sk), replayed: true };
    }
    // Expired or abandoned: take it over (once; a second loss means another request just did).
    if (attempt > 0) throw new MailroomError('conflict', 'a request with this Idempotency-Key is still in progress; retry shortly');
    if (existing) await deps.table.delete(key);
  }

  let reply: StoredReply;
  try {
    reply = await run();
  } catch (err) {
    await deps.table.delete(key);
    throw err;
  }
  await deps.table.update(key, { state: 'done', response: seal(reply, scope.apiKey, key.sk) });
  return { reply, replayed: false };
}

function cipherKey(apiKey: string, salt: string): Buffer {
  return Buffer.from(hkdfSync('sha256', apiKey, salt, 'mailroom idempotent response', 32));
}

function seal(reply: StoredReply, apiKey: string, salt: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cipherKey(apiKey, salt), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(reply), 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

function unseal(sealed: Sealed, apiKey: string, salt: string): StoredReply {
  const decipher = createDecipheriv('aes-256-gcm', cipherKey(apiKey, salt), Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8')) as StoredReply;
}
