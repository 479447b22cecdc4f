import { invalid } from './errors';
import type { ItemKey } from './table-keys';

/**
 * List cursors are the last key of a page, base64url-encoded. A cursor only continues the listing it
 * came from: one naming another partition (another inbox or org) is refused.
 */
export function encodeCursor(key: ItemKey | undefined): string | null {
  return key ? Buffer.from(JSON.stringify([key.pk, key.sk])).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined, expectedPk: string, skPrefix: string): ItemKey | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      decoded[0] === expectedPk &&
      typeof decoded[1] === 'string' &&
      decoded[1].startsWith(skPrefix)
    ) {
      return { pk: decoded[0], sk: decoded[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw invalid('cursor is not valid for this list', { field: 'cursor' });
}
