import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { contextBytes } from '../core/envelope';
import type { EncryptionContext, KeyRing } from '../ports';

const VERSION = 1;

/**
 * The laptop's stand-in for KMS: data keys are wrapped with AES-256-GCM under a per-org key derived (HKDF)
 * from a master key kept in a file (mode 0600, created on first use), with the encryption context as
 * additional data, so a wrong org key or a wrong context fails exactly as it does with KMS.
 */
export class LocalKeyRing implements KeyRing {
  private readonly masterKey: Buffer;

  constructor(masterKeyFile: string) {
    if (!existsSync(masterKeyFile)) {
      mkdirSync(dirname(masterKeyFile), { recursive: true, mode: 0o700 });
      writeFileSync(masterKeyFile, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    this.masterKey = Buffer.from(readFileSync(masterKeyFile, 'utf8').trim(), 'base64');
    if (this.masterKey.length !== 32) throw new Error(`${masterKeyFile} does not hold a 256-bit key`);
  }

  async createOrgKey(orgId: string): Promise<string> {
    return `local:${orgId}`;
  }

  /** Org keys are derived, not stored: nothing to delete (the org's sealed items are deleted with it). */
  async retireOrgKey(): Promise<void> {}

  private keyFor(keyRef: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.masterKey, keyRef, 'mailroom local key ring', 32));
  }

  async generateDataKey(keyRef: string, context: EncryptionContext): Promise<{ plaintext: Buffer; wrapped: Buffer }> {
    const plaintext = randomBytes(32);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(keyRef), nonce);
    cipher.setAAD(contextBytes(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { plaintext, wrapped: Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body]) };
  }

  async decryptDataKey(keyRef: string, wrapped: Buffer, context: EncryptionContext): Promise<Buffer> {
    if (wrapped[0] !== VERSION || wrapped.length !== 1 + 12 + 16 + 32) throw new Error('not a data key wrapped by this key ring');
    const decipher = createDecipheriv('aes-256-gcm', this.keyFor(keyRef), wrapped.subarray(1, 13));
    decipher.setAAD(contextBytes(context));
    decipher.setAuthTag(wrapped.subarray(13, 29));
    return Buffer.concat([decipher.update(wrapped.subarray(29)), decipher.final()]);
  }
}
