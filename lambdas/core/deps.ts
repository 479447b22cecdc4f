import type { Blobs, Clock, Logger, Table } from '../ports';

export interface CoreSettings {
  domains: string[];
  autoCreateDomains: string[];
  defaultRetentionDays: number;
  inboundPrefix: string;
  /** How long audit events are kept. */
  auditRetentionDays: number;
  /** Requests each API key may make per minute, across all API processes. */
  rateLimitPerMinute: number;
}

/** Everything a use case may touch; handlers build one per process. */
export interface CoreDeps {
  table: Table;
  blobs: Blobs;
  clock: Clock;
  log: Logger;
  settings: CoreSettings;
}
