import { execFileSync } from 'node:child_process';
import { startBackends } from '../test/support/backends';
import { bundleSizes, type BundleSize } from './lib/parse-bundle';
import { loadWorkloads, type Workload } from './lib/parse-corpus';
import type { VariantSamples } from './lib/parse-cpu';
import { compareParsers, FIELDS, type FixtureFidelity } from './lib/parse-fidelity';
import { compareWithPython, type PythonFidelity } from './lib/python-fidelity';
import { COMPARED_FIELDS, type ComparedField } from '../test/support/python-email';
import {
  HANDLER,
  handlerPlan,
  IO_REPLAY,
  measureHandlerPath,
  withOneRequestPerEvent,
  measureHandlerPathInWorker,
  variantCount,
  type HandlerWorkloadResult,
} from './lib/parse-handler';
import { PARSE_MIME, POSTAL_MIME, SIMPLE_PARSER, SIMPLE_PARSER_OPTIONS } from './lib/parse-variants';
import type { Section } from './lib/report';
import { markdownTable } from './lib/report';
import { percentile, round } from './lib/stats';

/**
 * Parse cost: CPU per message of the parser handler path, of bare mailparser and of postal-mime;
 * how faithfully each parser reads the fixture corpus; and what each adds to a bundle.
 */

const BUDGET_RATIO = 5;
/** postal-mime is "clearly faster" when it needs at most this share of simpleParser's CPU on the corpus. */
const CLEARLY_FASTER = 0.8;
/** Above this ratio to simpleParser, postal-mime counts as slower on a size (a margin for run-to-run noise). */
const SLOWER = 1.1;

interface Summary {
  median: number;
  mean: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
  samples: number[];
  passesPerSample: number;
}

function summarise(s: VariantSamples): Summary {
  const sorted = [...s.perMessageMs].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 50),
    mean: s.meanMs,
    p25: percentile(sorted, 25),
    p75: percentile(sorted, 75),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    samples: s.perMessageMs.map((x) => round(x, 4)),
    passesPerSample: s.passesPerSample,
  };
}

/** Milliseconds with three significant digits. */
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const cell = (s: Summary | undefined) => (s ? `${ms(s.median)} (${ms(s.p25)}–${ms(s.p75)})` : '–');
const times = (x: number) => `${x.toFixed(2)}×`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** Node's own windows-1252 decoder, which postal-mime relies on for that charset. */
function textDecoderProbe(): { input: string; expected: string; got: string; correct: boolean } {
  const got = new TextDecoder('windows-1252').decode(Uint8Array.of(0x80, 0x93, 0x94, 0x85));
  return { input: '0x80 0x93 0x94 0x85', expected: '€“”…', got, correct: got === '€“”…' };
}

function pythonTable(rows: PythonFidelity[]): string {
  const cell = (f: PythonFidelity['fields'][ComparedField]) =>
    ({ agree: '✓', 'python-fffd': 'Python: U+FFFD', known: `≠ ${f.note}`, differs: `✗ ${f.note}` })[f.verdict];
  return markdownTable(['fixture', ...COMPARED_FIELDS], rows.map((r) => [`\`${r.fixture}\``, ...COMPARED_FIELDS.map((field) => cell(r.fields[field]))]));
}

function pythonSummary(rows: PythonFidelity[]): string {
  const all = rows.flatMap((r) => COMPARED_FIELDS.map((field) => r.fields[field].verdict));
  const count = (verdict: string) => all.filter((v) => v === verdict).length;
  const compared = all.length - count('python-fffd');
  return (
    `Of ${compared} fields Python could decode, ${count('agree')} agree, ${count('known')} differ for the reasons given and ${count('differs')} differ unexplained; ` +
    `${count('python-fffd')} fields are Python's U+FFFD (raw 8-bit headers that are not UTF-8, and charsets it does not know, such as x-sjis), ` +
    'which Mailroom decodes (see `test/core/real-world-mail.test.ts`).'
  );
}

