/**
 * DynamoDB's item size, as it bills it (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * every attribute costs its name's UTF-8 bytes plus its value: strings their UTF-8 bytes, binary its bytes,
 * numbers about 1 byte per two significant digits + 1, null and booleans 1 byte, lists and maps 3 bytes plus
 * 1 byte per element (and, for maps, each key's bytes). Undefined values are left out, as the document
 * client's `removeUndefinedValues` does.
 */
export function dynamoItemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    const v = valueSize(value);
    if (v !== undefined) size += Buffer.byteLength(name, 'utf8') + v;
  }
  return size;
}

function valueSize(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + (valueSize(v) ?? 0), 0);
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + 1 + (valueSize(v) ?? 1), 3);
  if (typeof value === 'object') {
    let size = 3;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const s = valueSize(v);
      if (s !== undefined) size += Buffer.byteLength(key, 'utf8') + s + 1;
    }
    return size;
  }
  return Buffer.byteLength(String(value), 'utf8');
}

function numberSize(n: number | bigint): number {
  const digits = String(n)
    .toLowerCase()
    .replace(/e.*$/, '')
    .replace(/[-.]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}
