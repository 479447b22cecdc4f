import { gunzipSync, gzipSync } from 'node:zlib';
import type { MessageContent, MessageContentItem } from './messages';

/**
 * Bodies and headers are kept gzipped in their table item: mail text and HTML shrink three- to tenfold, and
 * DynamoDB bills writes, reads and storage by the kilobyte.
 */
export function packContentJson(json: string): Buffer {
  return gzipSync(json);
}

/** The content of an item written packed, or of one written before packing (a plain map). */
export function unpackContent(item: MessageContentItem): MessageContent {
  if (item.packed) return JSON.parse(gunzipSync(item.packed).toString('utf8')) as MessageContent;
  if (item.content) return item.content;
  throw new Error(`content item ${item.sk} holds no content`);
}
