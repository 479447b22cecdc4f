import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionContext, KeyRing } from '../ports';

/** What is stored for one secret: never the data key in the clear. */
export interface Sealed {
  /** Which key wrapped the data key (not secret: it only says where to ask). */
  keyRef: string;
  wrappedKey: string;
  nonce: string;
  tag: string;
  ciphertext: string;
}

/** The context as GCM additional data: keys sorted, so the same context always gives the same bytes. */
export function contextBytes(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(Object.keys(context).sort().map((k) => [k, context[k]])));
}

/**
 * Envelope encryption: a fresh data key per secret from the key ring, AES-256-GCM with the context as
 * additional data. The same context binds the wrapped key (KMS encryption context), so a record moved to
 * another org, inbox, name or version fails to open twice over.
 */
export async function seal(keyRing: KeyRing, keyRef: string, context: EncryptionContext, plaintext: Buffer): Promise<Sealed> {
  const { plaintext: dataKey, wrapped } = await keyRing.generateDataKey(keyRef, context);
  try {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
    cipher.setAAD(contextBytes(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyRef, wrappedKey: wrapped.toString('base64'), nonce: nonce.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
  } finally {
    dataKey.fill(0);
  }
}

export async function open(keyRing: KeyRing, context: EncryptionContext, sealed: Sealed): Promise<Buffer> {
  const dataKey = await keyRing.decryptDataKey(sealed.keyRef, Buffer.from(sealed.wrappedKey, 'base64'), context);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(sealed.nonce, 'base64'));
    decipher.setAAD(contextBytes(context));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  } finally {
    dataKey.fill(0);
  }
}
