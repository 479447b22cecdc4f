import { KEY_CACHE_SECONDS } from '../lambdas/core/auth';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { FUNCTION_MEMORY_MB } from '../lib/constructs/function-memory';
import { DEFAULT_RETENTION_DAYS } from '../lambdas/config';
import type { CoreDeps } from '../lambdas/core/deps';
import { generateApiKey } from '../lambdas/core/api-keys';
import { LATE_MAIL_MS } from '../lambdas/core/messages/wait-for-message';
import { SEARCH_READ_AHEAD } from '../lambdas/core/messages/messages';
import { registerApiKey } from '../lambdas/core/key-registry';
import { DEFAULT_ORG_ID, messageKey } from '../lambdas/core/table-keys';
import { eventLogItem } from '../lambdas/core/events/event-log';
import { dynamoItemSize } from '../lambdas/local/embedded/dynamodb-item-size';
import { createApi } from '../lambdas/http/api';
import { MAILROOM_VERSION } from '../lambdas/version';
import { apiCaller } from '../test/support/api-client';
import { startBackends } from '../test/support/backends';
import { compose } from '../test/support/mime';
import { deliver } from '../test/support/ses';
import { Meter, meteredBlobs, meteredLog, meteredTable, type PhaseCounts } from './lib/cost-meter';
import { measureWaiting, type WaitsMeasured } from './lib/cost-of-waiting';
import { checkUnitsAgainstDynamoDbLocal } from './lib/cost-verify';
import { writeUnits } from './lib/cost-request-units';
import type { Budget, Section } from './lib/report';
import { markdownTable } from './lib/report';
import { distribution, round } from './lib/stats';

/**
 * AWS list prices the cost model multiplies by: us-east-1, as of 2026, without free tiers and at the first
 * volume tier. Prices change; re-check every source before relying on a result.
 */
