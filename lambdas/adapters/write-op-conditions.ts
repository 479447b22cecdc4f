import type { Condition, WriteOp } from '../ports';

/** The condition a transaction's op carries, with the existence its kind implies (an update needs the item unless it upserts). */
export function opCondition(op: WriteOp): Condition | undefined {
  if ('put' in op) return op.ifNotExists ? (op.when ? { allOf: [{ itemExists: false }, op.when] } : { itemExists: false }) : op.when;
  if ('delete' in op) return op.ifExists ? { itemExists: true } : undefined;
  if ('check' in op) return op.when;
  if (op.upsert) return op.when;
  return op.when ? { allOf: [{ itemExists: true }, op.when] } : { itemExists: true };
}
