import type { Principal } from '../core/auth';
import { getDomain, listDomains, registerDomain, removeDomain } from '../core/domains/domains';
import { MailroomError } from '../core/errors';
import { route, type Route } from './route';
import { createDomainBody, domainParams, domainSchema, page } from './schemas';

/** A domain serves every inbox of the org, so only a key that sees every inbox may add or remove one. */
function requireUnrestricted(principal: Principal): void {
  if (principal.inboxIds) throw new MailroomError('forbidden', 'an inbox-restricted API key cannot change the org’s domains');
}

export const domainRoutes: Route[] = [
  route({
    method: 'POST',
    path: '/v1/domains',
    summary: 'Register a domain of your own for this org: answers the DNS records to add; its mail reaches the org’s inboxes once it is verified',
    tag: 'domains',
    scope: 'inboxes:write',
    creates: true,
    body: createDomainBody,
    response: { status: 201, description: 'the domain, with the records to add', schema: domainSchema },
    alsoAnswers: [409, 502],
    handle: async ({ deps, principal, actor, body }) => {
      requireUnrestricted(principal);
      return { status: 201, json: await registerDomain(deps, actor, body.domain) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/domains',
    summary: 'The org’s own domains with their verification state and DNS records',
    tag: 'domains',
    scope: 'inboxes:read',
    response: { status: 200, description: 'the domains', schema: page(domainSchema) },
    handle: async ({ deps, actor }) => ({ status: 200, json: { data: await listDomains(deps, actor), nextCursor: null } }),
  }),
  route({
    method: 'GET',
    path: '/v1/domains/{domain}',
    summary: 'One of the org’s domains: asks the mail service whether it is verified yet',
    tag: 'domains',
    scope: 'inboxes:read',
    params: domainParams,
    response: { status: 200, description: 'the domain', schema: domainSchema },
    handle: async ({ deps, actor, params }) => ({ status: 200, json: await getDomain(deps, actor, params.domain) }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/domains/{domain}',
    summary: 'Remove a domain (refused while inboxes have addresses there)',
    tag: 'domains',
    scope: 'inboxes:write',
    params: domainParams,
    response: { status: 204, description: 'removed' },
    alsoAnswers: [409],
    handle: async ({ deps, principal, actor, params }) => {
      requireUnrestricted(principal);
      await removeDomain(deps, actor, params.domain);
      return { status: 204 };
    },
  }),
];
