import { generateApiKey } from '../../lambdas/core/api-keys';
import type { Scope } from '../../lambdas/core/auth';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import { createApi } from '../../lambdas/http/api';
import { apiCaller } from './api-client';
import type { Backends } from './backends';

/** The API handler over the test backends, and a key of the default org with the given scopes. */
export async function apiWithKey(backends: Backends, scopes: Scope[]) {
  const call = apiCaller(createApi(backends.deps, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' }));
  const key = generateApiKey();
  await registerApiKey(backends.deps, { key, orgId: DEFAULT_ORG_ID, name: scopes.join(' '), scopes });
  return { call, key };
}
