import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CoreDeps } from '../../lambdas/core/deps';
import { TransactionConditionsFailed } from '../../lambdas/core/errors';
import type { WriteOp } from '../../lambdas/ports';
import { processSesEvent } from '../../lambdas/handlers/process-ses-event';
import type { SESEvent } from '../../lambdas/handlers/ses-event';
import { newSesMessageId, sesEvent } from '../../test/support/ses';
import { withFreshMessageId } from './fresh-message-id';
import { cpuMs, sampleVariants, type SamplingPlan, type Variant, type VariantSamples } from './parse-cpu';
import { RECIPIENT, type Workload } from './parse-corpus';
import { parserVariants } from './parse-variants';

/**
 * The parser handler path, measured the way SES drives it: the raw message is stored first (the
 * receipt rule's S3 action, not measured), then `processSesEvent` reads it back, parses it and
 * writes the message item and objects (measured).
 *
 * The "I/O replay" variant repeats, for the same message, exactly the S3 and DynamoDB calls the
 * handler made, with the same payloads but a fresh message id, and nothing else: no parsing, no
 * ingest logic. Its CPU is what the SDK clients (signing, HTTP, marshalling) cost, plus whatever the
 * servers cost when they run in the measuring process.
 */

export const HANDLER = 'parser handler';
export const IO_REPLAY = 'I/O replay';

interface IoCall {
  port: 'table' | 'blobs';
  method: string;
  args: unknown[];
}

/** Wraps a port so every call is recorded with its arguments before it is forwarded. */
function recording<T extends object>(target: T, port: IoCall['port'], calls: IoCall[]): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push({ port, method: String(prop), args });
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}

/** A deep copy of `value` with every occurrence of `from` in its strings replaced by `to`; byte buffers are shared. */
function rewrite(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.includes(from) ? value.split(from).join(to) : value;
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((v) => rewrite(v, from, to));
  if (value instanceof Set) return new Set([...value].map((v) => rewrite(v, from, to)));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, from, to)]));
  return value;
}

/** The thread of the message a delivery's calls stored (in the put of its summary). */
function threadOf(calls: IoCall[]): string | undefined {
  for (const call of calls) {
    if (call.method !== 'transactWrite') continue;
    const put = (call.args[0] as WriteOp[]).find((op): op is Extract<WriteOp, { put: unknown }> => 'put' in op && op.put.type === 'message');
    if (put) return String(put.put.threadId);
  }
  return undefined;
}

/** A new id of the same length and prefix, so replayed keys and items have the sizes the handler's had. */
function freshIdLike(id: string): string {
  const cut = id.indexOf('_') + 1;
  const body = randomBytes(id.length).toString('hex').slice(0, id.length - cut);
  return id.slice(0, cut) + body;
}

/**
 * The deps with a stand-in for EventBridge's PutEvents (and SQS's SendMessage): one table write per event or job, a
 * request through an AWS SDK client as on Lambda, and nothing after it: no queue polls, fan-outs or deletes run in
 * the measured process.
 */
export function withOneRequestPerEvent(deps: CoreDeps): CoreDeps {
  let n = 0;
  const put = (body: object) => deps.table.put({ pk: 'BENCH#EVENTS', sk: `${process.pid}#${++n}`, body }).then(() => undefined);
  return { ...deps, events: { publish: (event) => put(event) }, jobs: { enqueue: (job) => put(job) } };
}

async function deliverOnce(deps: CoreDeps, raw: Buffer): Promise<{ messageIds: string[] }> {
  const messageId = newSesMessageId();
  await deps.blobs.put(`${deps.settings.inboundPrefix}${messageId}`, withFreshMessageId(raw), 'message/rfc822');
  const [result] = await processSesEvent(deps, sesEvent({ messageId, recipients: [RECIPIENT] }));
  if (result.stored.length !== 1) throw new Error(`expected one stored copy, got ${JSON.stringify(result)}`);
  return { messageIds: result.stored.map((s) => s.messageId) };
}

