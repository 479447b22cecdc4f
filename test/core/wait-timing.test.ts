import type { CoreDeps } from '../../lambdas/core/deps';
import { waitForMessage } from '../../lambdas/core/wait-for-message';
import { LocalArrivals } from '../../lambdas/local/local-arrivals';
import type { Item, QueryInput, Table } from '../../lambdas/ports';

/**
 * How soon a wait notices new mail is a matter of when it looks, so it is checked in the test clock's time:
 * exact, and unaffected by how busy the machine running the tests is.
 */
const inbox = { pk: 'O#org_t', sk: 'I#inb_t', type: 'inbox', id: 'inb_t', orgId: 'org_t' };
let messages: Item[];
let queries: number;
/** Reads of the newest message alone, between looks. */
let topChecks: number;
/** Runs inside a look, after its read: mail stored while a look is under way. */
let duringLook: (() => void) | undefined;

/** Just the reads a wait makes: the inbox, and its newest messages. */
const table = {
  get: async (key: { pk: string; sk: string }) => (key.sk === inbox.sk ? inbox : undefined),
  query: async (input: QueryInput) => {
    queries++;
    if (input.limit === 1) topChecks++;
    const items = messages.filter((m) => m.pk === input.pk && m.sk.startsWith(input.skPrefix)).sort((a, b) => b.sk.localeCompare(a.sk));
    duringLook?.();
    return { items: items.slice(0, input.limit) };
  },
} as unknown as Table;
const deps = { table, clock: { now: () => new Date() } } as unknown as CoreDeps;

const message = (n: number): Item => ({
  pk: 'O#org_t#I#inb_t',
  sk: `M#msg_${n}`,
  id: `msg_${n}`,
  subject: `message ${n}`,
  from: { name: 'Robot', address: 'robot@example.com' },
  receivedAt: new Date().toISOString(),
  hasAttachments: false,
  quarantined: false,
  extracted: { codes: [], links: [], codesWithheld: null },
});

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
  messages = [];
  queries = 0;
  topChecks = 0;
  duringLook = undefined;
});
afterEach(() => jest.useRealTimers());

describe('how soon a wait answers', () => {
  it('answers at once, with one read, when a matching message is already there', async () => {
    messages.push(message(1));
    const result = await waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 25 });
    expect(result.message?.subject).toBe('message 1');
    expect(queries).toBe(1);
  });

  it.each([0.05, 2, 10, 24])('returns a message that arrives %s s into the wait within 200 ms of its arrival', async (arrivesAfter) => {
    let settled: number | undefined;
    const since = new Date().toISOString();
    const started = Date.now();
    void waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 25, since }).then((r) => {
      settled = Date.now();
      expect(r.message?.subject).toBe('message 2');
    });
    await jest.advanceTimersByTimeAsync(arrivesAfter * 1000);
    messages.push(message(2));
    const arrival = Date.now();
    await jest.advanceTimersByTimeAsync(200);
    expect(settled).toBeDefined();
    expect(settled! - arrival).toBeLessThanOrEqual(200);
    expect(settled! - started).toBeGreaterThanOrEqual(arrivesAfter * 1000);
  });

  it('finds a message stored late, beneath newer mail, at its next look (within a second)', async () => {
    messages.push(message(5));
    let settled: number | undefined;
    void waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 25, subjectContains: 'message 3' }).then((r) => {
      settled = Date.now();
      expect(r.message?.subject).toBe('message 3');
    });
    await jest.advanceTimersByTimeAsync(5000);
    messages.push(message(3));
    const arrival = Date.now();
    await jest.advanceTimersByTimeAsync(1000);
    expect(settled! - arrival).toBeLessThanOrEqual(1000);
  });

  it('costs about thirty looks and five one-item reads a second over a whole 25-second wait, then times out cleanly', async () => {
    const waiting = waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 25 });
    await jest.advanceTimersByTimeAsync(25_000);
    expect(await waiting).toEqual({ timedOut: true, message: null });
    expect(queries - topChecks).toBeLessThanOrEqual(30);
    expect(topChecks).toBeLessThanOrEqual(110);
  });
});

describe('with word of arrivals (the local stack, one process)', () => {
  const arrivals = new LocalArrivals();
  const bus = arrivals.announcing({ publish: async () => undefined });
  const withArrivals = { ...deps, arrivals } as CoreDeps;
  const store = async (n: number) => {
    messages.push(message(n));
    await bus.publish({ id: `evt_${n}`, type: 'message.received', timestamp: new Date().toISOString(), orgId: 'org_t', inboxId: 'inb_t', data: {} });
  };

  it('answers the moment the message is stored, not at its next look', async () => {
    let settledAt: number | undefined;
    void waitForMessage(withArrivals, 'org_t', 'inb_t', { timeoutSeconds: 25 }).then((r) => {
      settledAt = Date.now();
      expect(r.message?.subject).toBe('message 3');
    });
    await jest.advanceTimersByTimeAsync(10_250);
    const readsBefore = queries;
    await store(3);
    const storedAt = Date.now();
    await jest.advanceTimersByTimeAsync(0);
    expect(settledAt).toBe(storedAt);
    expect(queries).toBe(readsBefore + 1);
  });

  it('hears of mail stored while a look is under way, and looks again at once', async () => {
    let settledAt: number | undefined;
    duringLook = () => {
      if (queries === 3) void store(4);
    };
    const started = Date.now();
    void waitForMessage(withArrivals, 'org_t', 'inb_t', { timeoutSeconds: 25 }).then((r) => {
      settledAt = Date.now();
      expect(r.message?.subject).toBe('message 4');
    });
    await jest.advanceTimersByTimeAsync(300);
    expect(queries).toBe(4);
    expect(settledAt).toBe(started + 300);
  });
});
