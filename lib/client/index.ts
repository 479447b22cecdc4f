import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };
export { liveEvents, type LiveEventOptions, type StreamedEvent } from './live-events';

export interface MailroomClientOptions {
  /** The API's base URL: the stack's `ApiUrl` output, or `http://127.0.0.1:3000` for `npm start`. */
  baseUrl: string;
  apiKey: string;
  /** A custom fetch (tests, proxies); the global one by default. */
  fetch?: typeof globalThis.fetch;
}

/**
 * A typed client for the Mailroom REST API: every path, parameter, body and response is checked by the
 * compiler against the OpenAPI document. Calls return `{ data, error, response }`.
 */
export function createMailroomClient(options: MailroomClientOptions) {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${options.apiKey}` },
    fetch: options.fetch,
  });
}

export type MailroomClient = ReturnType<typeof createMailroomClient>;
export type Inbox = components['schemas']['Inbox'];
export type Message = components['schemas']['Message'];
export type MessageSummary = components['schemas']['MessageSummary'];
export type ApiKey = components['schemas']['ApiKey'];
export type CreatedApiKey = components['schemas']['CreatedApiKey'];
export type Org = components['schemas']['Org'];
export type AuditEvent = components['schemas']['AuditEvent'];
export type Scope = components['schemas']['Scope'];
export type Rule = components['schemas']['Rule'];
export type Domain = components['schemas']['Domain'];

/** The data of a successful call; otherwise an Error reading `code: message` from the API's error envelope. */
export async function dataOf<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const detail = (error as { error?: { code?: string; message?: string } } | undefined)?.error;
  throw new Error(`${detail?.code ?? response.status}: ${detail?.message ?? response.statusText}`);
}