/** The handler and its I/O replay as two measurable variants over `messages`. */
async function handlerVariants(
  deps: CoreDeps,
  messages: Buffer[],
): Promise<{ variants: Variant[]; callsPerMessage: number[]; ioCpuByPort: HandlerWorkloadResult['ioCpuByPort'] }> {
  // The first delivery may create the inbox; after it, one recorded delivery per message gives each message's I/O.
  await deliverOnce(deps, messages[0]);
  const recorded: { calls: IoCall[]; messageId: string }[] = [];
  for (const raw of messages) {
    const calls: IoCall[] = [];
    const recordingDeps: CoreDeps = { ...deps, table: recording(deps.table, 'table', calls), blobs: recording(deps.blobs, 'blobs', calls) };
    const { messageIds } = await deliverOnce(recordingDeps, raw);
    recorded.push({ calls: calls.slice(1), messageId: messageIds[0] }); // the first call is the raw put, SES's part
  }

  let event: SESEvent | undefined;
  const handler: Variant = {
    name: HANDLER,
    prepare: async (raw) => {
      const messageId = newSesMessageId();
      await deps.blobs.put(`${deps.settings.inboundPrefix}${messageId}`, withFreshMessageId(raw), 'message/rfc822');
      event = sesEvent({ messageId, recipients: [RECIPIENT] });
    },
    run: async () => {
      const [result] = await processSesEvent(deps, event!);
      if (result.stored.length !== 1 || result.stored[0].duplicate) throw new Error('the handler did not store the message');
    },
  };

  let replay: IoCall[] = [];
  let sampling = false;
  const ioCpuByPort = { table: { calls: 0, ms: 0 }, blobs: { calls: 0, ms: 0 } };
  const ports = { table: deps.table, blobs: deps.blobs } as unknown as Record<IoCall['port'], Record<string, (...a: unknown[]) => Promise<unknown>>>;
  const ioReplay: Variant = {
    name: IO_REPLAY,
    prepare: async (_raw, index) => {
      const { calls, messageId } = recorded[index];
      // A fresh thread too: a replayed message would otherwise join the recorded one's thread as an older message.
      const threadId = threadOf(calls);
      const fresh = rewrite(calls, messageId, freshIdLike(messageId));
      replay = (threadId ? rewrite(fresh, threadId, freshIdLike(threadId)) : fresh) as IoCall[];
    },
    startSample: () => {
      sampling = true;
    },
    run: async () => {
      for (const call of replay) {
        const start = cpuMs();
        // A transaction whose condition failed in the recorded delivery (its thread's summary then written another
        // way, next in the calls) fails here too: the same I/O.
        await ports[call.port][call.method](...call.args).catch((err: unknown) => {
          if (!(err instanceof TransactionConditionsFailed)) throw err;
        });
        if (sampling) {
          ioCpuByPort[call.port].ms += cpuMs() - start;
          ioCpuByPort[call.port].calls++;
        }
      }
    },
  };
  return { variants: [handler, ioReplay], callsPerMessage: recorded.map((r) => r.calls.length), ioCpuByPort };
}

export interface HandlerWorkloadResult {
  workload: Workload['id'];
  samples: Record<string, VariantSamples>;
  /** S3 and DynamoDB calls the handler makes for each message. */
  ioCallsPerMessage: number[];
  /** Client CPU of the replayed calls by port (DynamoDB table, S3 blobs), over all samples. */
  ioCpuByPort: Record<IoCall['port'], { calls: number; ms: number }>;
}

/**
 * The headline run samples the handler, its I/O replay and the bare parsers side by side in one
 * process, so their ratios hold whatever else the machine is doing; the run beside s3rver only
 * shows what would leak in.
 */
export function handlerPlan(quick: boolean, besideS3rver = false): SamplingPlan {
  if (quick) return { warmupMs: 30, warmupPasses: 1, warmupMessages: 10, samples: besideS3rver ? 2 : 4, minSampleMs: 30 };
  return { warmupMs: 200, warmupPasses: 2, warmupMessages: 100, samples: besideS3rver ? 5 : 12, minSampleMs: 250 };
}

/** Variants sampled per workload: the handler, its I/O replay and, with `withParsers`, each parser alone. */
export const variantCount = (withParsers: boolean) => 2 + (withParsers ? parserVariants.length : 0);

export async function measureHandlerPath(
  deps: CoreDeps,
  workloads: Workload[],
  plan: SamplingPlan,
  withParsers: boolean,
  onSample: () => void = () => {},
): Promise<HandlerWorkloadResult[]> {
  const out: HandlerWorkloadResult[] = [];
  for (const workload of workloads) {
    const { variants, callsPerMessage, ioCpuByPort } = await handlerVariants(deps, workload.messages);
    const all = withParsers ? [...variants, ...parserVariants] : variants;
    const samples = await sampleVariants(all, workload.messages, plan, onSample);
    out.push({ workload: workload.id, samples, ioCallsPerMessage: callsPerMessage, ioCpuByPort });
  }
  return out;
}

/** What the parent sends the worker. */
export interface WorkerRequest {
  dynamodbEndpoint: string;
  s3Endpoint: string;
  settings: CoreDeps['settings'];
  plan: ReturnType<typeof handlerPlan>;
}

export type WorkerMessage = { type: 'sample' } | { type: 'result'; result: HandlerWorkloadResult[] } | { type: 'error'; error: string };

/**
 * Measures the handler path in a child process that talks to the backends started here, so the
 * CPU of the in-process S3 server stays in this process and out of the measurement.
 */
export function measureHandlerPathInWorker(request: WorkerRequest, onSample: () => void): Promise<HandlerWorkloadResult[]> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'parse-handler-worker.ts'), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'sample') onSample();
      else if (message.type === 'result') {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new Error(`handler worker: ${message.error}`));
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`handler worker exited with code ${code} before reporting`));
    });
    child.send(request);
  });
}
