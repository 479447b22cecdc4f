import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { subjectWith, template, tokenFor, withToken } from './lib/bench-messages';
import { cpuByPartTable, cpuMeter, LISTING_POLL_MS, startMaildev, startMailroom, type Mailbox, type Peer, type Watcher } from './lib/ingest-peers';
import { markdownTable, type BenchContext, type Budget, type Section } from './lib/report';
import { distribution, round, runPool, type Distribution } from './lib/stats';

/**
 * Send and wait: what a test does with each email. Every client sends one message on a connection of its own
 * (nodemailer's default) and waits until the message is readable before it sends the next, so latency here runs
 * from the send to readable, connection set-up included, and throughput is what that loop allows.
 */

type ReadBy = 'wait route' | 'listing polls';
interface LoopResult {
  peer: string;
  readBy: ReadBy;
  concurrency: number;
  messages: number;
  perSecond: number;
  /** From calling sendMail to the message being readable. */
  latencyMs: Distribution;
  /** The sendMail call alone: connect, greeting, envelope, DATA, 250. */
  sendMs: Distribution;
  lost: number;
  /** The server's CPU per message, in all and by process (Mailroom: Node, DynamoDB Local, s3rver). */
  serverCpuMs: { total: number; byPart: Record<string, number> };
}

const SIZE = 2 * 1024;
/** Long enough for the slowest peer to show a message after its 250. */
const VISIBILITY_TIMEOUT_MS = 60_000;
const WARMUP_MESSAGES = 300;

/** Resolves each subject's promise when a listing first shows it; polls only while something is awaited. */
function listingPoller(watcher: Watcher) {
  const awaited = new Map<string, () => void>();
  const seen = new Set<string>();
  let polling: Promise<void> | undefined;
  const poll = async () => {
    try {
      while (awaited.size > 0) {
        // A failed listing is tried again at the next poll; what it would have shown is still there then.
        for (const subject of await watcher.newlyVisible().catch(() => [])) {
          seen.add(subject);
          awaited.get(subject)?.();
        }
        await new Promise((r) => setTimeout(r, LISTING_POLL_MS));
      }
    } finally {
      polling = undefined;
    }
  };
  return (subject: string) =>
    new Promise<void>((resolve, reject) => {
      if (seen.has(subject)) return resolve();
      const timer = setTimeout(() => (awaited.delete(subject), reject(new Error(`${subject} did not show within ${VISIBILITY_TIMEOUT_MS} ms`))), VISIBILITY_TIMEOUT_MS);
      awaited.set(subject, () => (clearTimeout(timer), awaited.delete(subject), resolve()));
      polling ??= poll();
    });
}

function readerFor(mailbox: Mailbox, readBy: ReadBy): (subject: string) => Promise<void> {
  if (readBy === 'wait route') {
    if (!mailbox.waitFor) throw new Error('this peer has no wait route');
    return mailbox.waitFor;
  }
  return listingPoller(mailbox.watcher!);
}

async function loop(peer: Peer, readBy: ReadBy, concurrency: number, messages: number, raw: Buffer, label: string, ctx: BenchContext): Promise<LoopResult> {
  const mailbox = await peer.openMailbox(label);
  const readable = readerFor(mailbox, readBy);
  const latencies: number[] = [];
  const sends: number[] = [];
  let lost = 0;
  const cpu = cpuMeter(peer);
  const start = performance.now();
  ctx.progress.start(`${peer.name} by ${readBy}, ${concurrency} at once, ×${messages}`, messages);
  await runPool(messages, concurrency, async (i) => {
    const token = tokenFor(label, i);
    const transport = nodemailer.createTransport({ host: peer.smtp.host, port: peer.smtp.port, secure: false, ignoreTLS: true });
    const sentAt = performance.now();
    try {
      await transport.sendMail({ envelope: { from: 'bench@example.com', to: [mailbox.to] }, raw: withToken(raw, token) });
      sends.push(performance.now() - sentAt);
      await readable(subjectWith(token));
      latencies.push(performance.now() - sentAt);
    } catch {
      lost++;
    } finally {
      transport.close();
    }
    ctx.progress.tick();
  });
  const seconds = (performance.now() - start) / 1000;
  ctx.progress.done();
  return {
    peer: peer.name,
    readBy,
    concurrency,
    messages,
    perSecond: round((messages - lost) / seconds),
    latencyMs: distribution(latencies),
    sendMs: distribution(sends),
    lost,
    serverCpuMs: cpu.perMessage(messages - lost),
  };
}

