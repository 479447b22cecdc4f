import { runtimeConfigFromEnv } from '../config';
import type { KeyRing } from '../ports';
import { createApi, type ApiHandler } from '../http/api';
import { MAILROOM_VERSION } from '../version';
import { coreDepsFor } from './runtime';

/** The route table over AWS, as both API functions (buffered, and streaming for exports) run it. */
export function apiFromEnv(functionName: string, keyRing?: KeyRing): ApiHandler {
  const config = runtimeConfigFromEnv();
  return createApi(coreDepsFor(config, {}, undefined, { functionName, keyRing }), {
    maxInlineDownloadBytes: config.maxInlineDownloadBytes,
    version: MAILROOM_VERSION,
  });
}
