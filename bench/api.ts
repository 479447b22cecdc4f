import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createApi } from '../lambdas/http/api';
import { startHttpListener, type HttpListener } from '../lambdas/local/http-listener';
import { JOBS_PARTITION } from '../lambdas/local/local-job-queue';
import { startLocalStack, type LocalStack } from '../lambdas/local/stack';
import { MAILROOM_VERSION } from '../lambdas/version';
import { compose } from '../test/support/mime';
import { deliver } from '../test/support/ses';
import {
  CallRecorder,
  byRound,
  describeCall,
  documentForm,
  reachClients,
  recordClients,
  recordingTable,
  replayer,
  type RecordedCall,
  type StoreClients,
} from './lib/api-recorder';
import type { Budget, Section } from './lib/report';
import { markdownTable } from './lib/report';
import { distribution, round, runPool, type Distribution } from './lib/stats';

/**
 * Latency and throughput of the read routes over real HTTP against the local stack, next to the DynamoDB calls
 * each route makes, replayed directly through the same client at the same concurrency: the ratio is what the
 * API layer (HTTP, routing, validation, JSON, and sharing the process with the client) adds.
 */

const CONCURRENCIES = [1, 8, 32];
const DOMAIN = 'bench.test';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface RouteSpec {
  id: 'get-inbox' | 'list' | 'get' | 'wait';
  label: string;
  path: (i: number) => string;
  /** POSTed as JSON when set; otherwise a GET. */
  body?: unknown;
}

interface Cell {
  route: RouteSpec['id'];
  concurrency: number;
  requests: number;
  http: Summary;
  direct: Summary;
  /** Route p50 / direct-calls p50. */
  ratioP50: number;
  /** Store calls the route issued per request while measured (should equal the traced sequence). */
  callsPerRequest: number;
}

type Summary = Distribution & { perSecond: number };

/** The list's calls with its Query projected on the summary attributes. */
interface WhatIf {
  concurrency: number;
  asIssuedP50: number;
  summaryOnly: Summary;
}

/** The local stack's webhook job queue polls the same table: its calls are not a route's. */
const isJobQueueCall = (call: RecordedCall) => JSON.stringify(call.input ?? null).includes(JOBS_PARTITION);

interface Timed {
  latencies: number[];
  seconds: number;
}

