import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack';
import { eventFrames, readFrames, type SseFrame } from '../support/event-stream';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
let dataDir: string;
let stack: LocalStack;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mailroom-events-'));
  stack = await startLocalStack({ dataDir, host: '127.0.0.1', smtpPort: 0, httpPort: 0, domains: ['mailroom.test'], log: quiet });
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A client as a browser's fetch or EventSource is: real HTTP to `npm start`'s listener, read as it arrives. */
async function connect(headers: Record<string, string> = {}, query = '') {
  const aborter = new AbortController();
  const response = await fetch(`${stack.apiUrl}/v1/events${query}`, { headers: { Authorization: `Bearer ${stack.adminKey}`, ...headers }, signal: aborter.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  return { body: response.body! as unknown as AsyncIterable<Uint8Array>, close: () => aborter.abort() };
}

const received = (frames: SseFrame[]) => eventFrames(frames).filter((f) => f.event === 'message.received');

describe('live events on npm start (embedded store, real HTTP and SMTP)', () => {
  it('gives three clients every one of 100 messages once, all in the same order, as the mail arrives', async () => {
    const inbox = await (
      await fetch(`${stack.apiUrl}/v1/inboxes`, { method: 'POST', headers: { Authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' }, body: '{}' })
    ).json();
    const clients = await Promise.all([connect(), connect(), connect({}, `?inboxIds=${inbox.id}&types=message.received`)]);
    const reading = clients.map((c) => readFrames(c.body, (events) => events.length >= 100, 60_000).finally(c.close));

    const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 4 });
    const subjects = Array.from({ length: 100 }, (_, i) => `message ${i + 1}`);
    await Promise.all(subjects.map((subject) => transport.sendMail({ from: 'sender@example.com', to: inbox.address, subject, text: subject })));
    transport.close();

    const [first, second, third] = (await Promise.all(reading)).map(received);
    const order = first.map((f) => f.data.data.subject);
    expect([...order].sort()).toEqual([...subjects].sort());
    expect(new Set(first.map((f) => f.data.id)).size).toBe(100);
    expect(second.map((f) => f.data.data.subject)).toEqual(order);
    expect(third.map((f) => f.data.data.subject)).toEqual(order);
    expect(first.map((f) => f.id)).toEqual([...first.map((f) => f.id!)].sort());

    // A client that went away after 40 events resumes with the 41st.
    const resumed = await connect({ 'Last-Event-ID': first[39].id! });
    const rest = received(await readFrames(resumed.body, (events) => events.length >= 60, 10_000).finally(resumed.close));
    expect(rest.map((f) => f.data.data.subject)).toEqual(order.slice(40));
  }, 90_000);
});
