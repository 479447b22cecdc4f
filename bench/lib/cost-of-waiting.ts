import { performance } from 'node:perf_hooks';
import type { CoreDeps } from '../../lambdas/core/deps';
import { createApi } from '../../lambdas/http/api';
import { MAILROOM_VERSION } from '../../lambdas/version';
import { apiCaller } from '../../test/support/api-client';
import { compose } from '../../test/support/mime';
import { deliver } from '../../test/support/ses';
import { Meter, meteredTable } from './cost-meter';

/** What waits asked of the table, and how long each ran (Lambda bills that time, rounded up to the ms). */
export interface WaitsMeasured {
  waits: number;
  billedMs: number;
  meanMs: number;
  readUnits: number;
  writeUnits: number;
  queries: number;
}

export interface WaitingMeasured {
  /** Waits that each returned a message stored `arrivesAfterMs` after the wait began: a test waiting for its email. */
  answered: WaitsMeasured & { arrivesAfterMs: number };
  /** One wait that found nothing for `seconds`: a client waiting on a quiet inbox. */
  idle: WaitsMeasured & { seconds: number };
}

/**
 * Waits through the API handler as it runs on AWS, where nothing tells it of arrivals and it looks on its schedule,
 * with the table metered as the cost model meters it. `deps` must have no `arrivals`.
 */
export async function measureWaiting(
  deps: CoreDeps,
  key: string,
  inbox: { id: string; address: string },
  plan: { waits: number; arrivesAfterMs: number; idleSeconds: number },
): Promise<WaitingMeasured> {
  if (deps.arrivals) throw new Error('waits are measured as on AWS, without word of arrivals');
  const meter = new Meter();
  const call = apiCaller(createApi({ ...deps, table: meteredTable(deps.table, meter) }, { maxInlineDownloadBytes: 4 * 1024 * 1024, version: MAILROOM_VERSION }));
  const wait = async (subjectContains: string, timeoutSeconds: number) => {
    const started = performance.now();
    const res = await call('POST', `/v1/inboxes/${inbox.id}/wait`, { key, body: { subjectContains, timeoutSeconds } });
    if (res.status !== 200) throw new Error(`wait failed: ${res.status} ${res.bytes.toString()}`);
    return { ms: performance.now() - started, timedOut: (res.json as { timedOut: boolean }).timedOut };
  };
  const measured = (phase: string, ms: number[]): WaitsMeasured => {
    const { rru, wru, query } = meter.counts(phase).dynamodb;
    const billedMs = ms.reduce((sum, m) => sum + Math.ceil(m), 0);
    return { waits: ms.length, billedMs, meanMs: billedMs / ms.length, readUnits: rru, writeUnits: wru, queries: query };
  };

  meter.phase = 'answered';
  const answeredMs: number[] = [];
  for (let i = 0; i < plan.waits; i++) {
    const subject = `Your sign-in code ${i} ${Date.now()}`;
    const raw = await compose({ from: 'noreply@shop.example.com', to: inbox.address, subject, text: 'Your code is 482913.' });
    const waiting = wait(subject, 25);
    await new Promise((resolve) => setTimeout(resolve, plan.arrivesAfterMs));
    await deliver(deps, raw, [inbox.address]);
    const { ms, timedOut } = await waiting;
    if (timedOut) throw new Error(`the wait for "${subject}" timed out`);
    answeredMs.push(ms);
  }

  meter.phase = 'idle';
  const idle = await wait('no message has this subject', plan.idleSeconds);
  if (!idle.timedOut) throw new Error('the idle wait found a message');
  return {
    answered: { ...measured('answered', answeredMs), arrivesAfterMs: plan.arrivesAfterMs },
    idle: { ...measured('idle', [idle.ms]), seconds: plan.idleSeconds },
  };
}