export const run: Section = async (ctx) => {
  const messages = ctx.quick ? 100 : 500;
  const requests = ctx.quick ? 100 : 400;
  const warmup = ctx.quick ? 20 : 60;
  const rounds = ctx.quick ? 2 : 4;
  const loadAtStart = loadavg()[0];
  const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-bench-api-'));
  const recorder = new CallRecorder();
  let stack: LocalStack | undefined;
  let fallbackListener: HttpListener | undefined;
  let scheduledListener: HttpListener | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await fallbackListener?.close();
      await scheduledListener?.close();
      await stack?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    })());
  // DynamoDB Local is a child JVM: a benchmark stopped by a signal must not leave it running.
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanup().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  try {
    ctx.progress.start('starting the local stack', 1);
    stack = await startLocalStack({
      dataDir,
      host: '127.0.0.1',
      smtpPort: 0,
      httpPort: 0,
      domains: [DOMAIN],
      inMemoryTable: true,
      store: 'dynamodb-local',
      // Measures speed, not the limit: every request still counts against it (one write each).
      rateLimitPerMinute: Number.MAX_SAFE_INTEGER,
      log: quiet,
    });
    const clients = reachClients(stack.deps);
    const table = stack.deps.table;
    let apiUrl = stack.apiUrl;
    if (clients) {
      recordClients(clients, recorder);
    } else {
      // The stack's API holds the unrecorded adapter: serve a second API over a recording Table instead.
      const api = createApi({ ...stack.deps, table: recordingTable(table, recorder) }, { maxInlineDownloadBytes: Number.MAX_SAFE_INTEGER, version: MAILROOM_VERSION });
      fallbackListener = await startHttpListener({ host: '127.0.0.1', port: 0, api });
      apiUrl = `http://127.0.0.1:${fallbackListener.port}`;
    }
    const replay = replayer(clients, table);
    ctx.progress.tick();
    ctx.progress.done();

    const authorization = `Bearer ${stack.adminKey}`;
    const getOk = async (path: string, json?: unknown, baseUrl = apiUrl): Promise<string> => {
      const init: RequestInit = json === undefined ? { headers: { authorization } } : { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(json) };
      const res = await fetch(`${baseUrl}${path}`, init);
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${body.slice(0, 300)}`);
      return body;
    };
    const requestOk = (r: RouteSpec, i: number) => getOk(r.path(i), r.body);

    // One inbox, loaded through the parser path (what SES → Lambda does).
    recorder.phase = 'load';
    const created = await fetch(`${apiUrl}/v1/inboxes`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ localPart: 'bench', label: 'benchmark' }),
    });
    if (created.status !== 201) throw new Error(`creating the inbox: ${created.status} ${await created.text()}`);
    const inbox = (await created.json()) as { id: string; address: string };
    const messageIds: string[] = new Array(messages);
    ctx.progress.start(`loading ${messages} messages`, messages);
    const firstAt = Date.now() - messages * 60_000;
    await runPool(messages, 4, async (i) => {
      const { result } = await deliver(stack!.deps, await sampleMessage(i, inbox.address), [inbox.address], {
        timestamp: new Date(firstAt + i * 60_000).toISOString(),
      });
      const stored = result.stored[0];
      if (!stored || stored.duplicate) throw new Error(`message ${i} was not stored: ${JSON.stringify(result)}`);
      messageIds[i] = stored.messageId;
      ctx.progress.tick();
    });
    ctx.progress.done();

    const routes: RouteSpec[] = [
      { id: 'list', label: 'GET /v1/inboxes/{id}/messages?limit=20', path: () => `/v1/inboxes/${inbox.id}/messages?limit=20` },
      { id: 'get', label: 'GET /v1/inboxes/{id}/messages/{messageId}', path: (i) => `/v1/inboxes/${inbox.id}/messages/${messageIds[i % messages]}` },
      { id: 'get-inbox', label: 'GET /v1/inboxes/{id}', path: () => `/v1/inboxes/${inbox.id}` },
      {
        id: 'wait',
        label: 'POST /v1/inboxes/{id}/wait (a match is already there)',
        path: () => `/v1/inboxes/${inbox.id}/wait`,
        body: { subjectContains: 'password reset', timeoutSeconds: 5 },
      },
    ];

    // Which calls each route makes: one request per route, alone, with inputs recorded.
    recorder.phase = 'trace';
    const sequences = new Map<RouteSpec['id'], RecordedCall[]>();
    for (const r of routes) {
      await requestOk(r, 0); // the first request of a kind pays one-off costs; trace the second
      sequences.set(r.id, await recorder.trace(async () => void (await requestOk(r, 0)), isJobQueueCall));
    }
    const waitRoute = routes.find((r) => r.id === 'wait')!;
    if ((JSON.parse(await requestOk(waitRoute, 0)) as { timedOut: boolean }).timedOut) throw new Error('the wait route found no stored match to answer with');
    const listText = await getOk(routes[0].path(0));
    const listBodyBytes = Buffer.byteLength(listText);
    const listBody = JSON.parse(listText) as { data: unknown[] };
    if (listBody.data.length !== 20) throw new Error(`the list returned ${listBody.data.length} messages, not 20`);

    // The direct calls for request i: the traced sequence, with the traced message id swapped for request i's.
    const tracedGet = JSON.stringify(sequences.get('get')!);
    const getCalls = messageIds.map((m) => JSON.parse(tracedGet.split(messageIds[0]).join(m)) as RecordedCall[]);
    const directCalls = (id: RouteSpec['id'], i: number): RecordedCall[] => (id === 'get' ? getCalls[i % messages] : sequences.get(id)!);
    const asIssued = async (calls: RecordedCall[]) => {
      for (const round of byRound(calls)) await Promise.all(round.map(replay));
    };
    // The list's Query reads whole summary items: the same Query projected on the attributes the response
    // shows (plus the keys and expiry the listing needs) shows what reading more than that costs.
    const summaryAttributes = [...new Set([...Object.keys(listBody.data[0] as object), 'pk', 'sk', 'expiresAt'])];
    const listSequence = sequences.get('list')!;
    const queryAt = listSequence.findIndex((c) => c.source === 'sdk' && c.operation === 'Query');
    const projected: RecordedCall[] | undefined =
      queryAt < 0
        ? undefined
        : listSequence.map((c, i) =>
            i !== queryAt
              ? c
              : {
                  ...c,
                  input: {
                    ...(c.input as object),
                    ProjectionExpression: summaryAttributes.map((_, j) => `#p${j}`).join(', '),
                    ExpressionAttributeNames: Object.fromEntries(summaryAttributes.map((a, j) => [`#p${j}`, a])),
                  },
                },
          );
    const listQuery = queryAt < 0 ? undefined : await measureQuery(clients!, listSequence[queryAt], projected![queryAt]);

    interface Variant {
      name: 'http' | 'direct' | 'summaryOnly';
      once: (i: number) => Promise<void>;
    }
    /**
     * Runs the variants of one cell in alternating rounds, so that a change in background load (DynamoDB Local's
     * JIT or GC, other processes) lands on all of them rather than on whichever ran last.
     */
    const measureCell = async (label: string, concurrency: number, variants: Variant[]): Promise<Map<Variant['name'], Timed>> => {
      const out = new Map<Variant['name'], Timed>(variants.map((v) => [v.name, { latencies: [], seconds: 0 }]));
      const perRound = Math.ceil(requests / rounds);
      ctx.progress.start(label, perRound * rounds * variants.length);
      for (let pass = 0; pass < rounds; pass++) {
        for (const v of variants) {
          recorder.phase = `${v.name} ${label}`;
          if (pass === 0) await runPool(warmup, concurrency, v.once);
          const acc = out.get(v.name)!;
          const t0 = performance.now();
          await runPool(perRound, concurrency, async (k) => {
            const i = pass * perRound + k;
            const start = performance.now();
            await v.once(i);
            acc.latencies.push(performance.now() - start);
            ctx.progress.tick();
          });
          acc.seconds += (performance.now() - t0) / 1000;
        }
      }
      ctx.progress.done();
      return out;
    };
    const summary = (t: Timed) => ({ ...roundDistribution(distribution(t.latencies)), perSecond: round(t.latencies.length / t.seconds, 0) });

    // Prime DynamoDB Local's JIT and the connection pools before anything is measured.
    recorder.phase = 'warmup';
    await runPool(ctx.quick ? 60 : 600, 8, (i) => requestOk(routes[i % routes.length], i).then(() => undefined));

    const cells: Cell[] = [];
    const whatIf: WhatIf[] = [];
    const floor: { concurrency: number; http: Summary }[] = [];
    for (const concurrency of CONCURRENCIES) {
      // No store calls at all: what HTTP, the router and the client cost on their own.
      const health = await measureCell(`health c${concurrency}`, concurrency, [{ name: 'http', once: () => getOk('/v1/health').then(() => undefined) }]);
      floor.push({ concurrency, http: summary(health.get('http')!) });
      for (const r of routes) {
        const variants: Variant[] = [
          { name: 'http', once: (i) => requestOk(r, i).then(() => undefined) },
          { name: 'direct', once: (i) => asIssued(directCalls(r.id, i)) },
        ];
        if (r.id === 'list' && projected) variants.push({ name: 'summaryOnly', once: () => asIssued(projected) });
        const label = `${r.id} c${concurrency}`;
        const timings = await measureCell(label, concurrency, variants);
        const issued = Object.values(recorder.countsIn(`http ${label}`)).reduce((a, b) => a + b, 0);
        const h = summary(timings.get('http')!);
        const d = summary(timings.get('direct')!);
        cells.push({
          route: r.id,
          concurrency,
          requests: h.count,
          http: h,
          direct: d,
          ratioP50: round(h.p50 / d.p50, 2),
          callsPerRequest: round(issued / (h.count + warmup), 2),
        });
        const summaryOnly = timings.get('summaryOnly');
        if (summaryOnly) whatIf.push({ concurrency, asIssuedP50: d.p50, summaryOnly: summary(summaryOnly) });
      }
    }
    // Waiting for new mail: how long after a message is stored a waiting request returns it, and what the wait reads;
    // as `npm start` answers (told of each arrival), and as on AWS, where a wait only looks on its schedule.
    const trials = ctx.quick ? 5 : 20;
    const waitArrivals = async (label: string, baseUrl: string) => {
      recorder.phase = 'arrival';
      const delays: number[] = [];
      ctx.progress.start(`wait: mail arriving mid-wait, ${label}`, trials);
      // Traced, so the wait's own Queries can be told apart from the local job queue's polling on the same client.
      const calls = await recorder.trace(async () => {
        for (let k = 0; k < trials; k++) {
          const subject = `arrival ${k} ${Date.now()}`;
          const returned = getOk(`/v1/inboxes/${inbox.id}/wait`, { subjectContains: subject, since: new Date().toISOString(), timeoutSeconds: 10 }, baseUrl).then(() => performance.now());
          await new Promise((r) => setTimeout(r, 100 + ((k * 137) % 900)));
          await deliver(stack!.deps, await compose({ from: 'noreply@shop.example.com', to: inbox.address, subject, text: 'arrived' }), [inbox.address]);
          const storedAt = performance.now();
          delays.push((await returned) - storedAt);
          ctx.progress.tick();
        }
      });
      ctx.progress.done();
      const messageQueries = calls.filter(
        (c) => c.operation === 'Query' && String(documentForm(c).ExpressionAttributeValues?.[':pk']).includes('#I#'),
      ).length;
      return { delayMs: roundDistribution(distribution(delays)), queriesPerWait: round(messageQueries / trials, 1) };
    };
    const toldOfArrivals = await waitArrivals('npm start', apiUrl);
    const scheduledApi = createApi({ ...stack.deps, table: clients ? table : recordingTable(table, recorder), arrivals: undefined }, { maxInlineDownloadBytes: Number.MAX_SAFE_INTEGER, version: MAILROOM_VERSION });
    scheduledListener = await startHttpListener({ host: '127.0.0.1', port: 0, api: scheduledApi });
    const lookingOnSchedule = await waitArrivals('as on AWS', `http://127.0.0.1:${scheduledListener.port}`);

    recorder.phase = 'end';
    const loadAtEnd = loadavg()[0];

    const scans = recorder.total('DynamoDB Scan');
    const dynamoCalls = recorder.totalFor('DynamoDB');
    const recordedAt = clients ? 'a middleware on the DynamoDB client the stack’s Table adapter uses' : 'a recording Table port (the SDK client was not reachable)';
    const budgets: Budget[] = [
      {
        name: 'no route issues a Scan',
        target: '0 Scan commands',
        measured: `${scans} Scan in ${dynamoCalls} DynamoDB commands${clients ? '' : ' (counted at the Table port, which has no scan)'}`,
        met: scans === 0,
        ...(scans === 0 ? {} : { why: `${scans} Scan commands were recorded; see the per-phase counts in report.json` }),
      },
    ];

    const roundsOf = (id: RouteSpec['id']) => byRound(sequences.get(id)!).map((calls) => calls.map(describeCall));
    const seqText = (id: RouteSpec['id']) => roundsOf(id).map((calls) => calls.join(' + ')).join(' → ');
    const consistent = [...sequences.values()].flat().every((c) => (c.input as { ConsistentRead?: boolean } | undefined)?.ConsistentRead === true);
    const byRoute = (id: RouteSpec['id']) => routes.find((r) => r.id === id)!.label;
    const ms = (x: number) => x.toFixed(2);

    const markdown = [
      `One inbox holding ${messages} messages (composed with nodemailer, stored through the parser path), served by the local stack ` +
        `(DynamoDB Local in memory, s3rver) over HTTP on 127.0.0.1 with Node's fetch and the admin key. ` +
        `${requests} requests per cell after ${warmup} unmeasured ones, in ${rounds} rounds alternating with the direct replays below; ` +
        `the client, the API and the AWS SDK share one Node process, DynamoDB Local runs in its own JVM on the same ${cpus().length} CPUs.`,
      '',
      `**Direct** replays the route's own DynamoDB commands (recorded from a traced request, same inputs, ` +
        `${clients ? 'same SDK client and endpoint' : 'through the same Table adapter'}) ` +
        `as the route issues them (calls it makes together go out together), at the same concurrency; **ratio** = route p50 / direct p50. ` +
        `At concurrency 8 and 32 both are CPU-bound (Node and the JVM share ${cpus().length} CPUs), so latency there is mostly queueing ` +
        `and req/s is the figure to compare; p99 also catches whatever else runs on the machine ` +
        `(1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} at the end). ` +
        `The wait row is a wait whose match is already stored (it answers at once).`,
      '',
      markdownTable(
        ['route', 'concurrency', 'p50 ms', 'p99 ms', 'req/s', 'direct p50 ms', 'direct p99 ms', 'direct seq/s', 'ratio (p50)'],
        [
          ...cells.map((c) => [
            byRoute(c.route),
            c.concurrency,
            ms(c.http.p50),
            ms(c.http.p99),
            c.http.perSecond,
            ms(c.direct.p50),
            ms(c.direct.p99),
            c.direct.perSecond,
            `${c.ratioP50.toFixed(2)}×`,
          ]),
          ...floor.map((f) => ['GET /v1/health (no store calls)', f.concurrency, ms(f.http.p50), ms(f.http.p99), f.http.perSecond, '–', '–', '–', '–']),
        ],
      ),
      '',
      `**Waiting for new mail.** ${trials} waits, one at a time, each for a subject that arrives 0.1–1 s after the wait starts ` +
        `(stored through the parser path in the same process). On \`npm start\` the process that stores the mail tells waiting requests, so the ` +
        `wait returned the message **${ms(toldOfArrivals.delayMs.p50)} ms** after it was stored at the median (p99 ${ms(toldOfArrivals.delayMs.p99)} ms), ` +
        `reading ${toldOfArrivals.queriesPerWait} Queries per wait. On AWS nothing tells the API Lambda: a wait looks again after 100, 200, 400 and ` +
        `800 ms and then every second, and in between reads the newest message alone every 200 ms, looking at once when it changes. Served that way (the same stack without word of ` +
        `arrivals), the wait returned it **${ms(lookingOnSchedule.delayMs.p50)} ms** after it was stored at the median ` +
        `(p99 ${ms(lookingOnSchedule.delayMs.p99)} ms, max ${ms(lookingOnSchedule.delayMs.max)} ms), reading ${lookingOnSchedule.queriesPerWait} Queries per wait ` +
        `(one-item reads included); a 25-second wait that finds nothing makes about 30 looks and 100 one-item reads, and after its first look ` +
        `reads only mail received in the last minutes. What such a wait reads and costs is measured in the cost section.`,
      '',
      `Store calls per route (recorded by ${recordedAt}${consistent ? '; every read is strongly consistent' : ''}). ` +
        `Calls joined by + go out together, in one round trip; → waits for the round before. UpdateItem counts the request against the key's ` +
        `rate limit (the key's record itself is cached for 30 s); a read route's reads go with it, as they are all keyed by the key's org and the ` +
        `inbox and none needs another's answer:`,
      '',
      markdownTable(
        ['route', 'calls', 'calls/request while measured'],
        routes.map((r) => [
          r.label,
          seqText(r.id),
          [...new Set(cells.filter((c) => c.route === r.id).map((c) => c.callsPerRequest.toFixed(2)))].join(', '),
        ]),
      ),
      '',
      `Scan commands over the whole section (load, trace, warm-up, measurement, direct replays): **${scans}** of ${dynamoCalls} DynamoDB commands. ` +
        `(The local stack's TTL sweeper scans every 60 s on a client of its own; that is not a route and is not counted.)`,
      '',
      ...(listQuery
        ? [
            `The list's Query returns whole summary items (bodies and headers are kept in items of their own, which a ` +
              `listing never reads): ${kb(listQuery.full.bytes)} of items (${listQuery.full.capacityUnits ?? '?'} read units, strongly consistent) ` +
              `for a ${kb(listBodyBytes)} response; projected on the ${summaryAttributes.length} attributes a summary needs, ` +
              `the same Query returns ${kb(listQuery.projected.bytes)} (DynamoDB bills the same ${listQuery.projected.capacityUnits ?? '?'} read units: ` +
              `projection saves transfer and unmarshalling, not capacity).`,
            '',
          ]
        : []),
      `Direct p50 of the list's calls with its Query projected on the summary attributes (**summary projection**), beside the calls as the route issues them:`,
      '',
      markdownTable(
        ['concurrency', 'as the route does, p50 ms', 'summary projection p50 ms', 'summary projection seq/s'],
        whatIf.map((w) => [w.concurrency, ms(w.asIssuedP50), ms(w.summaryOnly.p50), w.summaryOnly.perSecond]),
      ),
    ].join('\n');

    return {
      id: 'api',
      title: 'API latency',
      markdown,
      data: {
        messages,
        requestsPerCell: requests,
        warmupPerCell: warmup,
        recordedAt: clients ? 'sdk-middleware' : 'table-port',
        routes: routes.map((r) => ({ id: r.id, route: r.label, callsByRound: roundsOf(r.id) })),
        cells,
        whatIf,
        healthFloor: floor,
        loadAverage: { start: round(loadAtStart, 2), end: round(loadAtEnd, 2) },
        listQuery: listQuery && { ...listQuery, responseBytes: listBodyBytes, summaryAttributes },
        waitArrival: { trials, toldOfArrivals, lookingOnSchedule },
        scans,
        dynamoDbCommands: dynamoCalls,
        callsByPhase: recorder.phases(),
      },
      budgets,
    };
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    await cleanup();
  }
};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Item bytes (as JSON) and read units of the list's Query, whole and projected, each sent once. */
async function measureQuery(clients: StoreClients, full: RecordedCall, projected: RecordedCall) {
  const once = async (call: RecordedCall) => {
    const out = await clients.dynamodb.send(new QueryCommand({ ...(call.input as QueryCommandInput), ReturnConsumedCapacity: 'TOTAL' }));
    const items = (out.Items ?? []).map((item) => unmarshall(item));
    return { items: items.length, bytes: Buffer.byteLength(JSON.stringify(items)), capacityUnits: out.ConsumedCapacity?.CapacityUnits };
  };
  return { full: await once(full), projected: await once(projected) };
}

