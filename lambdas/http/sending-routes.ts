import type { Actor } from '../core/audit';
import type { CoreDeps } from '../core/deps';
import type { MessageSummary } from '../core/messages/messages';
import type { ReplyInput, SendInput } from '../core/sending';
import { inboxParams, messageParams, messageSummarySchema, replyBody, sendBody } from './schemas';
import { route, type Route } from './route';

/** The sending use cases, given to the route table by the functions that serve them (they carry MIME building and parsing). */
export interface SendingUseCases {
  sendMessage(deps: CoreDeps, actor: Actor, inboxId: string, input: SendInput): Promise<MessageSummary>;
  replyToMessage(deps: CoreDeps, actor: Actor, inboxId: string, messageId: string, input: ReplyInput): Promise<MessageSummary>;
}

/** API Gateway's own limit: a message with up to 7 MB of attachments, base64-encoded. */
const SEND_BODY_BYTES = 10 * 1024 * 1024;

export function sendingRoutes(sending: SendingUseCases): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/inboxes/{inboxId}/messages',
      summary: 'Send a message from the inbox (kept in it as outbound mail; announced as message.sent)',
      tag: 'sending',
      scope: 'messages:send',
      creates: true,
      params: inboxParams,
      body: sendBody,
      maxBodyBytes: SEND_BODY_BYTES,
      response: { status: 201, description: 'the sent message', schema: messageSummarySchema },
      alsoAnswers: [413, 422, 502],
      handle: async ({ deps, actor, params, body }) => ({ status: 201, json: await sending.sendMessage(deps, actor, params.inboxId, body) }),
    }),
    route({
      method: 'POST',
      path: '/v1/inboxes/{inboxId}/messages/{messageId}/reply',
      summary: 'Reply to a message in its thread (Re: subject, In-Reply-To, References, the original quoted)',
      tag: 'sending',
      scope: 'messages:send',
      creates: true,
      params: messageParams,
      body: replyBody,
      maxBodyBytes: SEND_BODY_BYTES,
      response: { status: 201, description: 'the reply as sent', schema: messageSummarySchema },
      alsoAnswers: [413, 422, 502],
      handle: async ({ deps, actor, params, body }) => ({ status: 201, json: await sending.replyToMessage(deps, actor, params.inboxId, params.messageId, body) }),
    }),
  ];
}
