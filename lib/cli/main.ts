import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMailroomClient, dataOf, liveEvents, type MailroomClient, type MailroomClientOptions, type MessageSummary, type Rule, type Scope, type Domain } from '../client';
import { createMcpServer } from '../mcp/server';

const HELP = `mailroom <command> [options]

Inboxes
  inbox create [--local-part x] [--domain d] [--label l] [--ttl-minutes n]
                                                                create an inbox; prints its address
  inbox list                                                    list inboxes
  inbox delete <inboxId>                                        delete an inbox and its mail
Messages
  messages list <inboxId> [--from x] [--subject x] [--search q] newest first; q as in the API (from:ada has:attachment invoice)
                [--blocked]                                     only the mail rules kept out of the inbox
  messages get <inboxId> <messageId>                            one message with its text
  messages raw <inboxId> <messageId>                            the message as received (to stdout)
  wait --inbox <inboxId> [--from x] [--subject x] [--since iso] [--timeout 60] [--code]
                                                                the newest matching message (--since: only newer
                                                                ones), waiting for it; exits 1 on timeout;
                                                                --code prints just its one-time code
  send --inbox <inboxId> --to a[,b] --subject s --text t        send a message from an inbox
  events [--inbox id[,id]] [--types t[,t]] [--after cursor] [--count n]
                                                                live events as they happen, one per line (with
                                                                --json, JSON lines), until Ctrl-C or n events;
                                                                --after resumes after a printed cursor or from an ISO time
Rules (the org's, or with --inbox <inboxId> that inbox's; the org's decide first)
  rules list [--inbox id]                                       in the order they decide
  rules add --direction receiving|sending --action allow|block --match m [--position n] [--note t] [--inbox id]
                                                                m: ada@example.com, example.com, *.example.com or *
  rules update <ruleId> [--action a] [--match m] [--position n] [--note t] [--inbox id]
  rules remove <ruleId> [--inbox id]
Domains (the org's own; mail there reaches its inboxes once verified)
  domains add <domain>                                          register it; prints the DNS records to add
  domains list | domains get <domain> | domains remove <domain>
Keys and webhooks
  keys create --name n --scopes a[,b] [--inbox id]              prints the new key (shown once)
  keys list | keys revoke <keyId>
  webhooks create --url u --events e[,f] | webhooks list | webhooks delete <webhookId>
Agents
  mcp                                                           an MCP server on stdio

Options: --json (machine output), --help
Environment: MAILROOM_API_URL (the API's base URL; http://127.0.0.1:3000 for npm start), MAILROOM_API_KEY (an mr_… key)
Exit codes: 0 done, 1 refused by the API or nothing arrived in time, 2 bad usage
`;

class UsageError extends Error {}

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean' },
  'local-part': { type: 'string' },
  domain: { type: 'string' },
  label: { type: 'string' },
  'ttl-minutes': { type: 'string' },
  from: { type: 'string' },
  subject: { type: 'string' },
  search: { type: 'string' },
  since: { type: 'string' },
  inbox: { type: 'string' },
  timeout: { type: 'string' },
  code: { type: 'boolean' },
  to: { type: 'string' },
  text: { type: 'string' },
  name: { type: 'string' },
  scopes: { type: 'string' },
  url: { type: 'string' },
  events: { type: 'string' },
  blocked: { type: 'boolean' },
  direction: { type: 'string' },
  action: { type: 'string' },
  match: { type: 'string' },
  position: { type: 'string' },
  note: { type: 'string' },
  types: { type: 'string' },
  after: { type: 'string' },
  count: { type: 'string' },
} as const;

type Options = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

interface Output {
  /** A result: JSON with --json, else the human line(s). */
  result(value: unknown, human: string): void;
}