function roundDistribution(d: Distribution): Distribution {
  return { count: d.count, p50: round(d.p50, 3), p99: round(d.p99, 3), mean: round(d.mean, 3), min: round(d.min, 3), max: round(d.max, 3) };
}

const TOPICS = ['Your order has shipped', 'Verify your email address', 'Weekly report', 'Invoice available', 'Password reset', 'New sign-in'];

/** Ordinary transactional mail: text and HTML, a code and a link; one in ten carries a small PDF. */
function sampleMessage(i: number, to: string): Promise<Buffer> {
  const topic = TOPICS[i % TOPICS.length];
  const code = String(100000 + ((i * 7919) % 900000));
  const link = `https://shop.example.com/orders/${i}?token=${code}`;
  const paragraph = 'Thank you for using our service. This message was sent to you because an action was taken on your account. ';
  return compose({
    from: `Shop <noreply@shop.example.com>`,
    to,
    subject: `${topic} #${i}`,
    messageId: `<bench-${i}@shop.example.com>`,
    text: `Hello,\n\n${paragraph.repeat(4)}\n\nYour code is ${code}.\nDetails: ${link}\n\n— The Shop team`,
    html: `<html><body><p>Hello,</p><p>${paragraph.repeat(4)}</p><p>Your code is <b>${code}</b>.</p><p><a href="${link}">Details</a></p></body></html>`,
    attachments: i % 10 === 0 ? [{ filename: `invoice-${i}.pdf`, content: Buffer.alloc(20_000, i % 251), contentType: 'application/pdf' }] : [],
  });
}