function pythonVersion(): string {
  return execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim().replace(/^Python /, '');
}

export const run: Section = async (ctx) => {
  const { progress, quick } = ctx;
  const workloads = await loadWorkloads();
  const corpus = workloads[0];

  // Fidelity.
  progress.start('parse: fidelity of both parsers on the corpus', corpus.names.length);
  const fidelity = await compareParsers(corpus.names, () => progress.tick());
  progress.done();
  progress.start("parse: the corpus beside Python's email package", 1);
  const python = await compareWithPython(corpus.names);
  progress.tick();
  progress.done();

  // Bundle sizes.
  progress.start('parse: bundle sizes', 1);
  const bundles = await bundleSizes();
  progress.tick();
  progress.done();

  // CPU of the handler path against DynamoDB Local and s3rver, and of the parsers alone beside it.
  const backends = await startBackends();
  let outOfProcess: HandlerWorkloadResult[];
  let inProcess: HandlerWorkloadResult[];
  try {
    const plan = handlerPlan(quick);
    progress.start('parse: handler path and parsers, measured in a child process', workloads.length * plan.samples * variantCount(true));
    outOfProcess = await measureHandlerPathInWorker(
      { dynamodbEndpoint: backends.dynamodbEndpoint, s3Endpoint: backends.s3Endpoint, settings: backends.deps.settings, plan },
      () => progress.tick(),
    );
    progress.done();
    // Only to show what s3rver would add if the handler were measured in the process that runs it.
    const besidePlan = handlerPlan(quick, true);
    progress.start('parse: handler path, measured beside s3rver', besidePlan.samples * variantCount(false));
    inProcess = await measureHandlerPath(withOneRequestPerEvent(backends.deps), [corpus], besidePlan, false, () => progress.tick());
    progress.done();
  } finally {
    await backends.stop();
  }

  const handlerCpu = (results: HandlerWorkloadResult[]) =>
    Object.fromEntries(results.map((r) => [r.workload, Object.fromEntries(Object.entries(r.samples).map(([name, s]) => [name, summarise(s)]))])) as Record<
      string,
      Record<string, Summary>
    >;
  const handlerOut = handlerCpu(outOfProcess);
  const handlerIn = handlerCpu(inProcess);
  const ioCalls = Object.fromEntries(outOfProcess.map((r) => [r.workload, r.ioCallsPerMessage]));
  const ioByPort = Object.fromEntries(outOfProcess.map((r) => [r.workload, r.ioCpuByPort]));

  return render({ quick, workloads, fidelity, python, bundles, cpu: handlerOut, handlerIn, ioCalls, ioByPort });
};

interface Results {
  quick: boolean;
  workloads: Workload[];
  fidelity: FixtureFidelity[];
  python: PythonFidelity[];
  bundles: BundleSize[];
  /** Handler, I/O replay and the parsers alone, all sampled side by side in the child process. */
  cpu: Record<string, Record<string, Summary>>;
  /** Handler and I/O replay measured in the process that runs s3rver (corpus only). */
  handlerIn: Record<string, Record<string, Summary>>;
  ioCalls: Record<string, number[]>;
  ioByPort: Record<string, HandlerWorkloadResult['ioCpuByPort']>;
}

