import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { createMailroomClient } from '../../lib/client';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack';
import { startReceiver } from '../support/webhook-receiver';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('webhooks on the local stack (npm start)', () => {
  let dataDir: string;
  let stack: LocalStack | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mailroom-webhooks-'));
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = () =>
    startLocalStack({ dataDir, host: '127.0.0.1', smtpPort: 0, httpPort: 0, domains: ['mailroom.test'], webhookRetryDelaysMs: [1500, 1500], log: quiet });

  it('delivers mail received over SMTP to a webhook, and a retry planned before a restart still happens after it', async () => {
    // Prepare: an endpoint that fails its first attempt.
    const receiver = await startReceiver((n) => ({ status: n === 0 ? 500 : 204 }));
    stack = await start();
    const client = createMailroomClient({ baseUrl: stack.apiUrl, apiKey: stack.adminKey });
    const hook = await client.POST('/v1/webhooks', { body: { url: receiver.url, events: ['message.received'] } });
    const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });

    try {
      // Act: mail arrives, the first attempt fails, and the stack stops before the retry is due.
      await transport.sendMail({ from: 'a@example.com', to: 'hooked@mailroom.test', subject: 'survives a restart', text: 'x' });
      await receiver.waitFor(1);
      await stack.stop();
      stack = await start();
      const [first, second] = await receiver.waitFor(2);

      // Assess
      expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
      const payload = new StandardWebhook(hook.data!.secret).verify(second.body, second.headers as Record<string, string>);
      expect(payload).toMatchObject({ type: 'message.received', data: { subject: 'survives a restart', to: [{ address: 'hooked@mailroom.test' }] } });
      await stack.webhooksIdle();
      const deliveries = await createMailroomClient({ baseUrl: stack.apiUrl, apiKey: stack.adminKey }).GET('/v1/webhooks/{webhookId}/deliveries', {
        params: { path: { webhookId: hook.data!.id } },
      });
      expect(deliveries.data!.data[0]).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    } finally {
      transport.close();
      await receiver.close();
    }
  });
});
