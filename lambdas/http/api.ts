import type { CoreDeps } from '../core/deps';
import { createApiWith, type ApiHandler } from './api-core';
import type { HttpSettings } from './route';
import { routes } from './routes';

export type { ApiHandler, ApiResult } from './api-core';

/** The whole REST API, sending included: what the local stack serves. */
export function createApi(deps: CoreDeps, http: HttpSettings): ApiHandler {
  return createApiWith(deps, http, routes);
}