function render(r: Results): Awaited<ReturnType<Section>> {
  const { workloads, fidelity, python, bundles, cpu, handlerIn } = r;
  const med = (table: Record<string, Record<string, Summary>>, workload: string, variant: string) => table[workload]?.[variant]?.median ?? NaN;

  // CPU table.
  const cpuRows: [string, (w: string) => Summary | undefined][] = [
    [`bare \`simpleParser(raw)\``, (w) => cpu[w][SIMPLE_PARSER]],
    [`\`PostalMime.parse(raw)\``, (w) => cpu[w][POSTAL_MIME]],
    [`\`simpleParser\` with Mailroom's options`, (w) => cpu[w][SIMPLE_PARSER_OPTIONS]],
    [`Mailroom \`parseMime(raw)\``, (w) => cpu[w][PARSE_MIME]],
    [`**parser handler** (\`processSesEvent\`), servers outside the process`, (w) => cpu[w]?.[HANDLER]],
    [`↳ its S3 + DynamoDB calls alone (I/O replay), servers outside`, (w) => cpu[w]?.[IO_REPLAY]],
    [`parser handler, s3rver in the measuring process`, (w) => handlerIn[w]?.[HANDLER]],
    [`↳ I/O replay, s3rver in the measuring process`, (w) => handlerIn[w]?.[IO_REPLAY]],
  ];
  const cpuTable = markdownTable(
    ['CPU ms per message, median (p25–p75)', ...workloads.map((w) => w.label)],
    cpuRows.map(([label, get]) => [label, ...workloads.map((w) => cell(get(w.id)))]),
  );

  const ratioTable = markdownTable(
    ['ratio of medians', ...workloads.map((w) => w.label)],
    [
      ['parser handler / bare simpleParser', ...workloads.map((w) => times(med(cpu, w.id, HANDLER) / med(cpu, w.id, SIMPLE_PARSER)))],
      ['postal-mime / bare simpleParser', ...workloads.map((w) => times(med(cpu, w.id, POSTAL_MIME) / med(cpu, w.id, SIMPLE_PARSER)))],
      ['parseMime / bare simpleParser', ...workloads.map((w) => times(med(cpu, w.id, PARSE_MIME) / med(cpu, w.id, SIMPLE_PARSER)))],
    ],
  );

  // Where the handler's CPU goes.
  const breakdown = (w: string) => {
    const handler = med(cpu, w, HANDLER);
    const io = med(cpu, w, IO_REPLAY);
    const parse = med(cpu, w, PARSE_MIME);
    const bare = med(cpu, w, SIMPLE_PARSER);
    const rest = handler - io - parse;
    const wrapper = parse - med(cpu, w, SIMPLE_PARSER_OPTIONS);
    const port = r.ioByPort[w];
    const perCall = (p: { calls: number; ms: number } | undefined) => (p && p.calls ? p.ms / p.calls : NaN);
    const calls = r.ioCalls[w] ?? [];
    return {
      handler,
      io,
      parse,
      wrapper,
      bare,
      rest,
      s3rver: med(handlerIn, w, HANDLER) - handler,
      callsPerMessage: calls.reduce((a, b) => a + b, 0) / calls.length,
      perDynamoDbCallMs: perCall(port?.table),
      perS3CallMs: perCall(port?.blobs),
    };
  };
  const signed = (x: number) => (x < 0 ? `≈ 0 ms (−${ms(-x)} ms, within noise)` : `${ms(x)} ms`);
  const share = (x: number, of: number) => `${ms(x)} ms (${Math.round((100 * x) / of)} %)`;
  const breakdownTable = markdownTable(
    ['parser handler CPU per message, servers outside', ...workloads.map((w) => w.label)],
    [
      ['total', ...workloads.map((w) => `${ms(breakdown(w.id).handler)} ms`)],
      ['S3 + DynamoDB client work (I/O replay)', ...workloads.map((w) => share(breakdown(w.id).io, breakdown(w.id).handler))],
      ['↳ client CPU per DynamoDB call', ...workloads.map((w) => `${ms(breakdown(w.id).perDynamoDbCallMs)} ms`)],
      ['↳ client CPU per S3 call', ...workloads.map((w) => `${ms(breakdown(w.id).perS3CallMs)} ms`)],
      ['`parseMime` (mailparser + Mailroom wrapper)', ...workloads.map((w) => share(breakdown(w.id).parse, breakdown(w.id).handler))],
      ["↳ the wrapper's own share (parseMime − simpleParser with its options)", ...workloads.map((w) => signed(breakdown(w.id).wrapper))],
      ['rest: recipients, extraction, item building, extra GC (difference)', ...workloads.map((w) => (breakdown(w.id).rest < 0 ? signed(breakdown(w.id).rest) : share(breakdown(w.id).rest, breakdown(w.id).handler)))],
      ['S3 + DynamoDB calls per message', ...workloads.map((w) => String(r.ioCalls[w.id]?.length === 1 ? r.ioCalls[w.id][0] : `${Math.min(...r.ioCalls[w.id])}–${Math.max(...r.ioCalls[w.id])}`))],
      ['s3rver CPU that would leak in if it shared the process', ...workloads.map((w) => (Number.isNaN(breakdown(w.id).s3rver) ? '–' : `${ms(breakdown(w.id).s3rver)} ms`))],
    ],
  );

  // Budget.
  const c = breakdown('corpus');
  const corpusAverage = Math.round(workloads[0].messages.reduce((a, m) => a + m.length, 0) / workloads[0].messages.length);
  const ratio = c.handler / c.bare;
  const met = ratio <= BUDGET_RATIO;
  const overMs = c.handler - BUDGET_RATIO * c.bare;
  const why = met
    ? undefined
    : `${times(ratio)} is ${times(ratio / BUDGET_RATIO)} the budget (${ms(overMs)} ms/message over). Of the handler's ${ms(c.handler)} ms, ` +
      `${ms(c.io)} ms (${Math.round((100 * c.io) / c.handler)} %) is the AWS SDK clients' work for its ${c.callsPerMessage.toFixed(1)} ` +
      `S3/DynamoDB calls per message (middleware, signing, HTTP, (un)marshalling: about ${ms(c.perDynamoDbCallMs)} ms per DynamoDB call and ` +
      `${ms(c.perS3CallMs)} ms per S3 call), which alone is ${times(c.io / c.bare)} a bare parse; ` +
      `parseMime is ${ms(c.parse)} ms vs ${ms(c.bare)} ms bare; the rest of the handler is ${signed(c.rest)}.` +
      (c.io > c.parse
        ? ` The parse is not where the time goes: the budget compares a whole handler, I/O included, with a parse of messages that average ${corpusAverage} bytes.`
        : '');

  // Fidelity table.
  const mark = (x: string | null) => x ?? '✓';
  const readme = (missed: string[], extra?: string) => (missed.length === 0 ? '✓' : `✗ ${missed.join(', ')}${extra ?? ''}`);
  const fidelityTable = markdownTable(
    ['fixture', ...FIELDS, 'mailparser meets README', 'postal-mime meets README'],
    fidelity.map((f) => [
      `\`${f.fixture}\`${f.parseMimeOutcome === 'ok' ? '' : ` (parseMime: ${f.parseMimeOutcome})`}`,
      ...FIELDS.map((field) => mark(f.differences[field])),
      readme(f.mailparserMisses),
      readme(
        f.postalMimeMisses,
        f.postalMimeMisses.length > 0 && f.postalMimeMissesWithHeaderStep.length === 0 ? " (✓ behind parseMime's Latin-1 header step)" : '',
      ),
    ]),
  );
  const mpMeets = fidelity.filter((f) => f.mailparserMisses.length === 0).length;
  const pmMeets = fidelity.filter((f) => f.postalMimeMisses.length === 0).length;
  const pmMeetsWithStep = fidelity.filter((f) => f.postalMimeMissesWithHeaderStep.length === 0).length;
  const pmOnlyMisses = fidelity.filter((f) => f.postalMimeMissesWithHeaderStep.length > 0 && f.mailparserMisses.length === 0).map((f) => f.fixture);
  const mpOnlyMisses = fidelity.filter((f) => f.mailparserMisses.length > 0 && f.postalMimeMissesWithHeaderStep.length === 0).map((f) => f.fixture);
  const normalisedAway = [...new Set(fidelity.flatMap((f) => f.normalisedAway))].map(
    (why) => `${why} (${fidelity.filter((f) => f.normalisedAway.includes(why)).length})`,
  );
  const probe = textDecoderProbe();
  const pmMissed = (fixture: string) => fidelity.some((f) => f.fixture === fixture && f.postalMimeMisses.length > 0);
  const pmCauses = [
    pmMissed('windows-1252-body') &&
      `windows-1252 — it decodes through Node's \`TextDecoder\`, and on this Node (${process.version}) \`new TextDecoder('windows-1252')\` turns ` +
        `bytes ${probe.input} into ${JSON.stringify(probe.got)} instead of "${probe.expected}"${probe.correct ? '' : ' (a Node regression since 20.18.3 / 22.13.0)'}, ` +
        `so smart quotes, dashes, € and ™ vanish from the subject and body; postal-mime sends every Latin-1 label through that decoder too. ` +
        `mailparser decodes with iconv-lite's own tables and gets them right`,
    pmMissed('rfc2047-encoded-headers') &&
      `an RFC 2047 UTF-8 character split across two B-encoded words (山田太郎) — postal-mime decodes the words separately and produces U+FFFD`,
    (pmMissed('calendar-invite') || pmMissed('forwarded-message')) &&
      `7bit \`text/calendar\` and \`message/rfc822\` attachments — postal-mime turns their CRLF line ends into LF, so the invite and the forwarded message ` +
        `are no longer byte-identical to the originals (mailparser returns the original bytes)`,
    pmMissed('malformed-8bit-latin1-headers') &&
      `raw Latin-1 bytes in headers — postal-mime reads them as UTF-8 (U+FFFD); Mailroom passes with mailparser only thanks to parseMime's own ` +
        `re-encoding step, which would work in front of postal-mime too`,
  ].filter((x): x is string => typeof x === 'string');
  const differs = (f: FixtureFidelity) => FIELDS.some((field) => f.differences[field] !== null);
  const verdictOn = (name: string) => {
    const f = fidelity.find((x) => x.fixture === name);
    if (!f) return `${name}: not in the corpus`;
    const who = [f.mailparserMisses.length === 0 && 'mailparser', f.postalMimeMisses.length === 0 && 'postal-mime'].filter(Boolean);
    return `${name} ${who.length === 2 ? 'correct in both' : who.length === 1 ? `correct only in ${who[0]}` : 'wrong in both'}`;
  };
  const charsetSentence = `Charsets: ${['iso-8859-1-body', 'shift-jis-body-and-subject', 'windows-1252-body'].map(verdictOn).join('; ')}.`;
  const malformed = fidelity.filter((f) => f.fixture.startsWith('malformed-'));
  const malformedDiffering = malformed.filter(differs).map((f) => `\`${f.fixture}\``);
  const flagged = malformed.filter((f) => f.parseMimeOutcome !== 'ok').map((f) => `\`${f.fixture}\` (${f.parseMimeOutcome})`);
  const malformedSentence =
    `Malformed mail: neither parser throws on any of the ${malformed.length} broken messages; they read ${malformed.length - malformedDiffering.length} of them alike` +
    (malformedDiffering.length ? ` and differ on ${malformedDiffering.join(', ')}` : '') +
    `. ${flagged.length ? `parseMime records ${flagged.join(', ')} as a parse error through its own MIME skeleton scan, which is independent of the parser; ` : ''}` +
    `neither parser flags such a message by itself.`;
  const atLeastAsFaithful = pmOnlyMisses.length === 0 && pmMeetsWithStep >= mpMeets;
  const mailparserMoreFaithful = pmOnlyMisses.length > 0 && mpOnlyMisses.length === 0;

  // Bundle table.
  const [mpBundle, pmBundle] = bundles;
  const bundleTable = markdownTable(
    ['bundle (esbuild as the Lambda functions are built)', 'minified', 'gzip', 'largest parts'],
    bundles.map((b) => [
      `${b.name} — \`${b.entry}\``,
      kb(b.bytes),
      kb(b.gzipBytes),
      b.byPackage
        .filter((p) => p.bytes >= 500)
        .slice(0, 5)
        .map((p) => `${p.name} ${kb(p.bytes)}`)
        .join(', '),
    ]),
  );
  const dual = bundles.find((b) => b.entry.endsWith('parser.ts'))?.dualBuilds ?? [];

  // Recommendation.
  const pmRatio = med(cpu, 'corpus', POSTAL_MIME) / med(cpu, 'corpus', SIMPLE_PARSER);
  const pmRatios = workloads.map((w) => ({ label: w.label, ratio: med(cpu, w.id, POSTAL_MIME) / med(cpu, w.id, SIMPLE_PARSER) }));
  const pmSlowerSomewhere = pmRatios.filter((x) => x.ratio > SLOWER).map((x) => x.label);
  const clearlyFaster = pmRatio <= CLEARLY_FASTER && pmSlowerSomewhere.length === 0;
  const smaller = pmBundle.bytes < mpBundle.bytes;
  const switchParser = atLeastAsFaithful && clearlyFaster && smaller;
  const savedCorpus = med(cpu, 'corpus', SIMPLE_PARSER) - med(cpu, 'corpus', POSTAL_MIME);
  const saved2m = med(cpu, 'attachments-2m', SIMPLE_PARSER) - med(cpu, 'attachments-2m', POSTAL_MIME);
  const conditions = [
    `at least as faithful: ${atLeastAsFaithful ? 'yes' : `no — postal-mime misses the README on ${pmOnlyMisses.map((f) => `\`${f}\``).join(', ')}, where mailparser does not`}`,
    `clearly faster (≤ ${CLEARLY_FASTER}× simpleParser's CPU on the corpus and more than ${Math.round((SLOWER - 1) * 100)} % slower on no size): ` +
      `${clearlyFaster ? 'yes' : 'no'} — ${pmRatios.map((x) => `${times(x.ratio)} on ${x.label}`).join(', ')}`,
    `smaller: ${smaller ? 'yes' : 'no'} — ${kb(pmBundle.bytes)} vs ${kb(mpBundle.bytes)} minified`,
  ];
  const recommendation = switchParser
    ? `**Switch to postal-mime.** It meets all three conditions: ${conditions.join('; ')}.`
    : `**Keep mailparser.** Switching requires postal-mime to be at least as faithful, clearly faster and smaller; here: ${conditions.join('; ')}. ` +
      `What keeping mailparser costs: ${savedCorpus >= 0 ? `${ms(savedCorpus)} ms more` : `${ms(-savedCorpus)} ms less`} CPU per corpus message than postal-mime ` +
      `(${Math.round((100 * Math.abs(savedCorpus)) / c.handler)} % of the parser handler's ${ms(c.handler)} ms; on the 2 MB message mailparser is ` +
      `${saved2m >= 0 ? `${ms(saved2m)} ms dearer` : `${ms(-saved2m)} ms cheaper`}), and ${kb(mpBundle.bytes - pmBundle.bytes)} minified ` +
      `(${kb(mpBundle.gzipBytes - pmBundle.gzipBytes)} gzip) more code in the parser Lambda, the largest part ${mpBundle.byPackage[0].name} (${kb(mpBundle.byPackage[0].bytes)})` +
      `${mpBundle.byPackage[0].name === 'iconv-lite' ? ", the charset tables that also decode windows-1252 correctly" : ''}.` +
      (c.io > c.parse ? " The handler's CPU is dominated by its S3/DynamoDB client calls, so the parser choice moves the handler's cost far less than the bare ratios suggest." : '');

  const sizes = workloads.map((w) => `${w.label}: ${w.messages.reduce((a, m) => a + m.length, 0).toLocaleString('en')} bytes`).join('; ');
  const hPlan = handlerPlan(r.quick);
  const besidePlan = handlerPlan(r.quick, true);

  const markdown = [
    '### CPU per message',
    '',
    cpuTable,
    '',
    ratioTable,
    '',
    `Inputs: ${sizes}. The three sizes are composed with nodemailer's MailComposer (\`test/support/mime.ts\`).`,
    '',
    `Method: CPU is \`process.cpuUsage()\` user + system of the measuring process (all its threads, garbage collection included), not wall time, ` +
      `counted only inside each call. All rows except the last two are sampled side by side in one child process ` +
      `(\`bench/lib/parse-handler-worker.ts\`), so the ratios compare like with like even while the machine's load changes. ` +
      `Every variant is warmed up first (at least ${hPlan.warmupPasses} passes over the messages, ${hPlan.warmupMessages} messages handled and ${hPlan.warmupMs} ms of CPU, since the handler's code takes dozens of calls to be compiled; the handler also gets one ` +
      `delivery that creates the inbox and one recorded delivery per message), then sampled ${hPlan.samples} times round-robin across variants with the ` +
      `order rotating; no garbage collection is forced between samples (after a forced one the handler ran up to 2.5× slower for its next calls, the extra time spent in its own JavaScript rather than in the collection), so collections fall where they would in a busy function. Each sample runs whole passes over the messages until it has used at least ` +
      `${hPlan.minSampleMs} ms of CPU. Cells are the median sample with p25–p75; ` +
      `report.json also has every sample and the mean (total CPU over all messages). ` +
      `The handler path is \`processSesEvent\` on an SES event against DynamoDB Local and s3rver from \`startBackends()\`; storing the raw message ` +
      `beforehand (the receipt rule's S3 action) is not measured, and each delivery gets a new Message-ID of the same length, so every one is ` +
      `new mail, as in real traffic, not the same message again. Publishing message.received (PutEvents on AWS) is one table write through the SDK, ` +
      `standing in for that one request; nothing else of the event runs in the measuring process. DynamoDB Local is a Java child process, so its CPU never counts. s3rver, however, ` +
      `runs inside the process that starts it, so a handler measured there is also charged for s3rver serving its requests (the last two rows, ` +
      `corpus only, ${besidePlan.samples} samples). That is why the headline numbers come from the child process, which runs the handler against the ` +
      `backends started in the parent: its CPU is the handler's own plus its AWS SDK clients', as on Lambda. The I/O replay repeats, per message, exactly ` +
      `the S3 and DynamoDB calls the handler made (same payloads, a fresh message id) and nothing else, which measures the SDK client side of the ` +
      `handler's I/O. Here the SDK talks plain HTTP to local servers; on Lambda it uses HTTPS to AWS, so TLS adds to the SDK's share there.` +
      (r.quick ? ' This is a quick run: few samples, so the numbers are rough.' : ''),
    '',
    '#### Where the parser handler’s CPU goes',
    '',
    breakdownTable,
    '',
    '### Fidelity: mailparser (through parseMime) vs postal-mime',
    '',
    `Every corpus message through Mailroom's \`parseMime\` (mailparser) and through \`PostalMime.parse\`, normalised to Mailroom's view ` +
      `(groups flattened, attachment bytes as size + sha256, trailing whitespace of text and HTML ignored). ✓: both parsers agree. ` +
      `The last two columns judge each parser against what \`test/fixtures/emails/README.md\` says the message exercises (the concrete values are the ones the ` +
      `corpus specification asserts; attachments are compared with the original files in \`test/fixtures/attachments\`).`,
    '',
    fidelityTable,
    '',
    `Differences the normalisation hid (fixtures): ${normalisedAway.join('; ') || 'none'}.`,
    '',
    `**Verdict: ${mailparserMoreFaithful ? 'mailparser (through parseMime) is more faithful' : atLeastAsFaithful ? 'postal-mime is at least as faithful' : 'neither is strictly more faithful'}.** ` +
      `mailparser meets the README on ${mpMeets}/${fidelity.length} messages, postal-mime on ${pmMeets}/${fidelity.length} ` +
      `(${pmMeetsWithStep}/${fidelity.length} if it kept parseMime's parser-independent step that re-reads raw Latin-1 header bytes). ` +
      (pmCauses.length ? `postal-mime's misses: ${pmCauses.join('; ')}. ` : '') +
      `${charsetSentence} ${malformedSentence} ` +
      (mpMeets === fidelity.length
        ? 'mailparser misses nothing the README states.'
        : `mailparser misses on ${fidelity.filter((f) => f.mailparserMisses.length).map((f) => `\`${f.fixture}\` (${f.mailparserMisses.join(', ')})`).join(', ')}.`),
    '',
    "### Fidelity: Mailroom vs Python's `email` package",
    '',
    `Subject, sender (name and address) and attachments (filename and sha256) of every corpus message, from Mailroom's \`parseMime\` and from ` +
      `Python ${pythonVersion()}'s \`email\` package with \`policy=default\` (\`test/support/python-email-view.py\`). ✓: the same; ` +
      `"Python: U+FFFD": Python could not decode the field, so it is not compared; "≠": they differ, and why.`,
    '',
    pythonTable(python),
    '',
    pythonSummary(python),
    '',
    '### Bundle size',
    '',
    bundleTable,
    '',
    `Each parser alone is a two-line entry requiring it. ${dual.length ? `The parser Lambda bundles ${dual.map((d) => `${d.name} (${kb(d.bytes)})`).join(', ')} twice: Mailroom's own \`import libmime\` resolves to the ESM build while mailparser requires the CommonJS one.` : ''}`,
    '',
    '### Recommendation',
    '',
    recommendation,
    '',
  ].join('\n');

  return {
    id: 'parse',
    title: 'Parse cost',
    markdown,
    budgets: [
      {
        name: `parser handler ≤ ${BUDGET_RATIO}× bare simpleParser CPU`,
        target: `≤ ${BUDGET_RATIO}× bare simpleParser CPU per message (fixture corpus, servers outside the measuring process)`,
        measured: `${times(ratio)} (${ms(c.handler)} ms vs ${ms(c.bare)} ms)`,
        met,
        why,
      },
    ],
    data: {
      method: {
        cpu: 'process.cpuUsage user+system, inside each call only; medians of samples; handler and parsers sampled side by side in a child process, so the in-process s3rver CPU is excluded',
        plan: hPlan,
        besideS3rverPlan: besidePlan,
        quick: r.quick,
      },
      workloads: workloads.map((w) => ({ id: w.id, label: w.label, messages: w.names, bytes: w.messages.map((m) => m.length) })),
      cpuMsPerMessage: {
        childProcess: r.cpu,
        besideS3rver: handlerIn,
      },
      ioCallsPerMessage: r.ioCalls,
      ioClientCpuByPort: r.ioByPort,
      ratios: Object.fromEntries(
        workloads.map((w) => [
          w.id,
          {
            handlerOverSimpleParser: round(med(cpu, w.id, HANDLER) / med(cpu, w.id, SIMPLE_PARSER), 3),
            postalMimeOverSimpleParser: round(med(cpu, w.id, POSTAL_MIME) / med(cpu, w.id, SIMPLE_PARSER), 3),
            parseMimeOverSimpleParser: round(med(cpu, w.id, PARSE_MIME) / med(cpu, w.id, SIMPLE_PARSER), 3),
            inProcessHandlerOverSimpleParser: round(med(handlerIn, w.id, HANDLER) / med(cpu, w.id, SIMPLE_PARSER), 3),
          },
        ]),
      ),
      handlerBreakdownMs: Object.fromEntries(workloads.map((w) => [w.id, breakdown(w.id)])),
      fidelity: {
        mailparserMeetsReadme: mpMeets,
        postalMimeMeetsReadme: pmMeets,
        postalMimeMeetsReadmeWithHeaderStep: pmMeetsWithStep,
        fixtures: fidelity,
        textDecoderProbe: probe,
      },
      bundles,
      recommendation: { switchToPostalMime: switchParser, atLeastAsFaithful, clearlyFaster, smaller, postalMimeCpuRatioOnCorpus: round(pmRatio, 3) },
    },
  };
}
