import * as z from 'zod';
import { releaseAddress } from '../core/address-claims';
import { listAuditEvents } from '../core/audit';
import { hasScope, requireScope, SCOPES, type Principal } from '../core/auth';
import { MailroomError } from '../core/errors';
import { deleteInboxAndReferences } from '../core/inbox-deletion';
import { exportInbox } from '../core/inbox-export';
import { createInbox, getInbox, listInboxes, toInbox, updateInbox } from '../core/inboxes';
import { createApiKey, keyOrg, listApiKeys, revokeApiKey, rotateApiKey } from '../core/key-management';
import { deleteMessage } from '../core/messages/message-deletion';
import { getMessage, listMessages, locateAttachment, locateRaw, updateMessage } from '../core/messages/messages';
import { deleteOrg } from '../core/org-deletion';
import { listSuppressions, removeSuppression } from '../core/delivery-feedback';
import { getThread, listThreads } from '../core/threads';
import { createOrg, listOrgs } from '../core/orgs';
import { listDeliveries, retryDelivery, sendTestEvent } from '../core/webhook-delivery';
import { waitForMessage } from '../core/messages/wait-for-message';
import { deleteCredential, getCredential, listCredentials, putCredential, revealCredential, totpCode } from '../core/vault';
import { createWebhook, deleteWebhook, getWebhookItem, listWebhooks, rotateWebhookSecret, toWebhook, updateWebhook } from '../core/webhooks';
import { route, type Route } from './route';
import { domainRoutes } from './domain-routes';
import { eventRoutes } from './event-routes';
import { ruleRoutes } from './rule-routes';
import {
  apiKeySchema,
  attachmentId,
  auditEventSchema,
  auditQuery,
  createApiKeyBody,
  createdApiKeySchema,
  createInboxBody,
  createOrgBody,
  createWebhookBody,
  credentialBody,
  credentialName,
  credentialSchema,
  deliveryQuery,
  deliverySchema,
  exportQuery,
  healthSchema,
  id,
  inboxParams,
  inboxSchema,
  keyOrgQuery,
  listQuery,
  messageListQuery,
  messageParams,
  messageSchema,
  messageSummarySchema,
  orgDeletionSchema,
  orgId,
  orgSchema,
  page,
  rotateApiKeyBody,
  revealedCredentialSchema,
  revealQuery,
  suppressionSchema,
  threadSchema,
  threadWithMessagesSchema,
  totpCodeSchema,
  updateInboxBody,
  updateMessageBody,
  updateWebhookBody,
  waitBody,
  waitResultSchema,
  webhookSchema,
  webhookWithSecretSchema,
  whoamiSchema,
} from './schemas';

const keyParams = z.object({ keyId: id('key') });
const webhookParams = z.object({ webhookId: id('webhook') });
const credentialParams = inboxParams.extend({ name: credentialName });
const ANY_VAULT_SCOPE = ['vault:write', 'vault:reveal', 'vault:totp'] as const;

/** Blocked mail is shown to the keys that manage what gets blocked. */
const seesBlocked = (principal: Principal) => hasScope(principal, 'inboxes:write');

