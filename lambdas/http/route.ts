import type * as z from 'zod';
import type { Actor } from '../core/audit';
import type { Principal, Scope } from '../core/auth';
import type { CoreDeps } from '../core/deps';
import type { StoredBytes } from '../core/messages/messages';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type Reply =
  | { status: number; json: unknown }
  | { status: 204 }
  /** Bytes kept in the bucket: served inline when small, by a short-lived redirect when large. */
  | { status: 200; stored: StoredBytes; disposition: 'inline' | 'attachment' }
  /** A body produced as it is sent, never held whole: a download (an export, with its filename) or a live stream. */
  | { status: 200; stream: { contentType: string; filename?: string; chunks: AsyncIterable<Buffer> } };

export interface HttpSettings {
  /** Above this many bytes, downloads redirect to a short-lived URL instead of passing through the API. */
  maxInlineDownloadBytes: number;
  version: string;
}

export interface RouteContext<P, Q, B> {
  deps: CoreDeps;
  http: HttpSettings;
  principal: Principal;
  /** The principal as the audit log records it, with this request's id and source address. */
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  /** The request's headers, names in lower case. */
  headers: Record<string, string>;
  requestId: string;
  openapi: () => unknown;
  /** Drops a key this request changed from the process's key cache, so the change applies here at once. */
  forgetKey: (keyHash: string) => void;
}

export interface Route<P = any, Q = any, B = any> {
  method: Method;
  /** OpenAPI-style template, e.g. `/v1/inboxes/{inboxId}`. */
  path: string;
  summary: string;
  tag: string;
  /** Omitted for public routes (health, openapi); a list means any one of them. */
  scope?: Scope | readonly Scope[];
  /** Creates something: honours `Idempotency-Key`. */
  creates?: boolean;
  /**
   * Only reads, and leaves no trace (no write, no audit event): it runs while its request is counted against the
   * key's rate limit instead of after, and its answer is dropped if the request is over the limit.
   */
  readsOnly?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** JSON bodies above this are refused before parsing (default 1 MiB). */
  maxBodyBytes?: number;
  response: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  /** Error statuses beyond those its params, body, scope and idempotency imply (for the OpenAPI document). */
  alsoAnswers?: number[];
  handle(ctx: RouteContext<P, Q, B>): Promise<Reply>;
}

/** Keeps each route's handler typed by its own schemas while the table holds them all. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(r: Route<P, Q, B>): Route<P, Q, B> {
  return r;
}