export const PRICES = {
  asOf: '2026',
  region: 'us-east-1',
  rates: {
    lambdaRequest: { usd: 0.2, per: 1_000_000, unit: 'requests', source: 'https://aws.amazon.com/lambda/pricing/' },
    lambdaArmGbSecond: { usd: 0.0000133334, per: 1, unit: 'GB-s (Arm)', source: 'https://aws.amazon.com/lambda/pricing/' },
    apiGatewayRestRequest: { usd: 3.5, per: 1_000_000, unit: 'REST requests', source: 'https://aws.amazon.com/api-gateway/pricing/' },
    dynamodbWriteUnit: { usd: 0.625, per: 1_000_000, unit: 'WRU (on-demand)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
    dynamodbReadUnit: { usd: 0.125, per: 1_000_000, unit: 'RRU (on-demand)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
    dynamodbStorage: { usd: 0.25, per: 1, unit: 'GB-month', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
    dynamodbPitr: { usd: 0.2, per: 1, unit: 'GB-month', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
    s3PutCopyList: { usd: 0.005, per: 1_000, unit: 'PUT/COPY/LIST requests', source: 'https://aws.amazon.com/s3/pricing/' },
    s3Get: { usd: 0.0004, per: 1_000, unit: 'GET requests', source: 'https://aws.amazon.com/s3/pricing/' },
    s3Storage: { usd: 0.023, per: 1, unit: 'GB-month (Standard)', source: 'https://aws.amazon.com/s3/pricing/' },
    cloudwatchLogsIngestion: { usd: 0.5, per: 1, unit: 'GB ingested', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
    dataTransferOut: { usd: 0.09, per: 1, unit: 'GB out to the internet', source: 'https://aws.amazon.com/ec2/pricing/on-demand/' },
    eventBridgeEvent: { usd: 1.0, per: 1_000_000, unit: 'custom events', source: 'https://aws.amazon.com/eventbridge/pricing/' },
    sqsRequest: { usd: 0.4, per: 1_000_000, unit: 'requests (standard)', source: 'https://aws.amazon.com/sqs/pricing/' },
    sesInboundMessage: { usd: 0.1, per: 1_000, unit: 'emails received', source: 'https://aws.amazon.com/ses/pricing/' },
    sesInboundChunk: { usd: 0.09, per: 1_000, unit: 'incoming 256 KB chunks', source: 'https://aws.amazon.com/ses/pricing/' },
  },
} as const;
type Rate = keyof typeof PRICES.rates;

const PARSER_MEMORY_MB = FUNCTION_MEMORY_MB.parser;
const API_MEMORY_MB = FUNCTION_MEMORY_MB.standard;
const WAIT_MEMORY_MB = FUNCTION_MEMORY_MB.wait;
/** How long after a wait begins its mail is stored: SES, S3 and the parser take about that on AWS. */
const WAITED_MAIL_ARRIVES_AFTER_MS = 1000;
const DAYS_PER_MONTH = 365 / 12;
const GIB = 2 ** 30;
/** DynamoDB adds this much per item to the billed storage. */
const DYNAMODB_ITEM_OVERHEAD_BYTES = 100;
/** Estimates, not measured here: Lambda's JSON platform.start + platform.report lines, and one API Gateway access log line. */
const LAMBDA_PLATFORM_LOG_BYTES = 400;
const API_ACCESS_LOG_BYTES = 250;
const SES_CHUNK_BYTES = 256 * 1024;
const TARGET_EMAIL_BYTES = 10 * 1024;
/** Receiving and storing 1,000 emails (SES → readable, webhooks queued), beyond SES's own fee. */
const BUDGET_USD = 0.015;
/** test/support/backends.ts */
const TABLE_NAME = 'mailroom-test';
/** The list route's default page size (lambdas/http/schemas.ts). */
const LIST_PAGE = 20;

const WORDS = (
  'the order shipment invoice account update your we have received payment please confirm details below thank you for ' +
  'choosing our service delivery tracking number estimated arrival support team reply questions summary item quantity ' +
  'price total subscription renewal reminder security notice sign in verification'
).split(' ');

/** Deterministic prose of `count` words in sentences of 12. */
function prose(count: number, seed: number): string[] {
  let state = seed;
  const sentences: string[] = [];
  let words: string[] = [];
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    words.push(WORDS[state % WORDS.length]);
    if (words.length === 12 || i === count - 1) {
      const s = words.join(' ');
      sentences.push(`${s[0].toUpperCase()}${s.slice(1)}.`);
      words = [];
    }
  }
  return sentences;
}

/** A plain text + HTML notification of `words` words per part, as nodemailer composes it. */
function composeEmail(i: number, to: string, words: number): Promise<Buffer> {
  const sentences = prose(words, i + 1);
  const paragraphs: string[][] = [];
  for (let s = 0; s < sentences.length; s += 4) paragraphs.push(sentences.slice(s, s + 4));
  const link = `https://shop.example.com/orders/${100000 + i}`;
  return compose({
    to,
    subject: `Your order #${100000 + i} has shipped`,
    text: `${paragraphs.map((p) => p.join(' ')).join('\n\n')}\n\nTrack it: ${link}\n`,
    html:
      `<!doctype html><html><body style="font-family:sans-serif"><h1>Order #${100000 + i}</h1>` +
      `${paragraphs.map((p) => `<p>${p.join(' ')}</p>`).join('')}<p><a href="${link}">Track your order</a></p></body></html>`,
  });
}

/** The word count per part that makes a composed message about `TARGET_EMAIL_BYTES` (size is linear in it). */
async function calibrateWords(to: string): Promise<number> {
  const a = 200;
  const b = 800;
  const sa = (await composeEmail(0, to, a)).length;
  const sb = (await composeEmail(0, to, b)).length;
  return Math.round(a + ((TARGET_EMAIL_BYTES - sa) * (b - a)) / (sb - sa));
}

/** Every request a phase made to the table and the bucket. */
function storeRequests({ dynamodb: d, s3 }: PhaseCounts): number {
  return d.get + d.query + d.put + d.update + d.increment + d.delete + d.transactWrite + d.batchWrite + s3.put + s3.copy + s3.list + s3.get + s3.delete;
}

interface Line {
  group: 'inbound' | 'client reads' | 'storage' | 'events' | 'SES';
  component: string;
  quantity: number;
  rate?: Rate;
  /** Multiplies the quantity into the rate's unit (e.g. bytes → GB); 1 by default. */
  unitScale?: number;
  quantityText: string;
  basis: string;
}

const usd = (x: number) => (x === 0 ? '$0' : x >= 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(6)}`);
const num = (x: number, digits = 1) => x.toLocaleString('en-US', { maximumFractionDigits: digits });

function costOf({ rate, quantity, unitScale }: Pick<Line, 'rate' | 'quantity' | 'unitScale'>): number {
  if (!rate) return 0;
  const r = PRICES.rates[rate];
  return ((quantity * (unitScale ?? 1)) / r.per) * r.usd;
}

function priceText(rate: Rate | undefined): string {
  if (!rate) return '–';
  const r = PRICES.rates[rate];
  return r.per === 1 ? `$${r.usd} per ${r.unit}` : `$${r.usd} per ${num(r.per, 0)} ${r.unit}`;
}

export const run: Section = async ({ progress, quick }) => {
  const emails = quick ? 50 : 200;
  const warmups = quick ? 5 : 20;

  progress.start('starting DynamoDB Local and s3rver', 1);
  // Every API request still writes its rate-limit counter; only the refusal is lifted.
  const backends = await startBackends({ rateLimitPerMinute: Number.MAX_SAFE_INTEGER });
  progress.done();
  try {
    const meter = new Meter();
    let published = 0;
    // What the dispatcher writes to the event log for each of them (priced below, outside the parser).
    let eventLogUnits = 0;
    const deps: CoreDeps = {
      ...backends.deps,
      table: meteredTable(backends.deps.table, meter),
      blobs: meteredBlobs(backends.deps.blobs, meter),
      log: meteredLog(backends.deps.log, meter),
      events: {
        publish: (event) => {
          if (meter.phase === 'parser') {
            published++;
            eventLogUnits += writeUnits(dynamoItemSize(eventLogItem(event, new Date())));
          }
          return backends.deps.events.publish(event);
        },
      },
    };
    const inner = createApi(deps, { maxInlineDownloadBytes: 4 * 1024 * 1024, version: MAILROOM_VERSION });
    const apiMs: number[] = [];
    let responseBytes = 0;
    const timedApi = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
      const started = performance.now();
      const result = await inner(event);
      const elapsed = performance.now() - started;
      if (meter.phase === 'api') {
        apiMs.push(elapsed);
        responseBytes += result.isBase64Encoded ? Buffer.from(result.body, 'base64').length : Buffer.byteLength(result.body);
      }
      return result;
    };
    const call = apiCaller(timedApi);
    const key = generateApiKey();
    await registerApiKey(deps, { key, orgId: DEFAULT_ORG_ID, name: 'bench client', scopes: ['inboxes:read', 'inboxes:write', 'messages:read'] });
    const createInbox = async (localPart: string) => {
      const res = await call('POST', '/v1/inboxes', { key, body: { localPart } });
      if (res.status !== 201 && res.status !== 200) throw new Error(`creating an inbox failed: ${res.status} ${res.bytes.toString()}`);
      return res.json as { id: string; address: string };
    };
    const warmInbox = await createInbox('cost-warmup');
    const inbox = await createInbox('cost-model');
    const words = await calibrateWords(inbox.address);

    // The receipt rule's S3 action is SES's step; the parser's clock starts when that PUT has returned.
    let parserStarted = 0;
    const inboundKeys = new Set<string>();
    meter.onBlobPut = (blobKey) => {
      if (meter.phase === 'ses' && blobKey.startsWith(deps.settings.inboundPrefix)) {
        inboundKeys.add(blobKey);
        meter.phase = 'parser';
        parserStarted = performance.now();
      }
    };
    const parserMs: number[] = [];
    const rawBytes: number[] = [];
    let lastMessageId = '';
    // As fetch, curl --compressed and browsers do, the client accepts compressed answers.
    const client = { key, headers: { 'Accept-Encoding': 'gzip, deflate, br' } };
    const receiveAndRead = async (i: number, target: { id: string; address: string }, measured: boolean) => {
      const raw = await composeEmail(i, target.address, words);
      meter.phase = measured ? 'ses' : 'warmup';
      const { result } = await deliver(deps, raw, [target.address]);
      const parsed = performance.now() - parserStarted;
      if (measured) {
        if (meter.phase !== 'parser') throw new Error('the SES stand-in did not store the raw mail under the inbound prefix');
        parserMs.push(parsed);
        rawBytes.push(raw.length);
      }
      if (result.stored.length !== 1 || result.stored[0].duplicate) throw new Error(`mail ${i} was not stored once: ${JSON.stringify(result)}`);
      meter.phase = measured ? 'api' : 'warmup';
      const list = await call('GET', `/v1/inboxes/${target.id}/messages`, client);
      const messageId = result.stored[0].messageId;
      lastMessageId = messageId;
      if (list.status !== 200 || !list.json.data.some((m: { id: string }) => m.id === messageId)) throw new Error(`listing failed: ${list.status}`);
      const get = await call('GET', `/v1/inboxes/${target.id}/messages/${messageId}`, client);
      if (get.status !== 200 || !get.json.text || !get.json.html) throw new Error(`getting message ${messageId} failed: ${get.status}`);
      meter.phase = 'idle';
    };

    progress.start(`warming up with ${warmups} emails`, warmups);
    for (let i = 0; i < warmups; i++) {
      await receiveAndRead(i, warmInbox, false);
      progress.tick();
    }
    progress.done();

    const loadBefore = loadavg()[0];
    progress.start(`receiving ${emails} × 10 KB emails, each listed and read once`, emails);
    for (let i = 0; i < emails; i++) {
      await receiveAndRead(1000 + i, inbox, true);
      progress.tick();
    }
    progress.done();

    const loadAfter = loadavg()[0];
    const waitPlan = { waits: quick ? 3 : 10, arrivesAfterMs: WAITED_MAIL_ARRIVES_AFTER_MS, idleSeconds: quick ? 5 : 25, quietMessages: quick ? 30 : 150 };
    progress.start(`waiting: ${waitPlan.waits} waits answered by mail, then one ${waitPlan.idleSeconds} s wait that finds nothing`, 1);
    const waitInboxes = { answered: await createInbox('cost-wait'), quiet: await createInbox('cost-quiet') };
    const waiting = await measureWaiting(backends.deps, key, waitInboxes, waitPlan);
    progress.tick();
    progress.done();
    // Searching reads the inbox's summaries newest first and matches them in the API function: nothing is written for
    // it when mail arrives. A search that matches nothing reads the whole inbox (up to 1,000 items per request).
    const searchPlan = quick ? 3 : 10;
    progress.start(`searching the ${emails}-message inbox ${searchPlan} times for what it does not hold`, searchPlan);
    const searchMs: number[] = [];
    for (let i = 0; i < searchPlan; i++) {
      meter.phase = 'search';
      const started = performance.now();
      const res = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { ...client, query: { q: `from:nobody-${i} "never written" -has:attachment` } });
      searchMs.push(Math.ceil(performance.now() - started));
      meter.phase = 'idle';
      if (res.status !== 200 || res.json.data.length !== 0) throw new Error(`search failed: ${res.status}`);
      progress.tick();
    }
    progress.done();
    const searched = meter.counts('search');
    const search = {
      searches: searchPlan,
      messages: emails,
      readUnits: searched.dynamodb.rru / searchPlan,
      writeUnits: searched.dynamodb.wru / searchPlan,
      queries: searched.dynamodb.query / searchPlan,
      itemsRead: searched.dynamodb.queryItems / searchPlan,
      meanMs: searchMs.reduce((a, b) => a + b, 0) / searchPlan,
    };
    const perThousandSearches = (rate: Rate, quantity: number) => costOf({ rate, quantity: quantity * 1000 });
    const searchCost = {
      apiGateway: perThousandSearches('apiGatewayRestRequest', 1),
      lambdaRequests: perThousandSearches('lambdaRequest', 1),
      lambdaDuration: perThousandSearches('lambdaArmGbSecond', (search.meanMs / 1000) * (API_MEMORY_MB / 1024)),
      reads: perThousandSearches('dynamodbReadUnit', search.readUnits),
      writes: perThousandSearches('dynamodbWriteUnit', search.writeUnits),
    };
    const searchTotal = Object.values(searchCost).reduce((a, b) => a + b, 0);

    const unitChecks = await checkUnitsAgainstDynamoDbLocal(backends.dynamodbEndpoint, TABLE_NAME, messageKey(DEFAULT_ORG_ID, inbox.id, lastMessageId), LIST_PAGE);
    const unitsAgree = unitChecks.every((c) => c.estimated === c.reported);

    const ses = meter.counts('ses');
    const parser = meter.counts('parser');
    const api = meter.counts('api');
    const perK = 1000 / emails;
    const parserBilledMs = parserMs.reduce((s, ms) => s + Math.ceil(ms), 0);
    const apiBilledMs = apiMs.reduce((s, ms) => s + Math.ceil(ms), 0);
    const parserGbSeconds = (parserBilledMs / 1000) * (PARSER_MEMORY_MB / 1024) * perK;
    const apiGbSeconds = (apiBilledMs / 1000) * (API_MEMORY_MB / 1024) * perK;
    const apiRequests = apiMs.length * perK;

    // Storage held per 1,000 emails: each object for its retention, each item for the message retention.
    let s3GbMonths = 0;
    let s3Bytes = 0;
    for (const [k, bytes] of meter.objectSizes) {
      // Raw mail stays where the receipt rule wrote it for as long as its message lives.
      if (!inboundKeys.has(k) && !k.includes(`/i/${inbox.id}/`)) continue;
      s3Bytes += bytes;
      s3GbMonths += (bytes / GIB) * (DEFAULT_RETENTION_DAYS / DAYS_PER_MONTH);
    }
    s3GbMonths *= perK;
    const itemBytes = (meter.itemsWritten.get('parser') ?? []).reduce((s, b) => s + b + DYNAMODB_ITEM_OVERHEAD_BYTES, 0);
    const dynamoGbMonths = (itemBytes / GIB) * (DEFAULT_RETENTION_DAYS / DAYS_PER_MONTH) * perK;
    const parserLogBytes = parser.logs.bytes * perK + 1000 * LAMBDA_PLATFORM_LOG_BYTES;
    const apiLogBytes = api.logs.bytes * perK + apiRequests * (LAMBDA_PLATFORM_LOG_BYTES + API_ACCESS_LOG_BYTES);
    const chunks = rawBytes.reduce((s, b) => s + Math.ceil(b / SES_CHUNK_BYTES), 0) * perK;
    const avgRaw = rawBytes.reduce((s, b) => s + b, 0) / rawBytes.length;
    const parserDist = distribution(parserMs);
    const apiDist = distribution(apiMs);

    const s3Writes = (c: PhaseCounts) => c.s3.put + c.s3.copy + c.s3.list;
    const lines: Line[] = [
      {
        group: 'inbound',
        component: "S3 PUT by the receipt rule's S3 action",
        quantity: s3Writes(ses) * perK,
        rate: 's3PutCopyList',
        quantityText: `${num(s3Writes(ses) * perK)} requests`,
        basis: `${ses.s3.put} PUT for ${emails} emails`,
      },
      {
        group: 'inbound',
        component: 'Parser Lambda requests',
        quantity: 1000,
        rate: 'lambdaRequest',
        quantityText: '1,000 invocations',
        basis: 'one SES event per email',
      },
      {
        group: 'inbound',
        component: `Parser Lambda duration (${PARSER_MEMORY_MB} MB)`,
        quantity: parserGbSeconds,
        rate: 'lambdaArmGbSecond',
        quantityText: `${num(parserGbSeconds, 2)} GB-s`,
        basis: `processSesEvent wall time, billed per started ms: mean ${round(parserDist.mean, 1)} ms, p50 ${round(parserDist.p50, 1)} ms`,
      },
      {
        group: 'inbound',
        component: 'Parser DynamoDB writes',
        quantity: parser.dynamodb.wru * perK,
        rate: 'dynamodbWriteUnit',
        quantityText: `${num(parser.dynamodb.wru * perK)} WRU`,
        basis: `${parser.dynamodb.put} puts, ${parser.dynamodb.batchItems} puts in ${parser.dynamodb.batchWrite} batches, ${parser.dynamodb.update + parser.dynamodb.increment} updates, ${parser.dynamodb.transactWrite} transactions; ${num(parser.dynamodb.bytesWritten / emails / 1024)} KB written per email`,
      },
      {
        group: 'inbound',
        component: 'Parser DynamoDB reads',
        quantity: parser.dynamodb.rru * perK,
        rate: 'dynamodbReadUnit',
        quantityText: `${num(parser.dynamodb.rru * perK)} RRU`,
        basis: `${parser.dynamodb.get} consistent gets (${parser.dynamodb.getMissing} of absent items), ${parser.dynamodb.query} queries`,
      },
      {
        group: 'inbound',
        component: 'Parser S3 PUT/COPY/LIST',
        quantity: s3Writes(parser) * perK,
        rate: 's3PutCopyList',
        quantityText: `${num(s3Writes(parser) * perK)} requests`,
        basis: `${parser.s3.put} PUT, ${parser.s3.copy} COPY, ${parser.s3.list} LIST (raw mail stays where SES wrote it; attachments are cut from it when asked for)`,
      },
      {
        group: 'inbound',
        component: 'Parser S3 GET',
        quantity: parser.s3.get * perK,
        rate: 's3Get',
        quantityText: `${num(parser.s3.get * perK)} requests`,
        basis: `${parser.s3.get} GET`,
      },
      {
        group: 'client reads',
        component: 'API Gateway REST requests',
        quantity: apiRequests,
        rate: 'apiGatewayRestRequest',
        quantityText: `${num(apiRequests)} requests`,
        basis: 'one list + one get per email',
      },
      {
        group: 'client reads',
        component: 'API Lambda requests',
        quantity: apiRequests,
        rate: 'lambdaRequest',
        quantityText: `${num(apiRequests)} invocations`,
        basis: 'proxy integration: one invocation per request',
      },
      {
        group: 'client reads',
        component: `API Lambda duration (${API_MEMORY_MB} MB)`,
        quantity: apiGbSeconds,
        rate: 'lambdaArmGbSecond',
        quantityText: `${num(apiGbSeconds, 2)} GB-s`,
        basis: `API handler wall time, billed per started ms: mean ${round(apiDist.mean, 1)} ms, p50 ${round(apiDist.p50, 1)} ms`,
      },
      {
        group: 'client reads',
        component: 'API DynamoDB reads',
        quantity: api.dynamodb.rru * perK,
        rate: 'dynamodbReadUnit',
        quantityText: `${num(api.dynamodb.rru * perK)} RRU`,
        basis: `${api.dynamodb.get} consistent gets, ${api.dynamodb.query} queries returning ${api.dynamodb.queryItems} items (${num(api.dynamodb.bytesRead / 1024 / 1024, 2)} MB read)`,
      },
      {
        group: 'client reads',
        component: 'API DynamoDB writes (per-key rate-limit counter)',
        quantity: api.dynamodb.wru * perK,
        rate: 'dynamodbWriteUnit',
        quantityText: `${num(api.dynamodb.wru * perK)} WRU`,
        basis: `${api.dynamodb.increment} counter updates: every request with a key counts against its limit; the key record itself is cached for ${KEY_CACHE_SECONDS} s`,
      },
      {
        group: 'client reads',
        component: 'API S3 GET',
        quantity: api.s3.get * perK,
        rate: 's3Get',
        quantityText: `${num(api.s3.get * perK)} requests`,
        basis: `${api.s3.get} GET (bodies and headers up to 8 KB gzipped are kept in a table item of their own)`,
      },
      {
        group: 'inbound',
        component: 'Parser CloudWatch Logs ingestion',
        quantity: parserLogBytes,
        unitScale: 1 / GIB,
        rate: 'cloudwatchLogsIngestion',
        quantityText: `${num(parserLogBytes / 1024 / 1024, 2)} MB`,
        basis: `measured: ${num((parser.logs.bytes * perK) / 1024)} KB of application log lines; estimated: ${LAMBDA_PLATFORM_LOG_BYTES} B of platform lines per invocation`,
      },
      {
        group: 'storage',
        component: `S3 storage (raw mail, stored once, ${DEFAULT_RETENTION_DAYS} days)`,
        quantity: s3GbMonths,
        rate: 's3Storage',
        quantityText: `${num(s3GbMonths, 5)} GB-month`,
        basis: `${num(s3Bytes / emails / 1024)} KB of objects per email`,
      },
      {
        group: 'storage',
        component: `DynamoDB storage (${DEFAULT_RETENTION_DAYS} days)`,
        quantity: dynamoGbMonths,
        rate: 'dynamodbStorage',
        quantityText: `${num(dynamoGbMonths, 5)} GB-month`,
        basis: `${num(itemBytes / emails / 1024)} KB per email incl. ${DYNAMODB_ITEM_OVERHEAD_BYTES} B item overhead`,
      },
      {
        group: 'storage',
        component: 'DynamoDB point-in-time recovery',
        quantity: dynamoGbMonths,
        rate: 'dynamodbPitr',
        quantityText: `${num(dynamoGbMonths, 5)} GB-month`,
        basis: 'PITR is enabled on the table; billed on table size',
      },
      {
        group: 'client reads',
        component: 'API CloudWatch Logs ingestion',
        quantity: apiLogBytes,
        unitScale: 1 / GIB,
        rate: 'cloudwatchLogsIngestion',
        quantityText: `${num(apiLogBytes / 1024 / 1024, 2)} MB`,
        basis:
          `measured: ${num((api.logs.bytes * perK) / 1024)} KB of application log lines; ` +
          `estimated: ${LAMBDA_PLATFORM_LOG_BYTES} B of platform lines per invocation, ${API_ACCESS_LOG_BYTES} B access log per API request`,
      },
      {
        group: 'client reads',
        component: 'Data transfer out (API responses)',
        quantity: responseBytes * perK,
        unitScale: 1 / GIB,
        rate: 'dataTransferOut',
        quantityText: `${num((responseBytes * perK) / 1024 / 1024, 2)} MB`,
        basis: 'response bodies as sent to a client accepting gzip (JSON from 1 KB is compressed); headers and the 100 GB/month free allowance ignored',
      },
      {
        group: 'events',
        component: 'EventBridge custom events (message.received)',
        quantity: published * perK,
        rate: 'eventBridgeEvent',
        quantityText: `${num(published * perK)} events`,
        basis: `${published} PutEvents entries for ${emails} emails`,
      },
      {
        group: 'events',
        component: 'SQS requests for the webhook job queue',
        quantity: published * perK * 3,
        rate: 'sqsRequest',
        quantityText: `${num(published * perK * 3)} requests`,
        basis: 'per event: the rule’s send, the dispatcher’s receive and its delete (an upper bound: Lambda receives and deletes in batches of up to 10)',
      },
      {
        group: 'events',
        component: 'Dispatcher Lambda requests and webhook lookup',
        quantity: published * perK,
        rate: 'lambdaRequest',
        quantityText: `${num(published * perK)} invocations`,
        basis: 'per event (an upper bound: batches of up to 10) one invocation and one Query of the org’s endpoints (1 RRU, $0.000125 per 1,000); its duration and deliveries only count when an endpoint subscribes, and none does here',
      },
      {
        group: 'events',
        component: 'Event log write for live streams (dispatcher)',
        quantity: eventLogUnits * perK,
        rate: 'dynamodbWriteUnit',
        quantityText: `${num(eventLogUnits * perK)} WRU`,
        basis: `per event one PutItem of its log entry (${num(eventLogUnits / Math.max(published, 1), 1)} WRU each), kept 72 hours (its storage, under a tenth of a month, is left out)`,
      },
      {
        group: 'SES',
        component: 'SES inbound emails',
        quantity: 1000,
        rate: 'sesInboundMessage',
        quantityText: '1,000 emails',
        basis: "SES's own fee, outside the budget",
      },
      {
        group: 'SES',
        component: 'SES incoming mail chunks',
        quantity: chunks,
        rate: 'sesInboundChunk',
        quantityText: `${num(chunks)} chunks`,
        basis: `${num(avgRaw / 1024, 2)} KB per email = ${Math.ceil(avgRaw / SES_CHUNK_BYTES)} chunk of 256 KB`,
      },
    ];
    const costed = lines.map((l) => ({ ...l, costUsd: costOf(l) }));
    const subtotal = (g: Line['group']) => costed.filter((l) => l.group === g).reduce((s, l) => s + l.costUsd, 0);
    const beyondSes = costed.filter((l) => l.group !== 'SES').reduce((s, l) => s + l.costUsd, 0);
    const sesTotal = subtotal('SES');
    const groups: Line['group'][] = ['inbound', 'storage', 'events', 'client reads'];
    const receiving = (l: Line) => l.group === 'inbound' || l.group === 'storage' || l.group === 'events';
    const receiveAndStore = costed.filter(receiving).reduce((s, l) => s + l.costUsd, 0);
    const readsPerThousandRequests = (subtotal('client reads') * 1000) / apiRequests;
    const largest = [...costed]
      .filter(receiving)
      .sort((a, b) => b.costUsd - a.costUsd)
      .slice(0, 4)
      .map((l) => `${l.component} ${usd(l.costUsd)}`)
      .join(', ');

    const queries = Math.max(api.dynamodb.query, 1);
    const met = receiveAndStore <= BUDGET_USD;
    const budgets: Budget[] = [
      {
        name: 'receive and store 1,000 × 10 KB emails beyond SES',
        target: `≤ $${BUDGET_USD.toFixed(3)} per 1,000 emails`,
        measured: `${usd(receiveAndStore)} (+ SES ${usd(sesTotal)}; reads apart: ${usd(readsPerThousandRequests)} per 1,000 list or get requests)`,
        met,
        why: met ? undefined : `${usd(receiveAndStore - BUDGET_USD)} over (${round(receiveAndStore / BUDGET_USD, 2)}×); largest lines: ${largest}`,
      },
    ];

    const waitingRows = waitingCostRows(waiting.answered, 1000 / waiting.answered.waits, waiting.idle, 3600 / waiting.idle.seconds);

    const tableRows = costed.map((l) => [l.group, l.component, l.quantityText, priceText(l.rate), usd(l.costUsd), l.basis]);
    const markdown = [
      `What 1,000 received emails cost in AWS list prices (${PRICES.region}, as of ${PRICES.asOf}; re-check before relying on them), ` +
        `from counts measured while ${emails} emails of ${num(avgRaw / 1024, 2)} KB (nodemailer, plain text + HTML, one recipient, one ` +
        'inbox) went through `deliver` (S3 action stand-in, then `processSesEvent`) against DynamoDB Local and s3rver, and a client ' +
        `then listed the inbox (default page of ${LIST_PAGE}) and got the message once each through the API handler. The table and bucket ` +
        'ports were wrapped in counting decorators: request units come from the billed size of every item written or read (all ' +
        'reads are strongly consistent, transactions count double), S3 requests by price tier. Lambda duration is the wall time ' +
        `of each call rounded up to the ms, at the configured memory (parser ${PARSER_MEMORY_MB} MB, API ${API_MEMORY_MB} MB, Arm). ` +
        `${warmups} warm-up emails to another inbox were not counted, nor was creating the inbox (once per inbox).`,
      '',
      markdownTable(['group', 'component', 'quantity per 1,000 emails', 'unit price', 'cost per 1,000', 'measured from'], tableRows),
      '',
      markdownTable(
        ['', 'cost per 1,000 emails'],
        [
          ...groups.slice(0, 3).map((g) => [g, usd(subtotal(g))]),
          ['**receive and store, beyond SES**', `**${usd(receiveAndStore)}**`],
          [`client reads (${num(apiRequests)} requests: a list and a get per email)`, usd(subtotal('client reads'))],
          ['**client reads per 1,000 requests**', `**${usd(readsPerThousandRequests)}**`],
          ['**total beyond SES**', `**${usd(beyondSes)}**`],
          ['SES inbound (emails + chunks)', usd(sesTotal)],
          ['**total with SES**', `**${usd(beyondSes + sesTotal)}**`],
        ],
      ),
      '',
      'Where it goes (largest lines beyond SES first):',
      '',
      ...[...costed]
        .filter((l) => l.group !== 'SES' && l.costUsd > 0)
        .sort((a, b) => b.costUsd - a.costUsd)
        .slice(0, 6)
        .map((l) => `- ${l.component}: ${usd(l.costUsd)} (${round((100 * l.costUsd) / beyondSes, 1)} %)`),
      '',
      `**Waiting for mail.** A test or an agent usually waits for the email it expects (\`POST …/wait\`) instead of listing. On AWS ` +
        `nothing tells the API of arrivals, so a wait looks on its schedule, and Lambda bills the whole time it waits; waits run in a ` +
        `function of their own with ${WAIT_MEMORY_MB} MB (the API's other routes have ${API_MEMORY_MB} MB). Measured through the API handler as it ` +
        `runs there: ${waiting.answered.waits} waits, each answered by a message stored ${WAITED_MAIL_ARRIVES_AFTER_MS} ms after it began ` +
        `(${num(waiting.answered.meanMs, 0)} ms billed on average, ${round(waiting.answered.readUnits / waiting.answered.waits, 1)} read units each), and one ` +
        `${waiting.idle.seconds}-second wait that found nothing on an inbox of ${waiting.idle.messages} messages received over an hour before ` +
        `(${waiting.idle.queries} Queries, ${waiting.idle.readUnits} read units, of which its first look ${waiting.oneLook.queryReadUnits}: later looks ` +
        `read only mail received from ${LATE_MAIL_MS / 60_000} minutes before the wait began), scaled to an hour of back-to-back waits. At ${API_MEMORY_MB} MB the duration line would ` +
        `double. Not in the total above, which counts what receiving costs whoever reads it.`,
      '',
      markdownTable(['component', 'per 1,000 waits answered after 1 s', 'per hour of waits that find nothing'], waitingRows),
      '',
      `**Searching** (\`GET …/messages?q=\`). On AWS a search is a Query of the inbox's summary items, newest first and limited to the ` +
        `time slice its after:/before: terms allow, read ${SEARCH_READ_AHEAD} at a time and matched in the API function (no Scan, and no index ` +
        `to keep: receiving pays $0 for search). Its cost grows with the mail it has to look through: a search of the ${emails}-message inbox ` +
        `that matches nothing read ${num(search.itemsRead, 0)} items in ${num(search.queries, 1)} Queries, ${num(search.readUnits, 1)} RRU ` +
        `(${num((search.readUnits * 1000) / emails, 1)} RRU per 1,000 messages searched) and ${num(search.meanMs, 1)} ms in the API handler: ` +
        `${usd(searchTotal)} per 1,000 such searches (API Gateway ${usd(searchCost.apiGateway)}, Lambda ${usd(searchCost.lambdaRequests + searchCost.lambdaDuration)}, ` +
        `DynamoDB reads ${usd(searchCost.reads)}, the rate-limit counter ${usd(searchCost.writes)}). A page that fills early reads less; one request ` +
        'reads at most 1,000 items and hands back a cursor for the rest. A per-inbox word index would make each search a few reads but add a ' +
        'write per distinct word to every received message, which the receive-and-store budget cannot carry; an OpenSearch Serverless ' +
        'collection never scales below 1 OCU (0.5 indexing + 0.5 search, without standby replicas) or 2 with them: about $175–350 a month ' +
        'at $0.24 per OCU-hour, whatever the volume.',
      '',
      `A listing reads summary items only (bodies and headers have items of their own): ${num(api.dynamodb.queryBytes / Math.max(api.dynamodb.queryItems, 1) / 1024)} KB per ` +
        `listed message, so a page of ${round(api.dynamodb.queryItems / queries, 1)} items costs ` +
        `${round(api.dynamodb.queryRru / queries, 1)} RRU (${round((100 * api.dynamodb.queryRru) / Math.max(api.dynamodb.rru, 1), 1)} % of the API's reads). ` +
        `The parser writes ${num(parser.dynamodb.bytesWritten / emails / 1024)} KB ` +
        `per message in one transaction (summary, content with bodies and headers gzipped, thread membership, subject lookup and summary, ` +
        `the inbox's last arrival and a check for a tombstone: ${round((parser.dynamodb.wru * perK) / 1000, 1)} WRU per email, ` +
        `a transaction's items counting double), and keeps the raw mail once: SES's PUT under the inbound prefix, which the message points at.`,
      '',
      `Request units are estimated from item sizes; set beside what DynamoDB Local itself reports (ReturnConsumedCapacity) for ` +
        `the same items they ${unitsAgree ? 'agree' : '**disagree**'}: ` +
        `${unitChecks.map((c) => `${c.operation}: ${c.estimated} estimated, ${c.reported ?? 'none'} reported`).join('; ')}.`,
      '',
      `Handler times here are measured on this machine against local servers (s3rver runs in the same process, DynamoDB Local ` +
        `in a JVM), not Lambda on Graviton next to DynamoDB and S3: parser mean ${round(parserDist.mean, 1)} ms ` +
        `(p50 ${round(parserDist.p50, 1)} ms, p99 ${round(parserDist.p99, 1)} ms), of which ${round(parser.storageWaitMs / emails, 1)} ms ` +
        `was spent waiting on the table and the bucket: ${round(storeRequests(parser) / emails, 1)} store requests per email in ${round(parser.storageRounds / emails, 1)} rounds ` +
        `(requests that need nothing from one another go out together, so on AWS the parser waits for that many round trips, not one per request); ` +
        `API mean ${round(apiDist.mean, 1)} ms (p50 ${round(apiDist.p50, 1)} ms, ` +
        `p99 ${round(apiDist.p99, 1)} ms), of which ${round(api.storageWaitMs / apiMs.length, 1)} ms waiting: ${round(storeRequests(api) / apiMs.length, 1)} store requests per API request in ` +
        `${round(api.storageRounds / apiMs.length, 1)} round${round(api.storageRounds / apiMs.length, 1) === 1 ? '' : 's'}; 1-minute load average ` +
        `${round(loadBefore, 1)} before and ${round(loadAfter, 1)} after on ${cpus().length} CPUs. ` +
        'Lambda also bills the INIT phase of cold starts (see Cold start), which this model leaves out, as it does free tiers.',
      '',
      `Prices: ${Object.values(PRICES.rates)
        .filter((r, i, all) => all.findIndex((o) => o.source === r.source) === i)
        .map((r) => r.source)
        .join(', ')}.`,
    ].join('\n');

    return {
      id: 'cost',
      title: 'Cost per 1,000 emails',
      markdown,
      budgets,
      data: {
        emails,
        warmups,
        loadAverage: { before: round(loadBefore, 2), after: round(loadAfter, 2), cpus: cpus().length },
        averageEmailBytes: round(avgRaw, 0),
        wordsPerPart: words,
        prices: PRICES,
        memoryMb: { parser: PARSER_MEMORY_MB, api: API_MEMORY_MB, wait: WAIT_MEMORY_MB },
        retentionDays: { messages: DEFAULT_RETENTION_DAYS },
        counts: { ses, parser, api },
        parserMs: { ...parserDist, billedMsTotal: parserBilledMs },
        apiMs: { ...apiDist, billedMsTotal: apiBilledMs, requests: apiMs.length },
        responseBytes,
        waiting,
        search: { ...search, usdPerThousand: searchTotal, usdPerThousandByComponent: searchCost },
        unitChecks,
        lines: costed.map(({ group, component, quantity, rate, unitScale, costUsd }) => ({ group, component, quantity, rate, unitScale, costUsd })),
        totals: { beyondSesUsd: beyondSes, receiveAndStoreUsd: receiveAndStore, readsPerThousandRequestsUsd: readsPerThousandRequests, sesUsd: sesTotal, withSesUsd: beyondSes + sesTotal, ...Object.fromEntries(groups.map((g) => [g, subtotal(g)])) },
        budgetUsd: BUDGET_USD,
      },
    };
  } finally {
    await backends.stop();
  }
};

/** What waits cost, per line: `answered` scaled by `perAnswered`, `idle` by `perIdle`; the last row is the total. */
function waitingCostRows(answered: WaitsMeasured, perAnswered: number, idle: WaitsMeasured, perIdle: number): string[][] {
  const price = (rate: Rate, quantity: number) => costOf({ rate, quantity });
  const gbSeconds = (w: WaitsMeasured, per: number) => (w.billedMs / 1000) * (WAIT_MEMORY_MB / 1024) * per;
  const lines: [string, (w: WaitsMeasured, per: number) => [number, string]][] = [
    ['API Gateway REST requests', (w, per) => [price('apiGatewayRestRequest', w.waits * per), `${num(w.waits * per)} requests`]],
    ['Wait Lambda requests', (w, per) => [price('lambdaRequest', w.waits * per), `${num(w.waits * per)} invocations`]],
    [`Wait Lambda duration (${WAIT_MEMORY_MB} MB)`, (w, per) => [price('lambdaArmGbSecond', gbSeconds(w, per)), `${num(gbSeconds(w, per), 1)} GB-s`]],
    ['DynamoDB reads', (w, per) => [price('dynamodbReadUnit', w.readUnits * per), `${num(w.readUnits * per, 0)} RRU`]],
    ['DynamoDB writes (per-key rate-limit counter)', (w, per) => [price('dynamodbWriteUnit', w.writeUnits * per), `${num(w.writeUnits * per, 0)} WRU`]],
  ];
  const totals = [0, 0];
  const rows = lines.map(([component, cost]) => {
    const cells = [cost(answered, perAnswered), cost(idle, perIdle)];
    cells.forEach(([usdCost], i) => (totals[i] += usdCost));
    return [component, ...cells.map(([usdCost, quantity]) => `${usd(usdCost)} (${quantity})`)];
  });
  return [...rows, ['**total**', ...totals.map((t) => `**${usd(t)}**`)]];
}
