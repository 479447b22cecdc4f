import type { Blobs, Clock, Logger, Table } from '../ports';

export interface CoreSettings {
  domains: string[];
  autoCreateDomains: string[];
  defaultRetentionDays: number;
  inboundPrefix: string;
}

/** Everything a use case may touch; handlers build one per process. */
export interface CoreDeps {
  table: Table;
  blobs: Blobs;
  clock: Clock;
  log: Logger;
  settings: CoreSettings;
}
