/**
 * Field names whose values must never reach a log: credentials, and the content of mail and vault entries.
 * Call sites already leave these out; this keeps a slip from becoming a leak.
 */
const SECRET_FIELD = /secret|password|passphrase|token|api_?key|authorization|cookie|seed|credential|private|^(body|html|text|raw|value|plaintext|content|codes)$/i;
const MAX_DEPTH = 4;

export const REDACTED = '[redacted]';

/** A copy of `fields` with every secret-looking field's value replaced, at any depth. */
export function redacted(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  return fields ? (scrub(fields, 0) as Record<string, unknown>) : {};
}

function scrub(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELD.test(k) ? REDACTED : scrub(v, depth + 1)]));
}
