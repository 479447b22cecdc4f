import * as z from 'zod';
import type { Principal } from '../core/auth';
import { MailroomError } from '../core/errors';
import { addRule, getRule, listRules, removeRule, updateRule, type RuleOwner } from '../core/rules/rules';
import { route, type Route } from './route';
import { createRuleBody, inboxParams, page, ruleListQuery, ruleParams, ruleSchema, updateRuleBody } from './schemas';

/** The same five routes for the org's list and for each inbox's. */
function ruleRoutesFor<P extends object>(
  base: string,
  whose: string,
  params: z.ZodType<P>,
  ownerOf: (principal: Principal, params: P, changing: boolean) => RuleOwner,
): Route[] {
  const withRule = (params as unknown as z.ZodObject).extend(ruleParams.shape) as unknown as z.ZodType<P & { ruleId: string }>;
  return [
    route({
      method: 'GET',
      path: base,
      readsOnly: true,
      summary: `List ${whose} allow and block rules, in the order they decide`,
      tag: 'rules',
      scope: 'inboxes:read',
      params,
      query: ruleListQuery,
      response: { status: 200, description: 'the rules (one page: a list holds at most 100)', schema: page(ruleSchema) },
      handle: async ({ deps, principal, params, query }) => ({
        status: 200,
        json: { data: await listRules(deps, principal.orgId, ownerOf(principal, params, false), query.direction), nextCursor: null },
      }),
    }),
    route({
      method: 'POST',
      path: base,
      summary: `Add a rule to ${whose} list`,
      tag: 'rules',
      scope: 'inboxes:write',
      creates: true,
      params,
      body: createRuleBody,
      response: { status: 201, description: 'the new rule', schema: ruleSchema },
      alsoAnswers: [409],
      handle: async ({ deps, principal, actor, params, body }) => ({ status: 201, json: await addRule(deps, actor, ownerOf(principal, params, true), body) }),
    }),
    route({
      method: 'GET',
      path: `${base}/{ruleId}`,
      readsOnly: true,
      summary: `Get one of ${whose} rules`,
      tag: 'rules',
      scope: 'inboxes:read',
      params: withRule,
      response: { status: 200, description: 'the rule', schema: ruleSchema },
      handle: async ({ deps, principal, params }) => ({ status: 200, json: await getRule(deps, principal.orgId, ownerOf(principal, params, false), params.ruleId) }),
    }),
    route({
      method: 'PATCH',
      path: `${base}/{ruleId}`,
      summary: `Change one of ${whose} rules, or move it`,
      tag: 'rules',
      scope: 'inboxes:write',
      params: withRule,
      body: updateRuleBody,
      response: { status: 200, description: 'the rule as changed', schema: ruleSchema },
      alsoAnswers: [409],
      handle: async ({ deps, principal, actor, params, body }) => ({
        status: 200,
        json: await updateRule(deps, actor, ownerOf(principal, params, true), params.ruleId, body),
      }),
    }),
    route({
      method: 'DELETE',
      path: `${base}/{ruleId}`,
      summary: `Remove one of ${whose} rules`,
      tag: 'rules',
      scope: 'inboxes:write',
      params: withRule,
      response: { status: 204, description: 'removed' },
      handle: async ({ deps, principal, actor, params }) => {
        await removeRule(deps, actor, ownerOf(principal, params, true), params.ruleId);
        return { status: 204 };
      },
    }),
  ];
}

export const ruleRoutes: Route[] = [
  ...ruleRoutesFor('/v1/rules', 'the org’s', z.object({}), (principal, _params, changing) => {
    // The org's rules hold for every inbox, so only a key that sees every inbox may change them.
    if (changing && principal.inboxIds) throw new MailroomError('forbidden', 'an inbox-restricted API key cannot change the org’s rules');
    return { level: 'org' };
  }),
  ...ruleRoutesFor('/v1/inboxes/{inboxId}/rules', 'an inbox’s', inboxParams, (_principal, params) => ({ level: 'inbox', inboxId: params.inboxId })),
];