/** Every route of the v1 API: the router and the OpenAPI document both read this table. */
/** Every route but sending's (see sending-routes): what every API function serves itself. */
export const coreRoutes: Route[] = [
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
    creates: true,
    body: createInboxBody,
    response: { status: 201, description: 'the new inbox', schema: inboxSchema },
    handle: async ({ deps, principal, actor, body }) => {
      if (principal.inboxIds) throw new MailroomError('forbidden', 'an inbox-restricted API key cannot create inboxes');
      return { status: 201, json: toInbox(await createInbox(deps, actor, body), deps.settings.defaultRetentionDays) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/whoami',
    readsOnly: true,
    summary: 'The calling API key: its org, scopes, inbox restriction and expiry (any key may ask)',
    tag: 'api-keys',
    scope: SCOPES,
    response: { status: 200, description: 'the key’s rights', schema: whoamiSchema },
    handle: async ({ principal }) => ({
      status: 200,
      json: { keyId: principal.keyId, orgId: principal.orgId, scopes: principal.scopes, inboxIds: principal.inboxIds, expiresAt: principal.validUntil },
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes',
    readsOnly: true,
    summary: 'List inboxes, newest first',
    tag: 'inboxes',
    scope: 'inboxes:read',
    query: listQuery,
    response: { status: 200, description: 'a page of inboxes', schema: page(inboxSchema) },
    handle: async ({ deps, principal, query }) => ({ status: 200, json: await listInboxes(deps, principal.orgId, query, principal.inboxIds) }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}',
    readsOnly: true,
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
    handle: async ({ deps, actor, params, body }) => ({
      status: 200,
      json: toInbox(await updateInbox(deps, actor, params.inboxId, body), deps.settings.defaultRetentionDays),
    }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/inboxes/{inboxId}',
    summary: 'Delete an inbox with its messages, stored bytes, credentials and webhook deliveries; filters and key restrictions naming it drop it',
    tag: 'inboxes',
    scope: 'inboxes:write',
    params: inboxParams,
    response: { status: 204, description: 'deleted' },
    handle: async ({ deps, actor, params }) => {
      await deleteInboxAndReferences(deps, actor, params.inboxId);
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/addresses/{address}/release',
    summary: 'Release the address of a deleted inbox, so a new inbox may take it',
    tag: 'inboxes',
    scope: 'inboxes:write',
    params: z.object({ address: z.email().max(320).describe('the address a deleted inbox of this org had') }),
    query: z.object({ orgId: orgId.optional().describe('the org that retired it, e.g. a deleted one (admin keys only; default: the caller’s)') }),
    response: { status: 204, description: 'released' },
    alsoAnswers: [404, 409],
    handle: async ({ deps, principal, actor, params, query }) => {
      if (principal.inboxIds) throw new MailroomError('forbidden', 'an inbox-restricted API key cannot release addresses');
      const owner = query.orgId ?? principal.orgId;
      if (owner !== principal.orgId && !principal.scopes.includes('admin')) throw new MailroomError('forbidden', 'only an admin key acts on another org');
      await releaseAddress(deps, actor, params.address, owner);
      return { status: 204 };
    },
  }),

  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/messages',
    readsOnly: true,
    summary: 'List messages, newest first',
    tag: 'messages',
    scope: 'messages:read',
    params: inboxParams,
    query: messageListQuery,
    response: { status: 200, description: 'a page of message summaries', schema: page(messageSummarySchema) },
    handle: async ({ deps, principal, params, query }) => {
      if (query.blocked && !seesBlocked(principal)) throw new MailroomError('forbidden', 'blocked mail is shown only to keys with the inboxes:write scope');
      return { status: 200, json: await listMessages(deps, principal.orgId, params.inboxId, { ...query, blockedOnly: query.blocked }) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/export',
    readsOnly: true,
    summary: 'Export every message, oldest first: an mbox (mboxrd) of the raw messages, or JSON with metadata, bodies and headers',
    tag: 'messages',
    scope: 'messages:read',
    params: inboxParams,
    query: exportQuery,
    response: { status: 200, description: 'the export, streamed as it is read', contentType: 'application/mbox' },
    handle: async ({ deps, principal, params, query }) => ({
      status: 200,
      stream: await exportInbox(deps, principal.orgId, params.inboxId, query.format, { includeQuarantined: query.includeQuarantined }),
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/threads',
    readsOnly: true,
    summary: 'List the inbox’s threads, newest activity first (a page may hold fewer than limit while nextCursor is set)',
    tag: 'messages',
    scope: 'messages:read',
    params: inboxParams,
    query: listQuery,
    response: { status: 200, description: 'a page of threads', schema: page(threadSchema) },
    handle: async ({ deps, principal, params, query }) => ({ status: 200, json: await listThreads(deps, principal.orgId, params.inboxId, query) }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/threads/{threadId}',
    readsOnly: true,
    summary: 'A thread with its messages, oldest first',
    tag: 'messages',
    scope: 'messages:read',
    params: inboxParams.extend({ threadId: z.string().regex(/^thr_[0-9A-HJKMNP-TV-Z]{26}$/).describe('thread id') }),
    response: { status: 200, description: 'the thread', schema: threadWithMessagesSchema },
    handle: async ({ deps, principal, params }) => ({ status: 200, json: await getThread(deps, principal.orgId, params.inboxId, params.threadId) }),
  }),
  route({
    method: 'GET',
    path: '/v1/suppressions',
    summary: 'The org’s suppression list: addresses that hard-bounced or complained, which sends refuse',
    tag: 'sending',
    scope: 'messages:send',
    query: listQuery,
    response: { status: 200, description: 'a page of suppressed addresses', schema: page(suppressionSchema) },
    handle: async ({ deps, principal, query }) => ({ status: 200, json: await listSuppressions(deps, principal.orgId, query) }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/suppressions/{address}',
    summary: 'Send to an address again (e.g. its mailbox was fixed)',
    tag: 'sending',
    scope: 'messages:send',
    params: z.object({ address: z.email().max(320) }),
    response: { status: 204, description: 'removed' },
    handle: async ({ deps, actor, params }) => {
      await removeSuppression(deps, actor, params.address);
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/inboxes/{inboxId}/wait',
    summary: 'Wait (up to 25 s) for the newest message that matches; answers at once when one is already there',
    tag: 'messages',
    scope: 'messages:read',
    params: inboxParams,
    body: waitBody,
    response: { status: 200, description: 'the message, or timedOut: true', schema: waitResultSchema },
    handle: async ({ deps, principal, params, body }) => ({
      status: 200,
      json: await waitForMessage(deps, principal.orgId, params.inboxId, body),
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/messages/{messageId}',
    readsOnly: true,
    summary: 'Get a message with its bodies, headers and attachment list',
    tag: 'messages',
    scope: 'messages:read',
    params: messageParams,
    response: { status: 200, description: 'the message', schema: messageSchema },
    handle: async ({ deps, principal, params }) => ({
      status: 200,
      json: await getMessage(deps, principal.orgId, params.inboxId, params.messageId, seesBlocked(principal)),
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/messages/{messageId}/raw',
    readsOnly: true,
    summary: 'Download the message exactly as received (message/rfc822)',
    tag: 'messages',
    scope: 'messages:read',
    params: messageParams,
    response: { status: 200, description: 'the raw bytes, or a 302 to a short-lived URL when large', contentType: 'message/rfc822' },
    handle: async ({ deps, principal, params }) => ({
      status: 200,
      stored: await locateRaw(deps, principal.orgId, params.inboxId, params.messageId, seesBlocked(principal)),
      disposition: 'inline',
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/messages/{messageId}/attachments/{attachmentId}',
    readsOnly: true,
    summary: 'Download an attachment',
    tag: 'messages',
    scope: 'messages:read',
    params: messageParams.extend({ attachmentId }),
    response: { status: 200, description: 'the attachment bytes, or a 302 to a short-lived URL when large', contentType: 'application/octet-stream' },
    handle: async ({ deps, principal, params }) => ({
      status: 200,
      stored: await locateAttachment(deps, principal.orgId, params.inboxId, params.messageId, params.attachmentId, seesBlocked(principal)),
      disposition: 'attachment',
    }),
  }),
  route({
    method: 'PATCH',
    path: '/v1/inboxes/{inboxId}/messages/{messageId}',
    summary: 'Mark a message read or unread, or set its labels',
    tag: 'messages',
    scope: 'inboxes:write',
    params: messageParams,
    body: updateMessageBody,
    response: { status: 200, description: 'the message summary as changed', schema: messageSummarySchema },
    handle: async ({ deps, principal, params, body }) => ({
      status: 200,
      json: await updateMessage(deps, principal.orgId, params.inboxId, params.messageId, body),
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
    handle: async ({ deps, actor, params }) => {
      await deleteMessage(deps, actor, params.inboxId, params.messageId);
      return { status: 204 };
    },
  }),

  route({
    method: 'POST',
    path: '/v1/orgs',
    summary: 'Create an org (admin keys only)',
    tag: 'orgs',
    scope: 'admin',
    creates: true,
    body: createOrgBody,
    response: { status: 201, description: 'the new org', schema: orgSchema },
    handle: async ({ deps, actor, body }) => ({ status: 201, json: await createOrg(deps, actor, body) }),
  }),
  route({
    method: 'GET',
    path: '/v1/orgs',
    summary: 'List orgs, newest first (admin keys only)',
    tag: 'orgs',
    scope: 'admin',
    query: listQuery,
    response: { status: 200, description: 'a page of orgs', schema: page(orgSchema) },
    handle: async ({ deps, query }) => ({ status: 200, json: await listOrgs(deps, query) }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/orgs/{orgId}',
    summary: 'Delete an org and everything it owns (admin keys only; not the default org, not the caller’s own)',
    tag: 'orgs',
    scope: 'admin',
    params: z.object({ orgId }),
    response: { status: 200, description: 'deleted, or (status deleting) more to do: repeat the request', schema: orgDeletionSchema },
    alsoAnswers: [409],
    handle: async ({ deps, actor, params, forgetKey }) => {
      const outcome = await deleteOrg(deps, actor, params.orgId, { onKeyRevoked: forgetKey });
      return { status: 200, json: { id: params.orgId, status: outcome === 'deleted' ? 'deleted' : 'deleting' } };
    },
  }),

  route({
    method: 'POST',
    path: '/v1/api-keys',
    summary: 'Create an API key (shown once) with at most the caller’s rights',
    tag: 'api-keys',
    scope: 'keys:manage',
    creates: true,
    body: createApiKeyBody,
    response: { status: 201, description: 'the new key, including the key itself (never shown again)', schema: createdApiKeySchema },
    alsoAnswers: [404],
    handle: async ({ deps, principal, actor, body }) => {
      const { view, key } = await createApiKey(deps, principal, actor, body);
      return { status: 201, json: { ...view, key } };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/api-keys',
    summary: 'List the org’s API keys, newest first',
    tag: 'api-keys',
    scope: 'keys:manage',
    query: listQuery.extend(keyOrgQuery.shape),
    response: { status: 200, description: 'a page of keys (never the keys themselves)', schema: page(apiKeySchema) },
    handle: async ({ deps, principal, query }) => ({ status: 200, json: await listApiKeys(deps, await keyOrg(deps, principal, query.orgId), query) }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/api-keys/{keyId}',
    summary: 'Revoke an API key',
    tag: 'api-keys',
    scope: 'keys:manage',
    params: keyParams,
    query: keyOrgQuery,
    response: { status: 204, description: 'revoked (also when it already was)' },
    handle: async ({ deps, principal, actor, params, query, forgetKey }) => {
      forgetKey(await revokeApiKey(deps, principal, actor, params.keyId, await keyOrg(deps, principal, query.orgId)));
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/api-keys/{keyId}/rotate',
    summary: 'Replace an API key with a new one; the old one keeps working for a grace period',
    tag: 'api-keys',
    scope: 'keys:manage',
    creates: true,
    params: keyParams,
    query: keyOrgQuery,
    body: rotateApiKeyBody,
    response: { status: 201, description: 'the new key, including the key itself (never shown again)', schema: createdApiKeySchema },
    handle: async ({ deps, principal, actor, params, query, body, forgetKey }) => {
      const orgId = await keyOrg(deps, principal, query.orgId);
      const { view, key, oldKeyHash } = await rotateApiKey(deps, principal, actor, params.keyId, body.gracePeriodSeconds, orgId);
      forgetKey(oldKeyHash);
      return { status: 201, json: { ...view, key } };
    },
  }),

  route({
    method: 'GET',
    path: '/v1/audit-events',
    summary: 'List the org’s audit events, newest first',
    tag: 'audit',
    scope: 'audit:read',
    query: auditQuery,
    response: { status: 200, description: 'a page of audit events', schema: page(auditEventSchema) },
    handle: async ({ deps, principal, query }) => ({ status: 200, json: await listAuditEvents(deps, principal.orgId, query) }),
  }),

  route({
    method: 'POST',
    path: '/v1/webhooks',
    summary: 'Create a webhook endpoint; its signing secret is shown once',
    tag: 'webhooks',
    scope: 'webhooks:manage',
    creates: true,
    body: createWebhookBody,
    response: { status: 201, description: 'the endpoint, with its secret', schema: webhookWithSecretSchema },
    handle: async ({ deps, actor, body }) => {
      const { webhook, secret } = await createWebhook(deps, actor, body);
      return { status: 201, json: { ...webhook, secret } };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/webhooks',
    summary: 'List webhook endpoints, newest first',
    tag: 'webhooks',
    scope: 'webhooks:manage',
    query: listQuery,
    response: { status: 200, description: 'a page of endpoints (never their secrets)', schema: page(webhookSchema) },
    handle: async ({ deps, principal, query }) => ({ status: 200, json: await listWebhooks(deps, principal.orgId, query) }),
  }),
  route({
    method: 'GET',
    path: '/v1/webhooks/{webhookId}',
    summary: 'Get a webhook endpoint',
    tag: 'webhooks',
    scope: 'webhooks:manage',
    params: webhookParams,
    response: { status: 200, description: 'the endpoint', schema: webhookSchema },
    handle: async ({ deps, principal, params }) => ({ status: 200, json: toWebhook(await getWebhookItem(deps, principal.orgId, params.webhookId)) }),
  }),
  route({
    method: 'PATCH',
    path: '/v1/webhooks/{webhookId}',
    summary: 'Change a webhook endpoint (url, events, inboxes, description, enabled)',
    tag: 'webhooks',
    scope: 'webhooks:manage',
    params: webhookParams,
    body: updateWebhookBody,
    response: { status: 200, description: 'the updated endpoint', schema: webhookSchema },
    handle: async ({ deps, actor, params, body }) => ({ status: 200, json: await updateWebhook(deps, actor, params.webhookId, body) }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/webhooks/{webhookId}',
    summary: 'Delete a webhook endpoint and its delivery history',
    tag: 'webhooks',
    scope: 'webhooks:manage',
    params: webhookParams,
    response: { status: 204, description: 'deleted' },
    handle: async ({ deps, actor, params }) => {
      await deleteWebhook(deps, actor, params.webhookId);
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/webhooks/{webhookId}/rotate-secret',
    summary: 'Replace the signing secret; the old one keeps signing alongside it for 24 hours',
    tag: 'webhooks',
    scope: 'webhooks:manage',
    creates: true,
    params: webhookParams,
    response: { status: 201, description: 'the endpoint, with its new secret', schema: webhookWithSecretSchema },
    handle: async ({ deps, actor, params }) => {
      const { webhook, secret } = await rotateWebhookSecret(deps, actor, params.webhookId);
      return { status: 201, json: { ...webhook, secret } };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/webhooks/{webhookId}/test',
    summary: 'Send a webhook.test event to this endpoint now (one attempt)',
    tag: 'webhooks',
    scope: 'webhooks:manage',
    creates: true,
    params: webhookParams,
    response: { status: 201, description: 'the delivery with its attempt', schema: deliverySchema },
    handle: async ({ deps, principal, params }) => ({ status: 201, json: await sendTestEvent(deps, principal.orgId, params.webhookId) }),
  }),
  route({
    method: 'GET',
    path: '/v1/webhooks/{webhookId}/deliveries',
    summary: 'List deliveries with every attempt, newest first',
    tag: 'webhooks',
    scope: 'webhooks:manage',
    params: webhookParams,
    query: deliveryQuery,
    response: { status: 200, description: 'a page of deliveries', schema: page(deliverySchema) },
    handle: async ({ deps, principal, params, query }) => ({ status: 200, json: await listDeliveries(deps, principal.orgId, params.webhookId, query) }),
  }),
  route({
    method: 'POST',
    path: '/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry',
    summary: 'Send a delivery again now, with the same webhook-id (also after it failed for good)',
    tag: 'webhooks',
    scope: 'webhooks:manage',
    creates: true,
    params: webhookParams.extend({ deliveryId: id('delivery') }),
    response: { status: 201, description: 'the delivery with the new attempt', schema: deliverySchema },
    handle: async ({ deps, principal, params }) => ({
      status: 201,
      json: await retryDelivery(deps, principal.orgId, params.webhookId, params.deliveryId),
    }),
  }),

  route({
    method: 'PUT',
    path: '/v1/inboxes/{inboxId}/vault/{name}',
    summary: 'Store a credential (login, totp, api_key, secret_note) as a new version, sealed with its own data key',
    tag: 'vault',
    scope: 'vault:write',
    params: credentialParams,
    body: credentialBody,
    response: { status: 200, description: 'the credential’s metadata (never its secrets)', schema: credentialSchema },
    handle: async ({ deps, actor, params, body }) => ({
      status: 200,
      json: (await putCredential(deps, actor, params.inboxId, params.name, body)).credential,
    }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/vault',
    summary: 'List an inbox’s credentials: names, types and metadata only',
    tag: 'vault',
    scope: ANY_VAULT_SCOPE,
    params: inboxParams,
    query: listQuery,
    response: { status: 200, description: 'a page of credentials', schema: page(credentialSchema) },
    handle: async ({ deps, principal, params, query }) => ({ status: 200, json: await listCredentials(deps, principal.orgId, params.inboxId, query) }),
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/vault/{name}',
    summary: 'Get a credential’s metadata; with ?reveal=true also its secret fields (never a TOTP seed)',
    tag: 'vault',
    scope: ANY_VAULT_SCOPE,
    params: credentialParams,
    query: revealQuery,
    response: { status: 200, description: 'the credential', schema: revealedCredentialSchema },
    handle: async ({ deps, principal, actor, params, query }) => {
      if (!query.reveal) return { status: 200, json: await getCredential(deps, principal.orgId, params.inboxId, params.name) };
      requireScope(principal, 'vault:reveal');
      return { status: 200, json: await revealCredential(deps, actor, params.inboxId, params.name) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/inboxes/{inboxId}/vault/{name}/totp',
    summary: 'The current TOTP code (RFC 6238) of a credential that has a seed',
    tag: 'vault',
    scope: 'vault:totp',
    params: credentialParams,
    response: { status: 200, description: 'the code, valid for expiresIn more seconds', schema: totpCodeSchema },
    alsoAnswers: [409],
    handle: async ({ deps, actor, params }) => ({ status: 200, json: await totpCode(deps, actor, params.inboxId, params.name) }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/inboxes/{inboxId}/vault/{name}',
    summary: 'Delete a credential with its ciphertext and wrapped key',
    tag: 'vault',
    scope: 'vault:write',
    params: credentialParams,
    response: { status: 204, description: 'deleted' },
    handle: async ({ deps, actor, params }) => {
      await deleteCredential(deps, actor, params.inboxId, params.name);
      return { status: 204 };
    },
  }),
  ...ruleRoutes,
  ...eventRoutes,
  ...domainRoutes,
];
