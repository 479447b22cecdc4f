import { z } from 'zod';
import { createInbox, deleteInbox, getInbox, listInboxes, toInbox, updateInbox } from '../core/inboxes';
import { deleteMessage, getMessage, listMessages, locateAttachment, locateRaw } from '../core/messages';
import { route, type Route } from './route';
import {
  attachmentId,
  createInboxBody,
  healthSchema,
  id,
  inboxSchema,
  listQuery,
  messageListQuery,
  messageSchema,
  messageSummarySchema,
  page,
  updateInboxBody,
} from './schemas';

const inboxParams = z.object({ inboxId: id('inbox') });
const messageParams = inboxParams.extend({ messageId: id('message') });

/** Every route of the v1 API: the router and the OpenAPI document both read this table. */
export const routes: Route[] = [
  route({
    method: 'GET',
    path: '/v1/health',
    summary: 'Liveness check',
    tag: 'meta',
    response: { status: 200, description: 'the API is up', schema: healthSchema },
    handle: async ({ http }) => ({ status: 200, json: { status: 'ok', version: http.version } }),
  }),
  route({
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This API described as OpenAPI 3.1',
    tag: 'meta',
    response: { status: 200, description: 'the OpenAPI document' },
    handle: async ({ openapi }) => ({ status: 200, json: openapi() }),
  }),

  route({
    method: 'POST',
    path: '/v1/inboxes',
    summary: 'Create an inbox',
    tag: 'inboxes',
    scope: 'inboxes:write',
    body: createInboxBody,
    response: { status: 201, description: 'the new inbox', schema: inboxSchema },
    handle: async ({ deps, principal, body }) => ({
      status: 201,
      json: toInbox(await createInbox(deps, principal.orgId, body), deps.settings.defaultRetentionDays),
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes',
    summary: 'List inboxes, newest first',
    tag: 'inboxes',
    scope: 'inboxes:read',
    query: listQuery,
    response: { status: 200, description: 'a page of inboxes', schema: page(inboxSchema) },
    handle: async ({ deps, principal, query }) => ({ status: 200, json: await listInboxes(deps, principal.orgId, query) }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}',
    summary: 'Get an inbox',
    tag: 'inboxes',
    scope: 'inboxes:read',
    params: inboxParams,
    response: { status: 200, description: 'the inbox', schema: inboxSchema },
    handle: async ({ deps, principal, params }) => ({
      status: 200,
      json: toInbox(await getInbox(deps, principal.orgId, params.inboxId), deps.settings.defaultRetentionDays),
    }),
  }),
  route({
    method: 'PATCH',
    path: '/v1/inboxes/{inboxId}',
    summary: 'Change an inbox’s label, metadata or retention',
    tag: 'inboxes',
    scope: 'inboxes:write',
    params: inboxParams,
    body: updateInboxBody,
    response: { status: 200, description: 'the updated inbox', schema: inboxSchema },
    handle: async ({ deps, principal, params, body }) => ({
      status: 200,
      json: toInbox(await updateInbox(deps, principal.orgId, params.inboxId, body), deps.settings.defaultRetentionDays),
    }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/inboxes/{inboxId}',
    summary: 'Delete an inbox with all its messages and stored bytes',
    tag: 'inboxes',
    scope: 'inboxes:write',
    params: inboxParams,
    response: { status: 204, description: 'deleted' },
    handle: async ({ deps, principal, params }) => {
      await deleteInbox(deps, principal.orgId, params.inboxId);
      return { status: 204 };
    },
  }),

  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/messages',
    summary: 'List messages, newest first',
    tag: 'messages',
    scope: 'messages:read',
    params: inboxParams,
    query: messageListQuery,
    response: { status: 200, description: 'a page of message summaries', schema: page(messageSummarySchema) },
    handle: async ({ deps, principal, params, query }) => ({
      status: 200,
      json: await listMessages(deps, principal.orgId, params.inboxId, query),
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/messages/{messageId}',
    summary: 'Get a message with its bodies, headers and attachment list',
    tag: 'messages',
    scope: 'messages:read',
    params: messageParams,
    response: { status: 200, description: 'the message', schema: messageSchema },
    handle: async ({ deps, principal, params }) => ({
      status: 200,
      json: await getMessage(deps, principal.orgId, params.inboxId, params.messageId),
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/messages/{messageId}/raw',
    summary: 'Download the message exactly as received (message/rfc822)',
    tag: 'messages',
    scope: 'messages:read',
    params: messageParams,
    response: { status: 200, description: 'the raw bytes, or a 302 to a short-lived URL when large', contentType: 'message/rfc822' },
    handle: async ({ deps, principal, params }) => ({
      status: 200,
      stored: await locateRaw(deps, principal.orgId, params.inboxId, params.messageId),
      disposition: 'inline',
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/messages/{messageId}/attachments/{attachmentId}',
    summary: 'Download an attachment',
    tag: 'messages',
    scope: 'messages:read',
    params: messageParams.extend({ attachmentId }),
    response: { status: 200, description: 'the attachment bytes, or a 302 to a short-lived URL when large', contentType: 'application/octet-stream' },
    handle: async ({ deps, principal, params }) => ({
      status: 200,
      stored: await locateAttachment(deps, principal.orgId, params.inboxId, params.messageId, params.attachmentId),
      disposition: 'attachment',
    }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/inboxes/{inboxId}/messages/{messageId}',
    summary: 'Delete a message and its stored bytes',
    tag: 'messages',
    scope: 'inboxes:write',
    params: messageParams,
    response: { status: 204, description: 'deleted' },
    handle: async ({ deps, principal, params }) => {
      await deleteMessage(deps, principal.orgId, params.inboxId, params.messageId);
      return { status: 204 };
    },
  }),
];
