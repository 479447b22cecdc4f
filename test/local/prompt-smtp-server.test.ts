import { connect } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { PromptSmtpServer } from '../../lambdas/local/prompt-smtp-server';

/** Opens a connection and resolves with the first line the server sends, or 'silent' once `settle` resolves first. */
function firstLine(port: number, settle: Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().split('\r\n')[0]);
    });
    socket.once('error', reject);
    void settle.then(() => {
      socket.destroy();
      resolve('silent');
    });
  });
}

/** Lets the event loop run many times (sockets, DNS callbacks) without advancing faked timers. */
const manyTurns = async () => {
  for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
};

async function listen(server: SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.server.address() as { port: number }).port;
}

describe('the local SMTP server', () => {
  // Timers are faked, so anything that waits on one never happens.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  const options = { authOptional: true, disableReverseLookup: true, logger: false } as const;

  it('greets a new connection at once, without the early-talker pause', async () => {
    const server = new PromptSmtpServer({ ...options, banner: 'prompt' });
    const port = await listen(server);

    await expect(firstLine(port, manyTurns())).resolves.toMatch(/^220 .*prompt/);

    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('(whereas plain smtp-server greets only once its 100 ms timer fires)', async () => {
    const server = new SMTPServer({ ...options });
    const port = await listen(server);

    await expect(firstLine(port, manyTurns())).resolves.toBe('silent');

    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
