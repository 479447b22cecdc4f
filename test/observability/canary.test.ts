import { runCanaryRound } from '../../lambdas/core/canary';
import type { CoreDeps } from '../../lambdas/core/deps';
import { listInboxes } from '../../lambdas/core/inboxes';
import { METRIC } from '../../lambdas/core/metric-names';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import { startBackends, type Backends } from '../support/backends';

let backends: Backends;
beforeAll(async () => {
  backends = await startBackends();
});
afterAll(() => backends.stop());

const MINUTE = 60_000;
const settings = (address: string) => ({ address, alarmAfterMs: 15 * MINUTE });

/** The test backends with a clock the test moves, and optionally a sender that accepts mail and loses it. */
function depsAt(start: Date, options: { inboundBroken?: boolean } = {}): { deps: CoreDeps; advance(ms: number): void } {
  let now = start.getTime();
  const lost = { send: async () => ({ providerMessageId: 'accepted-then-lost', status: 'sent' as const }) };
  const deps: CoreDeps = { ...backends.deps, clock: { now: () => new Date(now) }, ...(options.inboundBroken ? { mailSender: lost } : {}) };
  return { deps, advance: (ms) => void (now += ms) };
}

describe('the silent-inbound canary', () => {
  it('sends a probe through the sending path and, on its next round, finds it stored and times it', async () => {
    const { deps, advance } = depsAt(new Date());
    const first = await runCanaryRound(deps, settings('canary@agents.example'));
    expect(first).toMatchObject({ stored: [], missing: [] });
    expect(first.sent).toMatch(/^prb_/);

    advance(5 * MINUTE);
    const second = await runCanaryRound(deps, settings('canary@agents.example'));
    expect(second.stored).toEqual([{ probeId: first.sent, seconds: expect.any(Number) }]);
    expect(second.missing).toEqual([]);
    expect(backends.metrics.total(METRIC.canaryProbesStored)).toBe(1);
    expect(backends.metrics.timings(METRIC.canaryDeliverySeconds)).toHaveLength(1);

    advance(5 * MINUTE);
    const third = await runCanaryRound(deps, settings('canary@agents.example'));
    expect(third.stored.map((s) => s.probeId)).toEqual([second.sent]);
  });

  it('keeps its inbox out of every org: the default org does not see it', async () => {
    const { data } = await listInboxes(backends.deps, DEFAULT_ORG_ID, { limit: 100 });
    expect(data.map((i) => i.address)).not.toContain('canary@agents.example');
  });

  it('reports a probe missing once it is older than the alarm window without being stored, and logs why', async () => {
    const address = 'silent-canary@agents.example';
    const missingBefore = backends.metrics.total(METRIC.canaryProbesMissing);
    const { deps, advance } = depsAt(new Date(Date.now() + 24 * 60 * MINUTE), { inboundBroken: true });
    await runCanaryRound({ ...deps, mailSender: backends.deps.mailSender }, settings(address));
    const lost = await runCanaryRound(deps, settings(address));

    advance(10 * MINUTE);
    expect((await runCanaryRound(deps, settings(address))).missing).toEqual([]);
    advance(10 * MINUTE);
    const late = await runCanaryRound(deps, settings(address));
    expect(late.missing).toEqual([lost.sent]);
    expect(backends.metrics.total(METRIC.canaryProbesMissing) - missingBefore).toBe(1);
    expect(backends.logs).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('canary probe not stored'), fields: expect.objectContaining({ probeId: lost.sent }) }));
  });

  it('holds off after a probe goes missing, one probe an hour, since each probe bounces while inbound mail is broken; a stored probe ends that', async () => {
    const address = 'held-canary@agents.example';
    const { deps, advance } = depsAt(new Date(Date.now() + 48 * 60 * MINUTE), { inboundBroken: true });
    const rounds = async (count: number) => {
      const sent: (string | null)[] = [];
      for (let i = 0; i < count; i++) {
        sent.push((await runCanaryRound(deps, settings(address))).sent);
        advance(5 * MINUTE);
      }
      return sent;
    };

    // 0–15 min: a probe each round; from 20 min the four go missing one by one, each holding off for an hour.
    const firstHour = await rounds(12);
    expect(firstHour.slice(0, 4).every((id) => id !== null)).toBe(true);
    expect(firstHour.slice(4)).toEqual(Array(8).fill(null));
    const held = await rounds(9);
    expect(held.map((id) => id !== null)).toEqual([false, false, false, false, true, false, false, false, false]);

    // Inbound works again: the next hourly probe arrives, and the canary is back to a probe every round.
    const mended = { ...deps, mailSender: backends.deps.mailSender };
    let probe: string | null = null;
    for (let i = 0; i < 12 && probe === null; i++) {
      probe = (await runCanaryRound(mended, settings(address))).sent;
      advance(5 * MINUTE);
    }
    expect(probe).not.toBeNull();
    const back = await runCanaryRound(mended, settings(address));
    expect(back.stored.map((s) => s.probeId)).toEqual([probe]);
    expect(back.sent).not.toBeNull();
  });
});
