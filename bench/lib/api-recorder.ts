import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CoreDeps } from '../../lambdas/core/deps';
import type { ItemKey } from '../../lambdas/core/table-keys';
import type { Item, QueryInput, Table, WriteOp } from '../../lambdas/ports';

/**
 * Records every call the API makes to its stores, by phase, so a benchmark can show which calls each route
 * issues and replay exactly those calls without the API in between.
 */

/** `sdk`: a command seen by an AWS SDK client's middleware; `table`: a call on the Table port. */
export type CallSource = 'sdk' | 'table';

export interface RecordedCall {
  service: 'DynamoDB' | 'S3';
  /** SDK operation (GetItem, Query, GetObject, ...) or Table port method (get, query, ...). */
  operation: string;
  source: CallSource;
  /** Copy of the input as the caller built it (attribute form for DynamoDB commands); kept only while tracing. */
  input?: unknown;
  /**
   * While tracing: which round of the request the call went out in. A call issued while none of the request's
   * calls is in flight starts a round; calls issued while one is go out with it.
   */
  round?: number;
}

export class CallRecorder {
  phase = 'setup';
  private readonly counts = new Map<string, Map<string, number>>();
  private tracing: RecordedCall[] | undefined;
  private inFlight = 0;
  private round = -1;
  private ignoring: ((call: RecordedCall) => boolean) | undefined;

  /** Counts a call as it is issued; the returned function is called when it has finished. */
  record(call: RecordedCall): () => void {
    const key = `${call.service} ${call.operation}`;
    let byOp = this.counts.get(this.phase);
    if (!byOp) this.counts.set(this.phase, (byOp = new Map()));
    byOp.set(key, (byOp.get(key) ?? 0) + 1);
    if (!this.tracing || this.ignoring?.(call)) return () => undefined;
    if (this.inFlight++ === 0) this.round++;
    this.tracing.push({ ...call, input: call.input === undefined ? undefined : structuredClone(call.input), round: this.round });
    return () => void this.inFlight--;
  }

  get isTracing(): boolean {
    return this.tracing !== undefined;
  }

  /**
   * Runs `fn` and returns the calls it made, with their inputs, leaving out those `ignore` picks (calls of
   * something else running meanwhile).
   */
  async trace(fn: () => Promise<void>, ignore?: (call: RecordedCall) => boolean): Promise<RecordedCall[]> {
    this.tracing = [];
    this.inFlight = 0;
    this.round = -1;
    this.ignoring = ignore;
    try {
      await fn();
      return this.tracing;
    } finally {
      this.tracing = undefined;
      this.ignoring = undefined;
    }
  }

  /** `{ "DynamoDB GetItem": n, ... }` for one phase. */
  countsIn(phase: string): Record<string, number> {
    return Object.fromEntries(this.counts.get(phase) ?? []);
  }

  phases(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.counts.keys()].map((p) => [p, this.countsIn(p)]));
  }

  /** Total count of one `"<service> <operation>"` over every phase. */
  total(key: string): number {
    let n = 0;
    for (const byOp of this.counts.values()) n += byOp.get(key) ?? 0;
    return n;
  }

  totalFor(service: RecordedCall['service']): number {
    let n = 0;
    for (const byOp of this.counts.values()) for (const [k, v] of byOp) if (k.startsWith(`${service} `)) n += v;
    return n;
  }
}

type Next = (args: { input: unknown }) => Promise<unknown>;
interface MiddlewareHost {
  middlewareStack: {
    add(
      middleware: (next: Next, context: { commandName?: string }) => Next,
      options: { step: 'initialize'; name: string; priority: 'high' },
    ): void;
  };
}

function addRecordingMiddleware(client: MiddlewareHost, service: RecordedCall['service'], recorder: CallRecorder): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const done = recorder.record({
        service,
        operation: (context.commandName ?? 'unknown').replace(/Command$/, ''),
        source: 'sdk',
        input: recorder.isTracing ? args.input : undefined,
      });
      try {
        return await next(args);
      } finally {
        done();
      }
    },
    { step: 'initialize', name: 'benchCallRecorder', priority: 'high' },
  );
  // The clients cache each command's resolved middleware (cacheMiddleware): commands sent before now must resolve it again.
  (client as unknown as { handlers?: unknown }).handlers = undefined;
}

/** The SDK clients behind the stack's adapters, when they can be reached (they are private fields of the adapters). */
export interface StoreClients {
  dynamodb: DynamoDBClient;
  s3?: S3Client;
}

export function reachClients(deps: CoreDeps): StoreClients | undefined {
  const dynamodb = (deps.table as unknown as { client?: unknown }).client;
  const s3 = (deps.blobs as unknown as { s3?: unknown }).s3;
  if (!(dynamodb instanceof DynamoDBClient)) return undefined;
  return { dynamodb, s3: s3 instanceof S3Client ? s3 : undefined };
}

/** Adds a recording middleware to the clients, so it sees every command the stack's adapters send. */
export function recordClients(clients: StoreClients, recorder: CallRecorder): void {
  addRecordingMiddleware(clients.dynamodb as unknown as MiddlewareHost, 'DynamoDB', recorder);
  if (clients.s3) addRecordingMiddleware(clients.s3 as unknown as MiddlewareHost, 'S3', recorder);
}