export async function runCli(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream & { isTTY?: boolean } }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values: opts, positionals } = parsed;
  const [command, sub, ...rest] = positionals;
  if (!command || opts.help || command === 'help') {
    io.stdout.write(HELP);
    return command && command !== 'help' && !opts.help ? 2 : 0;
  }
  const apiUrl = process.env.MAILROOM_API_URL;
  const apiKey = process.env.MAILROOM_API_KEY;
  if (!apiUrl || !apiKey) {
    io.stderr.write('set MAILROOM_API_URL and MAILROOM_API_KEY\n');
    return 2;
  }
  if (command === 'mcp') {
    const server = await createMcpServer({ apiUrl, apiKey });
    await server.connect(new StdioServerTransport());
    return -1;
  }
  const out: Output = { result: (value, human) => io.stdout.write(`${opts.json ? JSON.stringify(value, null, 2) : human}\n`) };
  const api = createMailroomClient({ baseUrl: apiUrl, apiKey });
  try {
    await dispatch(api, out, io.stderr, command, sub, rest, opts, { client: { baseUrl: apiUrl, apiKey }, stdout: io.stdout });
    return 0;
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    if (err instanceof UsageError) io.stderr.write(`\n${HELP}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

/** `live`: for the stream of events, which prints as it goes rather than one result. */
async function dispatch(
  api: MailroomClient,
  out: Output,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  command: string,
  sub: string | undefined,
  rest: string[],
  opts: Options,
  live: { client: MailroomClientOptions; stdout: NodeJS.WritableStream },
): Promise<void> {
  const needed = (value: string | undefined, what: string) => {
    if (!value) throw new UsageError(`${command}${sub ? ` ${sub}` : ''} needs ${what}`);
    return value;
  };
  const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const line = (m: MessageSummary) => `${m.id}  ${m.receivedAt}  ${m.from?.address ?? '-'}  ${m.subject}`;

  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'inbox create': {
      const body = { localPart: opts['local-part'], domain: opts.domain, label: opts.label, ttlMinutes: opts['ttl-minutes'] ? Number(opts['ttl-minutes']) : undefined };
      const inbox = await dataOf(api.POST('/v1/inboxes', { body }));
      return out.result(inbox, `${inbox.address}  (${inbox.id})`);
    }
    case 'inbox list': {
      const page = await dataOf(api.GET('/v1/inboxes', { params: { query: { limit: 100 } } }));
      return out.result(page.data, page.data.map((i) => `${i.id}  ${i.address}${i.label ? `  ${i.label}` : ''}`).join('\n'));
    }
    case 'inbox delete': {
      const inboxId = needed(rest[0], '<inboxId>');
      await dataOf(api.DELETE('/v1/inboxes/{inboxId}', { params: { path: { inboxId } } }));
      return out.result({ deleted: inboxId }, `deleted ${inboxId}`);
    }
    case 'messages list': {
      const inboxId = needed(rest[0], '<inboxId>');
      const page = await dataOf(api.GET('/v1/inboxes/{inboxId}/messages', { params: { path: { inboxId }, query: { limit: 50, from: opts.from, subjectContains: opts.subject, q: opts.search, blocked: opts.blocked ? 'true' : undefined } } }));
      return out.result(page.data, page.data.map(line).join('\n'));
    }
    case 'messages get': {
      const [inboxId, messageId] = [needed(rest[0], '<inboxId>'), needed(rest[1], '<messageId>')];
      const m = await dataOf(api.GET('/v1/inboxes/{inboxId}/messages/{messageId}', { params: { path: { inboxId, messageId } } }));
      return out.result(m, `From: ${m.from?.address ?? '-'}\nSubject: ${m.subject}\nDate: ${m.receivedAt}\n\n${m.text ?? ''}`);
    }
    case 'messages raw': {
      const [inboxId, messageId] = [needed(rest[0], '<inboxId>'), needed(rest[1], '<messageId>')];
      const res = await api.GET('/v1/inboxes/{inboxId}/messages/{messageId}/raw', { params: { path: { inboxId, messageId } }, parseAs: 'arrayBuffer' });
      if (!res.response.ok) throw new Error(`${res.response.status}: ${(res.error as { error?: { message?: string } } | undefined)?.error?.message ?? res.response.statusText}`);
      return void process.stdout.write(Buffer.from(res.data as ArrayBuffer));
    }
    case 'wait': {
      const inboxId = needed(opts.inbox, '--inbox <inboxId>');
      const message = await waitFor(api, inboxId, opts, stderr);
      if (!message) throw new Error(`nothing matching arrived within ${opts.timeout ?? 60} s`);
      if (!opts.code) return out.result(message, line(message));
      if (message.extracted.codesWithheld) throw new Error(`message ${message.id} may be forged (${message.extracted.codesWithheld}); its codes are withheld`);
      const code = message.extracted.codes[0];
      if (!code) throw new Error(`message ${message.id} holds no code`);
      return out.result({ messageId: message.id, code }, code);
    }
    case 'send': {
      const inboxId = needed(opts.inbox, '--inbox <inboxId>');
      const body = { to: list(needed(opts.to, '--to')), subject: needed(opts.subject, '--subject'), text: needed(opts.text, '--text') };
      const sent = await dataOf(api.POST('/v1/inboxes/{inboxId}/messages', { params: { path: { inboxId } }, body }));
      return out.result(sent, `${sent.id}  ${sent.delivery}`);
    }
    case 'keys create': {
      const body = { name: needed(opts.name, '--name'), scopes: list(needed(opts.scopes, '--scopes')) as Scope[], inboxIds: opts.inbox ? list(opts.inbox) : undefined };
      const key = await dataOf(api.POST('/v1/api-keys', { body }));
      return out.result(key, key.key);
    }
    case 'keys list': {
      const page = await dataOf(api.GET('/v1/api-keys', { params: { query: { limit: 100 } } }));
      return out.result(page.data, page.data.map((k) => `${k.id}  ${k.prefix}…${k.last4}  ${k.status}  ${k.name}  ${k.scopes.join(',')}`).join('\n'));
    }
    case 'keys revoke': {
      const keyId = needed(rest[0], '<keyId>');
      await dataOf(api.DELETE('/v1/api-keys/{keyId}', { params: { path: { keyId } } }));
      return out.result({ revoked: keyId }, `revoked ${keyId}`);
    }
    case 'webhooks create': {
      const body = { url: needed(opts.url, '--url'), events: list(needed(opts.events, '--events')) as never };
      const hook = await dataOf(api.POST('/v1/webhooks', { body }));
      return out.result(hook, `${hook.id}  secret ${hook.secret} (shown once)`);
    }
    case 'webhooks list': {
      const page = await dataOf(api.GET('/v1/webhooks', { params: { query: { limit: 100 } } }));
      return out.result(page.data, page.data.map((h) => `${h.id}  ${h.enabled ? 'enabled ' : 'disabled'}  ${h.url}  ${h.events.join(',')}`).join('\n'));
    }
    case 'webhooks delete': {
      const webhookId = needed(rest[0], '<webhookId>');
      await dataOf(api.DELETE('/v1/webhooks/{webhookId}', { params: { path: { webhookId } } }));
      return out.result({ deleted: webhookId }, `deleted ${webhookId}`);
    }
    case 'events': {
      const count = opts.count === undefined ? Infinity : Number(opts.count);
      if (!(count > 0)) throw new UsageError('--count is a number of events');
      let seen = 0;
      for await (const event of liveEvents(live.client, { inboxIds: list(opts.inbox), types: list(opts.types), after: opts.after })) {
        const subject = (event.data as { subject?: string } | null)?.subject;
        live.stdout.write(`${opts.json ? JSON.stringify(event) : `${event.cursor}  ${event.type}  ${event.inboxId ?? '-'}${subject === undefined ? '' : `  ${subject}`}`}\n`);
        if (++seen >= count) return;
      }
      return;
    }
    case 'domains add': {
      const domain = await dataOf(api.POST('/v1/domains', { body: { domain: needed(rest[0], '<domain>') } }));
      return out.result(domain, domainText(domain));
    }
    case 'domains list': {
      const page = await dataOf(api.GET('/v1/domains', {}));
      return out.result(page.data, page.data.map((d) => `${d.domain}  ${d.status}`).join('\n'));
    }
    case 'domains get': {
      const domain = await dataOf(api.GET('/v1/domains/{domain}', { params: { path: { domain: needed(rest[0], '<domain>') } } }));
      return out.result(domain, domainText(domain));
    }
    case 'domains remove': {
      const domain = needed(rest[0], '<domain>');
      await dataOf(api.DELETE('/v1/domains/{domain}', { params: { path: { domain } } }));
      return out.result({ deleted: domain }, `removed ${domain}`);
    }
    case 'rules list': {
      const inboxId = opts.inbox;
      const rules = inboxId ? await dataOf(api.GET('/v1/inboxes/{inboxId}/rules', { params: { path: { inboxId } } })) : await dataOf(api.GET('/v1/rules', {}));
      return out.result(rules.data, rules.data.map(ruleLine).join('\n'));
    }
    case 'rules add': {
      const body = {
        direction: oneOf(needed(opts.direction, '--direction'), ['receiving', 'sending'] as const, '--direction'),
        action: oneOf(needed(opts.action, '--action'), ['allow', 'block'] as const, '--action'),
        match: needed(opts.match, '--match'),
        position: position(opts.position),
        note: opts.note,
      };
      const inboxId = opts.inbox;
      const rule = inboxId ? await dataOf(api.POST('/v1/inboxes/{inboxId}/rules', { params: { path: { inboxId } }, body })) : await dataOf(api.POST('/v1/rules', { body }));
      return out.result(rule, ruleLine(rule));
    }
    case 'rules update': {
      const ruleId = needed(rest[0], '<ruleId>');
      const body = { action: opts.action === undefined ? undefined : oneOf(opts.action, ['allow', 'block'] as const, '--action'), match: opts.match, position: position(opts.position), note: opts.note };
      const inboxId = opts.inbox;
      const rule = inboxId
        ? await dataOf(api.PATCH('/v1/inboxes/{inboxId}/rules/{ruleId}', { params: { path: { inboxId, ruleId } }, body }))
        : await dataOf(api.PATCH('/v1/rules/{ruleId}', { params: { path: { ruleId } }, body }));
      return out.result(rule, ruleLine(rule));
    }
    case 'rules remove': {
      const ruleId = needed(rest[0], '<ruleId>');
      const inboxId = opts.inbox;
      await (inboxId ? dataOf(api.DELETE('/v1/inboxes/{inboxId}/rules/{ruleId}', { params: { path: { inboxId, ruleId } } })) : dataOf(api.DELETE('/v1/rules/{ruleId}', { params: { path: { ruleId } } })));
      return out.result({ deleted: ruleId }, `removed ${ruleId}`);
    }
    default:
      throw new UsageError(`unknown command: ${[command, sub].filter(Boolean).join(' ')}`);
  }
}

const domainText = (d: Domain) => [`${d.domain}  ${d.status}`, ...d.records.map((r) => `  ${r.type.padEnd(5)} ${r.name}  ${r.value}`)].join('\n');

const ruleLine = (r: Rule) => `${r.id}  ${r.direction} #${r.position}  ${r.action.padEnd(5)}  ${r.match}${r.note ? `  (${r.note})` : ''}`;

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${option} is one of ${allowed.join(', ')}`);
  return value as T;
}

function position(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError('--position is a whole number from 0');
  return Number(value);
}

/** Long-polls in the API's 25-second slices until the overall timeout; a spinner only on a terminal. */
async function waitFor(api: MailroomClient, inboxId: string, opts: Options, stderr: NodeJS.WritableStream & { isTTY?: boolean }): Promise<MessageSummary | null> {
  const timeout = Number(opts.timeout ?? 60);
  if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError('--timeout is a number of seconds');
  const deadline = Date.now() + timeout * 1000;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  const spinner = stderr.isTTY ? setInterval(() => stderr.write(`\r${frames[frame++ % frames.length]} waiting for mail in ${inboxId}`), 100) : undefined;
  try {
    for (;;) {
      const slice = Math.max(0, Math.min(25, Math.ceil((deadline - Date.now()) / 1000)));
      const result = await dataOf(api.POST('/v1/inboxes/{inboxId}/wait', { params: { path: { inboxId } }, body: { from: opts.from, subjectContains: opts.subject, since: opts.since, timeoutSeconds: slice } }));
      if (result.message) return result.message;
      if (Date.now() >= deadline || slice === 0) return null;
    }
  } finally {
    if (spinner) {
      clearInterval(spinner);
      stderr.write('\r\x1b[K');
    }
  }
}

/** `npx mailroom …` (bin/mailroom.cjs). */
export function cliMain(): void {
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      // -1: a server keeps running until its client goes away.
      if (code >= 0) process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(`mailroom: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
