import { runtimeConfigFromEnv } from '../config';
import type { EventBus, KeyRing, MailDomains, MailSender } from '../ports';
import { createApiWith, type ApiHandler } from '../http/api-core';
import type { Route } from '../http/route';
import { MAILROOM_VERSION } from '../version';
import { lambdaTelemetry } from '../adapters/aws/lambda-telemetry';
import { coreDepsFor } from './runtime';

/** The route table over AWS, as each API function (buffered, streaming for exports, sending) runs it with what it is wired to. */
export function apiFromEnv(routes: readonly Route[], wiring: { functionName: string; keyRing?: KeyRing; mailSender?: MailSender; events?: EventBus; mailDomains?: MailDomains }): ApiHandler {
  const config = runtimeConfigFromEnv();
  return createApiWith(coreDepsFor(config, {}, lambdaTelemetry, wiring), {
    maxInlineDownloadBytes: config.maxInlineDownloadBytes,
    version: MAILROOM_VERSION,
  }, routes);
}
