import { isDeepStrictEqual } from 'node:util';
import type { Condition, Item, WriteOp } from '../../ports';

/**
 * DynamoDB's condition and update expressions, evaluated on items as the document client reads them (strings,
 * numbers, booleans, null, lists, maps, string sets, Uint8Array), for the embedded table.
 */

type UpdateOp = Extract<WriteOp, { update: unknown }>;

/** A DynamoDB ValidationException: a request DynamoDB would refuse before looking at any item. */
export class StoreValidationError extends Error {
  override readonly name = 'ValidationException';
}

/** Strings compare by their UTF-8 bytes, as DynamoDB orders them; numbers by value. Other pairs never compare. */
function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return isDeepStrictEqual(normalised(a), normalised(b));
}

/** Binary values as plain bytes, so a Buffer equals the Uint8Array DynamoDB hands back. */
function normalised(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Set) return new Set([...value].map(normalised));
  if (Array.isArray(value)) return value.map(normalised);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalised(v)]));
  return value;
}

/** DynamoDB's `size()`: characters of a string, bytes of binary, elements of a set, list or map. */
function sizeOf(value: unknown): number | undefined {
  if (typeof value === 'string') return value.length;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return value.size;
  if (Array.isArray(value)) return value.length;
  if (value && typeof value === 'object') return Object.keys(value).length;
  return undefined;
}

/** Whether `when` holds of the stored item (undefined: no item). */
export function holds(when: Condition | undefined, item: Item | undefined): boolean {
  if (!when) return true;
  if ('allOf' in when) return when.allOf.every((c) => holds(c, item));
  if ('anyOf' in when) return when.anyOf.some((c) => holds(c, item));
  if ('itemExists' in when) return when.itemExists === (item !== undefined);
  const value = item?.[when.attribute];
  if ('absent' in when) return value === undefined;
  if (value === undefined) return false;
  if ('equals' in when) return equal(value, when.equals);
  if ('is' in when) {
    const order = compare(value, when.than);
    if (order === undefined) return false;
    return when.is === '<' ? order < 0 : when.is === '<=' ? order <= 0 : when.is === '>' ? order > 0 : order >= 0;
  }
  if ('contains' in when) {
    if (typeof value === 'string') return value.includes(when.contains);
    if (value instanceof Set) return value.has(when.contains);
    if (Array.isArray(value)) return value.some((v) => equal(v, when.contains));
    return false;
  }
  const size = sizeOf(value);
  return size !== undefined && size < when.sizeBelow;
}

const KEY_ATTRIBUTES = new Set(['pk', 'sk']);

/** Refuses, as DynamoDB does, an update that would change the item's key. */
export function refuseKeyChanges(names: string[]): void {
  const key = names.find((n) => KEY_ATTRIBUTES.has(n));
  if (key) throw new StoreValidationError(`One or more parameter values were invalid: Cannot update attribute ${key}. This attribute is part of the key`);
}

const defined = (r: Record<string, unknown> | undefined) => Object.entries(r ?? {}).filter(([, v]) => v !== undefined);

/** The item after an update op's SET, if_not_exists SET, ADD and DELETE clauses (the key stays). */
export function applyUpdate(op: UpdateOp, stored: Item | undefined): Item {
  refuseKeyChanges([...defined(op.set), ...defined(op.setIfAbsent), ...defined(op.add), ...defined(op.deleteFromSet)].map(([k]) => k));
  const next: Item = { ...(stored ?? { pk: op.update.pk, sk: op.update.sk }) };
  for (const [name, value] of defined(op.set)) next[name] = value;
  for (const [name, value] of defined(op.setIfAbsent)) if (next[name] === undefined) next[name] = value;
  for (const [name, by] of defined(op.add)) {
    const current = next[name];
    if (typeof by === 'number') {
      if (current !== undefined && typeof current !== 'number') throw new StoreValidationError(`An operand in the update expression has an incorrect data type: ${name}`);
      next[name] = ((current as number | undefined) ?? 0) + by;
    } else {
      if (current !== undefined && !(current instanceof Set)) throw new StoreValidationError(`An operand in the update expression has an incorrect data type: ${name}`);
      next[name] = new Set([...((current as Set<string> | undefined) ?? []), ...(by as Set<string>)]);
    }
  }
  for (const [name, remove] of defined(op.deleteFromSet)) {
    const current = next[name];
    if (current === undefined) continue;
    if (!(current instanceof Set)) throw new StoreValidationError(`An operand in the update expression has an incorrect data type: ${name}`);
    const left = new Set([...current].filter((v) => !(remove as Set<string>).has(v)));
    // DynamoDB keeps no empty sets: taking out the last element removes the attribute.
    if (left.size) next[name] = left;
    else delete next[name];
  }
  return next;
}
