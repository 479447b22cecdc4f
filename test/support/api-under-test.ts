import { generateApiKey } from '../../lambdas/core/api-keys';
import type { Scope } from '../../lambdas/core/auth';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import { createApi } from '../../lambdas/http/api';
import { apiCaller } from './api-client';
import { startBackends, type Backends } from './backends';

/** The API handler over the test backends, and a key of the default org with the given scopes. */
export async function apiWithKey(backends: Backends, scopes: Scope[]) {
  const call = apiCaller(createApi(backends.deps, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' }));
  const key = generateApiKey();
  await registerApiKey(backends.deps, { key, orgId: DEFAULT_ORG_ID, name: scopes.join(' '), scopes });
  return { call, key };
}

/** For a whole test file: starts the backends and an API with a key before its tests, and hands them to `use`; stops them after. */
export function withApi(scopes: Scope[], use: (api: { backends: Backends; call: ReturnType<typeof apiCaller>; key: string }) => void): void {
  let backends: Backends | undefined;
  beforeAll(async () => {
    backends = await startBackends();
    use({ backends, ...(await apiWithKey(backends, scopes)) });
  });
  afterAll(() => backends?.stop());
}
