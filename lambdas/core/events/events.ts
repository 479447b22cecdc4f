import type { MailroomEvent } from '../../ports';
import { hashId } from '../ids';
import { toSummary, type MessageItem } from '../messages/messages';

/** Every event a webhook can subscribe to (CONTRACT §4); `webhook.test` is sent only on request. */
export const EVENT_TYPES = ['message.received', 'message.sent', 'message.delivered', 'message.bounced', 'message.complained'] as const;
export type EventType = (typeof EVENT_TYPES)[number] | 'webhook.test';

/** The id depends only on the message, so storing the same message twice announces it once. */
export function messageReceivedEvent(message: MessageItem): MailroomEvent {
  return {
    id: hashId('evt', 'message.received', message.orgId, message.id),
    type: 'message.received',
    timestamp: message.receivedAt,
    orgId: message.orgId,
    inboxId: message.inboxId,
    data: toSummary(message),
  };
}

/** Announced once per sent message, when it has been handed over for delivery. */
export function messageSentEvent(message: MessageItem): MailroomEvent {
  return {
    id: hashId('evt', 'message.sent', message.orgId, message.id),
    type: 'message.sent',
    timestamp: message.receivedAt,
    orgId: message.orgId,
    inboxId: message.inboxId,
    data: toSummary(message),
  };
}
