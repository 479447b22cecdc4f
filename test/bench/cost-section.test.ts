import { PRICES, run } from '../../bench/cost';
import type { Progress } from '../../bench/lib/progress';
import type { SectionResult } from '../../bench/lib/report';

const silent: Progress = { start: () => undefined, tick: () => undefined, done: () => undefined };

interface CostData {
  emails: number;
  counts: Record<'ses' | 'parser' | 'api', { s3: Record<string, number>; dynamodb: Record<string, number> }>;
  apiMs: { requests: number };
  unitChecks: { operation: string; estimated: number; reported: number | undefined }[];
  lines: { group: string; component: string; quantity: number; rate?: keyof typeof PRICES.rates; unitScale?: number; costUsd: number }[];
  totals: { beyondSesUsd: number; receiveAndStoreUsd: number; sesUsd: number };
  waiting: Record<'answered' | 'idle' | 'oneLook', { waits: number; billedMs: number; queryReadUnits: number; queries: number }> & { answered: { arrivesAfterMs: number } };
  budgetUsd: number;
}

/**
 * `npm run bench` is not part of `npm test`; this runs its cost section (quick: 50 emails through the real parser
 * and API against DynamoDB Local and s3rver) so the cost model keeps working and keeps adding up.
 */
describe('the cost benchmark', () => {
  let result: SectionResult;
  let data: CostData;
  beforeAll(async () => {
    result = await run({ progress: silent, quick: true });
    data = result.data as CostData;
  }, 120_000);

  it('counts the requests each email causes: the S3 action’s PUT, the parser’s GET, three items read and one transaction, a list and a get', () => {
    expect(data.counts.ses.s3.put).toBe(data.emails);
    expect(data.counts.parser.s3.get).toBe(data.emails);
    expect(data.counts.parser.s3.put + data.counts.parser.s3.copy).toBe(0);
    // The address claim, then the inbox together with its org's rules (none here: an absent item).
    expect(data.counts.parser.dynamodb.get).toBe(3 * data.emails);
    expect(data.counts.parser.dynamodb.getMissing).toBe(data.emails);
    expect(data.counts.parser.dynamodb.transactWrite).toBe(data.emails);
    expect(data.apiMs.requests).toBe(2 * data.emails);
    expect(data.counts.api.dynamodb.query).toBe(data.emails);
  });

  it('estimates request units as DynamoDB Local itself reports them for the same items', () => {
    expect(data.unitChecks).toHaveLength(3);
    for (const check of data.unitChecks) expect(check.estimated).toBe(check.reported);
  });

  it('prices every line at its list price, and the lines add up to the totals, SES apart', () => {
    for (const line of data.lines) {
      const rate = line.rate && PRICES.rates[line.rate];
      expect(line.costUsd).toBeCloseTo(rate ? ((line.quantity * (line.unitScale ?? 1)) / rate.per) * rate.usd : 0, 12);
    }
    const sum = (ses: boolean) => data.lines.filter((l) => (l.group === 'SES') === ses).reduce((s, l) => s + l.costUsd, 0);
    expect(data.totals.beyondSesUsd).toBeCloseTo(sum(false), 12);
    // 1,000 emails of about 10 KB: SES's fee per email plus one 256 KB chunk each.
    expect(data.totals.sesUsd).toBeCloseTo(0.1 + 0.09, 12);
  });

  it('holds the total to its budget, and says by how much and where the money goes when it is over', () => {
    const [budget] = result.budgets;
    expect(budget.met).toBe(data.totals.receiveAndStoreUsd <= data.budgetUsd);
    if (!budget.met) expect(budget.why).toMatch(/over \(\d+(\.\d+)?×\); largest lines: /);
    expect(result.markdown).toContain('**receive and store, beyond SES**');
    expect(result.markdown).toContain('**client reads per 1,000 requests**');
  });

  it('prices waiting for mail apart: the wait function bills the time a wait waits, and after its first look a look on a quiet inbox reads one unit', () => {
    const { answered, idle, oneLook } = data.waiting;
    expect(answered.waits).toBeGreaterThan(0);
    expect(answered.billedMs / answered.waits).toBeGreaterThanOrEqual(answered.arrivesAfterMs);
    // The first look reads the inbox's newest messages; every later look and one-item read, one unit each.
    expect(oneLook.queryReadUnits).toBeGreaterThan(1);
    expect(idle.queries).toBeGreaterThan(5);
    expect(idle.queryReadUnits).toBe(oneLook.queryReadUnits + (idle.queries - oneLook.queries));
    expect(result.markdown).toContain('Wait Lambda duration (256 MB)');
  });
});