export const run: Section = async (ctx) => {
  const results: LoopResult[] = [];
  const peers: Peer[] = [];
  try {
    peers.push(await startMailroom('embedded'), await startMailroom('dynamodb-local'), await startMaildev());
    const [mailroom, fidelity, maildev] = peers;
    const raw = await template(SIZE);
    const runs: [Peer, ReadBy][] = [
      [mailroom, 'wait route'],
      [mailroom, 'listing polls'],
      [fidelity, 'wait route'],
      [maildev, 'listing polls'],
    ];
    // Unmeasured, so the first cell does not pay for a cold start (V8's and DynamoDB Local's JIT, first connections).
    for (const peer of peers) await loop(peer, 'listing polls', 8, ctx.quick ? 40 : WARMUP_MESSAGES, raw, 'warm', ctx);
    let n = 0;
    for (const [concurrency, messages] of [
      [1, ctx.quick ? 20 : 100],
      [8, ctx.quick ? 80 : 400],
    ]) {
      for (const [peer, readBy] of runs) results.push(await loop(peer, readBy, concurrency, messages, raw, `w${n++}`, ctx));
    }
  } finally {
    for (const peer of peers) await peer.stop();
  }

  const ms = (d: Distribution, key: 'p50' | 'p99') => (d.count ? round(d[key]) : '–');
  const rows = results.map((r) => [r.concurrency, r.peer, r.readBy, r.perSecond, ms(r.latencyMs, 'p50'), ms(r.latencyMs, 'p99'), ms(r.sendMs, 'p50'), r.serverCpuMs.total, r.lost]);
  const mailroomCpu = results.filter((r) => r.peer.startsWith('Mailroom')).map((r) => ({ cells: [r.peer, r.concurrency, r.readBy], cpu: r.serverCpuMs }));
  const lost = results.reduce((sum, r) => sum + r.lost, 0);
  const at8 = (peer: string, readBy: ReadBy) => results.find((r) => r.peer === peer && r.readBy === readBy && r.concurrency === 8);
  const [polled, waited, maildevPolled] = [at8('Mailroom', 'listing polls'), at8('Mailroom', 'wait route'), at8('maildev', 'listing polls')];
  const budgets: Budget[] = [{ name: 'messages lost', target: '0', measured: String(lost), met: lost === 0, why: lost ? 'see the table: messages not readable within a minute' : undefined }];
  if (polled && waited && maildevPolled) {
    const met = polled.latencyMs.p50 <= maildevPolled.latencyMs.p50;
    budgets.unshift({
      name: 'npm start, send → readable p50 at 8 clients, read by listing polls as maildev is',
      target: "≤ maildev's",
      measured: `${round(polled.latencyMs.p50)} ms vs maildev's ${round(maildevPolled.latencyMs.p50)} ms (by the wait route: ${round(waited.latencyMs.p50)} ms)`,
      met,
      why: met ? undefined : `Mailroom's processes spend ${polled.serverCpuMs.total} ms of CPU per message against maildev's ${maildevPolled.serverCpuMs.total} ms`,
    });
  }

  const markdown = [
    'What a test does with each email: every client sends one 2 KB message on a connection of its own (nodemailer\'s',
    'default transport) and waits until it is readable before sending the next; 8 clients stand for 8 test workers.',
    '**send → readable** runs from calling `sendMail` to the message being readable, so it includes opening the',
    "connection, which smtp-server delays by 100 ms in maildev and not in Mailroom; **send** is the `sendMail` call alone.",
    "Mailroom is read two ways: through its wait route (`POST …/wait` with the subject, which answers as soon as the",
    'message is stored), as a test would, and by polling its listing every 10 ms, as the ingest section reads every peer;',
    `maildev by polling its listing. **Mailroom** is \`npm start\` with its embedded stores; **Mailroom on DynamoDB Local**`,
    '`MAILROOM_STORE=dynamodb-local npm start`, read by its wait route.',
    `Each peer first handles ${WARMUP_MESSAGES} unmeasured messages (8 clients, polled).`,
    '',
    markdownTable(['clients', 'peer', 'read by', 'msg/s', 'send → readable p50 ms', 'p99 ms', 'send p50 ms', 'server CPU ms/msg', 'lost'], rows),
    '',
    "Mailroom's CPU per message by process (ms): the Node process runs SMTP, the spool, the parser handler, the job",
    'queue and the API (and the embedded stores when they are used); DynamoDB Local is a JVM; s3rver a Node process of its own.',
    '',
    cpuByPartTable(['peer', 'clients', 'read by'], mailroomCpu),
  ].join('\n');

  return {
    id: 'send-and-wait',
    title: 'Send and wait',
    markdown,
    data: { results },
    budgets,
  };
};
