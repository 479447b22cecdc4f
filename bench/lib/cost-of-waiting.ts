import { performance } from 'node:perf_hooks';
import type { CoreDeps } from '../../lambdas/core/deps';
import { createApi } from '../../lambdas/http/api';
import { MAILROOM_VERSION } from '../../lambdas/version';
import { apiCaller } from '../../test/support/api-client';
import { compose } from '../../test/support/mime';
import { deliver } from '../../test/support/ses';
import { Meter, meteredTable } from './cost-meter';

type Inbox = { id: string; address: string };

/** What waits asked of the table, and how long each ran (Lambda bills that time, rounded up to the ms). */
export interface WaitsMeasured {
  waits: number;
  billedMs: number;
  meanMs: number;
  readUnits: number;
  /** Of `readUnits`, those the Queries read (the rest are single items: the inbox, the API key). */
  queryReadUnits: number;
  writeUnits: number;
  queries: number;
}

export interface WaitingMeasured {
  /** Waits that each returned a message stored `arrivesAfterMs` after the wait began: a test waiting for its email. */
  answered: WaitsMeasured & { arrivesAfterMs: number };
  /** One wait that found nothing for `seconds` on an inbox of `messages`, all received over an hour before. */
  idle: WaitsMeasured & { seconds: number; messages: number };
  /** A wait of no time on that inbox: its first look alone. */
  oneLook: WaitsMeasured;
}

/**
 * Waits through the API handler as it runs on AWS, where nothing tells it of arrivals and it looks on its schedule,
 * with the table metered as the cost model meters it. `deps` must have no `arrivals`; `quiet` is filled with
 * `plan.quietMessages` messages received over an hour ago.
 */
export async function measureWaiting(
  deps: CoreDeps,
  key: string,
  inboxes: { answered: Inbox; quiet: Inbox },
  plan: { waits: number; arrivesAfterMs: number; idleSeconds: number; quietMessages: number },
): Promise<WaitingMeasured> {
  if (deps.arrivals) throw new Error('waits are measured as on AWS, without word of arrivals');
  const meter = new Meter();
  const call = apiCaller(createApi({ ...deps, table: meteredTable(deps.table, meter) }, { maxInlineDownloadBytes: 4 * 1024 * 1024, version: MAILROOM_VERSION }));
  const wait = async (inbox: Inbox, subjectContains: string, timeoutSeconds: number) => {
    const started = performance.now();
    const res = await call('POST', `/v1/inboxes/${inbox.id}/wait`, { key, body: { subjectContains, timeoutSeconds } });
    if (res.status !== 200) throw new Error(`wait failed: ${res.status} ${res.bytes.toString()}`);
    return { ms: performance.now() - started, timedOut: (res.json as { timedOut: boolean }).timedOut };
  };
  const waitForNothing = async (phase: string, seconds: number) => {
    meter.phase = phase;
    const { ms, timedOut } = await wait(inboxes.quiet, 'no message has this subject', seconds);
    if (!timedOut) throw new Error('a wait for nothing found a message');
    return measured(phase, [ms]);
  };
  const measured = (phase: string, ms: number[]): WaitsMeasured => {
    const { rru, queryRru, wru, query } = meter.counts(phase).dynamodb;
    const billedMs = ms.reduce((sum, m) => sum + Math.ceil(m), 0);
    return { waits: ms.length, billedMs, meanMs: billedMs / ms.length, readUnits: rru, queryReadUnits: queryRru, writeUnits: wru, queries: query };
  };
  const mail = (to: string, subject: string) => compose({ from: 'noreply@shop.example.com', to, subject, text: 'Your code is 482913.' });

  const hourAgo = Date.now() - 3_600_000;
  for (let i = 0; i < plan.quietMessages; i++) {
    const raw = await mail(inboxes.quiet.address, `Old news ${i}`);
    await deliver(deps, raw, [inboxes.quiet.address], { timestamp: new Date(hourAgo - i * 60_000).toISOString() });
  }

  meter.phase = 'answered';
  const answeredMs: number[] = [];
  for (let i = 0; i < plan.waits; i++) {
    const subject = `Your sign-in code ${i} ${Date.now()}`;
    const raw = await mail(inboxes.answered.address, subject);
    const waiting = wait(inboxes.answered, subject, 25);
    await new Promise((resolve) => setTimeout(resolve, plan.arrivesAfterMs));
    await deliver(deps, raw, [inboxes.answered.address]);
    const { ms, timedOut } = await waiting;
    if (timedOut) throw new Error(`the wait for "${subject}" timed out`);
    answeredMs.push(ms);
  }

  return {
    answered: { ...measured('answered', answeredMs), arrivesAfterMs: plan.arrivesAfterMs },
    oneLook: await waitForNothing('one look', 0),
    idle: { ...(await waitForNothing('idle', plan.idleSeconds)), seconds: plan.idleSeconds, messages: plan.quietMessages },
  };
}
