import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SESEvent } from 'aws-lambda';
import { S3Blobs } from '../../lambdas/adapters/aws/s3-blobs';
import { InboundSpool, SPOOL_PARALLELISM } from '../../lambdas/local/inbound-spool';
import { sesEventFor } from '../../lambdas/local/ses-stand-in';
import { startS3Local, type S3Local } from '../../lambdas/local/s3-local';
import { compose } from '../support/mime';

const quiet = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
let dir: string;
let s3: S3Local;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-spool-'));
  s3 = await startS3Local({ host: '127.0.0.1', dataDir: join(dir, 's3'), bucket: 'spool-test' });
});
afterAll(async () => {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the inbound spool (SES between "250 OK" and the parser, on a laptop)', () => {
  it('takes a burst of mail at once but hands it to the parser a few at a time, losing none', async () => {
    // Prepare: a parser held back until the whole burst is accepted, so the burst piles up behind it
    let parsing = 0;
    let mostAtOnce = 0;
    const parsed: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const parse = async (event: SESEvent) => {
      parsing++;
      mostAtOnce = Math.max(mostAtOnce, parsing);
      await released;
      parsed.push(event.Records[0].ses.mail.messageId);
      parsing--;
    };
    const spool = new InboundSpool(join(dir, 'data'), new S3Blobs(s3.client, 'spool-test'), 'inbound/', parse, quiet);
    const subjects = Array.from({ length: 40 }, (_, i) => `burst ${i}`);

    // Act
    const accepted: string[] = [];
    for (const subject of subjects) {
      accepted.push(await spool.accept(await compose({ from: 'a@example.com', to: 'p@mailroom.test', subject, text: 'hi' }), { from: 'a@example.com', recipients: ['p@mailroom.test'] }));
    }
    // The spool stores each message in S3 before the parser gets it: wait for the parser to have all it may take,
    // and a moment more, in which any beyond the limit would show up.
    for (let waited = 0; parsing < SPOOL_PARALLELISM && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const whileHeld = parsing;
    release();
    await spool.drain();

    // Assess
    expect(whileHeld).toBe(SPOOL_PARALLELISM);
    expect(mostAtOnce).toBe(SPOOL_PARALLELISM);
    expect(parsed.sort()).toEqual([...accepted].sort());
    expect(readdirSync(join(dir, 'data', 'spool')).filter((f) => f !== 'failed')).toEqual([]);
  });

  it('keeps mail in the spool until the stores say what the parser stored is on disk', async () => {
    // Prepare: stores that hold their sync back
    let synced!: () => void;
    const sync = new Promise<void>((resolve) => (synced = resolve));
    let parsed = 0;
    const spoolDir = join(dir, 'held');
    const spool = new InboundSpool(spoolDir, new S3Blobs(s3.client, 'spool-test'), 'inbound/', async () => void parsed++, quiet, () => sync);
    const raw = await compose({ from: 'a@example.com', to: 'p@mailroom.test', subject: 'held', text: 'hi' });

    // Act
    const id = await spool.accept(raw, { from: 'a@example.com', recipients: ['p@mailroom.test'] });
    for (let waited = 0; parsed === 0 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    const whileUnsynced = readdirSync(join(spoolDir, 'spool')).sort();
    synced();
    await spool.drain();

    // Assess
    expect(parsed).toBe(1);
    expect(whileUnsynced).toEqual([`${id}.eml`, `${id}.json`, 'failed'].sort());
    expect(readdirSync(join(spoolDir, 'spool'))).toEqual(['failed']);
  });

  it('removes on replay raw mail that has no entry, which was never acknowledged or is already stored', async () => {
    // Prepare: a raw file cut off before its entry was written, as a crash between the two leaves it
    const spoolDir = join(dir, 'orphans');
    const parse = jest.fn();
    const spool = new InboundSpool(spoolDir, new S3Blobs(s3.client, 'spool-test'), 'inbound/', parse, quiet);
    writeFileSync(join(spoolDir, 'spool', `${'a'.repeat(40)}.eml`), 'From: a@example.com\r\n\r\nhal');

    // Act
    const replayed = await spool.replay();
    await spool.drain();

    // Assess
    expect(replayed).toBe(0);
    expect(parse).not.toHaveBeenCalled();
    expect(readdirSync(join(spoolDir, 'spool'))).toEqual(['failed']);
  });

  it('removes on replay an entry a crash cut off while it was being written, with its raw mail: neither was acknowledged', async () => {
    // Prepare: the entry is written aside and renamed into place, so a crash mid-write leaves only the aside copy
    const spoolDir = join(dir, 'cut-entry');
    const parse = jest.fn();
    const spool = new InboundSpool(spoolDir, new S3Blobs(s3.client, 'spool-test'), 'inbound/', parse, quiet);
    const id = 'b'.repeat(40);
    writeFileSync(join(spoolDir, 'spool', `${id}.eml`), 'From: a@example.com\r\n\r\nwhole');
    writeFileSync(join(spoolDir, 'spool', `${id}.json.tmp`), '{"event":{"Rec');

    // Act
    const replayed = await spool.replay();
    await spool.drain();

    // Assess
    expect(replayed).toBe(0);
    expect(parse).not.toHaveBeenCalled();
    expect(readdirSync(join(spoolDir, 'spool'))).toEqual(['failed']);
  });

  it('parks an entry it cannot read in failed/ at once, with its raw mail, and replays the rest', async () => {
    // Prepare: one unreadable entry (a damaged disk) beside a whole one
    const spoolDir = join(dir, 'damaged');
    const parsed: string[] = [];
    const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const spool = new InboundSpool(spoolDir, new S3Blobs(s3.client, 'spool-test'), 'inbound/', async (event) => void parsed.push(event.Records[0].ses.mail.messageId), log);
    const [damaged, whole] = ['c'.repeat(40), 'd'.repeat(40)];
    const raw = await compose({ from: 'a@example.com', to: 'p@mailroom.test', subject: 'replayed', text: 'hi' });
    writeFileSync(join(spoolDir, 'spool', `${damaged}.eml`), raw);
    writeFileSync(join(spoolDir, 'spool', `${damaged}.json`), '{"event":');
    writeFileSync(join(spoolDir, 'spool', `${whole}.eml`), raw);
    const event = sesEventFor({ messageId: whole, receivedAt: new Date(), from: 'a@example.com', recipients: ['p@mailroom.test'] });
    writeFileSync(join(spoolDir, 'spool', `${whole}.json`), JSON.stringify({ event, rawKey: `inbound/${whole}` }));

    // Act
    const replayed = await spool.replay();
    await spool.drain();

    // Assess
    expect(replayed).toBe(2);
    expect(parsed).toEqual([whole]);
    expect(readdirSync(join(spoolDir, 'spool', 'failed')).sort()).toEqual([`${damaged}.eml`, `${damaged}.json`]);
    expect(readdirSync(join(spoolDir, 'spool'))).toEqual(['failed']);
    expect(log.error).toHaveBeenCalledWith('inbound mail failed to process; kept in spool/failed', expect.objectContaining({ id: damaged }));
    expect(log.warn).not.toHaveBeenCalled();
  });
});
