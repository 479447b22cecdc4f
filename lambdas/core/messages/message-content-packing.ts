import { unpackJson } from '../packed-json';
import type { MessageContent, MessageContentItem } from './messages';

/** The content of an item written packed, or of one written before packing (a plain map). */
export function unpackContent(item: MessageContentItem): MessageContent {
  if (item.packed) return unpackJson<MessageContent>(item.packed);
  if (item.content) return item.content;
  throw new Error(`content item ${item.sk} holds no content`);
}