/** Fallback when the clients cannot be reached: records at the Table port (a Table has no scan, so none can show up). */
export function recordingTable(table: Table, recorder: CallRecorder): Table {
  const rec = <R>(operation: string, input: unknown, run: () => Promise<R>): Promise<R> => {
    const done = recorder.record({ service: 'DynamoDB', operation, source: 'table', input: recorder.isTracing ? input : undefined });
    return run().finally(done);
  };
  return {
    get: <T extends Item>(key: ItemKey) => rec('get', key, () => table.get<T>(key)),
    getAll: <T extends Item>(keys: ItemKey[]) => rec('getAll', keys, () => table.getAll<T>(keys)),
    put: (item: Item, options?: Parameters<Table['put']>[1]) => rec('put', { item, options }, () => table.put(item, options)),
    update: <T extends Item>(key: ItemKey, set: Record<string, unknown>, remove?: string[]) =>
      rec('update', { key, set, remove }, () => table.update<T>(key, set, remove)),
    delete: (key: ItemKey, options?: Parameters<Table['delete']>[1]) => rec('delete', { key, options }, () => table.delete(key, options)),
    query: <T extends Item>(input: QueryInput) => rec('query', input, () => table.query<T>(input)),
    putAll: (items: Item[]) => rec('putAll', items, () => table.putAll(items)),
    transactWrite: (ops: WriteOp[]) => rec('transactWrite', ops, () => table.transactWrite(ops)),
    increment: (key: ItemKey, attribute: string, by: number, options?: { expiresAt?: number }) =>
      rec('increment', { key, attribute, by, options }, () => table.increment(key, attribute, by, options)),
  };
}

/** A traced request's calls by round: each round's calls go out together once the round before has finished. */
export function byRound(calls: RecordedCall[]): RecordedCall[][] {
  const rounds: RecordedCall[][] = [];
  for (const call of calls) (rounds[call.round ?? rounds.length] ??= []).push(call);
  return rounds.filter((round) => round !== undefined);
}

/** Sends one traced call again, directly: through the same SDK client, or the same (undecorated) Table adapter. */
export function replayer(clients: StoreClients | undefined, table: Table): (call: RecordedCall) => Promise<unknown> {
  return async (call) => {
    const input = call.input as never;
    if (call.source === 'table') {
      if (call.operation === 'get') return table.get(input);
      if (call.operation === 'query') return table.query(input);
      if (call.operation === 'increment') {
        const { key, attribute, by, options } = input as { key: ItemKey; attribute: string; by: number; options?: { expiresAt?: number } };
        return table.increment(key, attribute, by, options);
      }
    } else if (clients && call.service === 'DynamoDB') {
      if (call.operation === 'GetItem') return clients.dynamodb.send(new GetItemCommand(input));
      if (call.operation === 'Query') return clients.dynamodb.send(new QueryCommand(input));
      // Counting a request against the rate limit is the one write a read route makes; adding to a counter again is harmless.
      if (call.operation === 'UpdateItem') return clients.dynamodb.send(new UpdateItemCommand(input));
    } else if (clients?.s3 && call.service === 'S3' && call.operation === 'GetObject') {
      const out = await clients.s3.send(new GetObjectCommand(input));
      return out.Body?.transformToByteArray();
    }
    throw new Error(`cannot replay ${call.service} ${call.operation} (${call.source}): only reads and counter updates are replayed`);
  };
}

/** A traced call's input with the key and values of an SDK command read back from attribute form. */
export function documentForm(call: RecordedCall): Record<string, any> {
  const input = (call.input ?? {}) as Record<string, any>;
  if (call.source !== 'sdk' || call.service !== 'DynamoDB') return input;
  return {
    ...input,
    ...(input.Key ? { Key: unmarshall(input.Key) } : {}),
    ...(input.ExpressionAttributeValues ? { ExpressionAttributeValues: unmarshall(input.ExpressionAttributeValues) } : {}),
  };
}

/** "GetItem(api key)", "Query(messages, Limit 20)", ...: what a traced call reads, from its key. */
export function describeCall(call: RecordedCall): string {
  const input = documentForm(call);
  const key = (input.Key ?? (call.source === 'table' ? input : undefined)) as Partial<ItemKey> | undefined;
  const what = (pk = '', sk = ''): string => {
    if (pk.startsWith('K#')) return 'api key';
    if (pk.startsWith('A#')) return 'address claim';
    if (sk.startsWith('I#')) return 'inbox';
    if (sk.startsWith('M#')) return 'message';
    if (sk.startsWith('C#')) return 'message content';
    if (sk.startsWith('K#')) return 'org key';
    return `${pk.split('#')[0]}#…`;
  };
  if (call.service === 'S3') return `S3 ${call.operation}(${String(input.Key ?? '').split('/').slice(-1)[0]})`;
  if (call.operation === 'GetItem' || call.operation === 'get') return `GetItem(${what(key?.pk, key?.sk)})`;
  if (call.operation === 'Query' || call.operation === 'query') {
    const prefix: string = input.ExpressionAttributeValues?.[':prefix'] ?? input.skPrefix ?? '';
    const limit = input.Limit ?? input.limit;
    const range = prefix.startsWith('M#') ? 'messages' : prefix.startsWith('I#') ? 'inboxes' : `${prefix}…`;
    return `Query(${range}${limit !== undefined ? `, Limit ${limit}` : ''}${input.ScanIndexForward === false || input.newestFirst ? ', newest first' : ''})`;
  }
  return call.operation;
}
