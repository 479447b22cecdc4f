import { httpWebhookSender } from '../../lambdas/adapters/http-webhook-sender';
import { blockedAddressReason, webhookUrlProblem } from '../../lambdas/core/webhook-targets';
import { startReceiver } from '../support/webhook-receiver';

const send = (url: string, allowLoopback = false) =>
  httpWebhookSender({ allowLoopback }).send({ url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2000 });

describe('where webhooks may connect', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['fc00::1', 'uniqueLocal'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
  ])('refuses %s (%s)', async (address, range) => {
    expect(blockedAddressReason(address, false)).toContain(range);
    const host = address.includes(':') ? `[${address}]` : address;
    await expect(send(`http://${host}:8080/hook`)).rejects.toThrow(/refused to connect/);
  });

  it.each(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '8.8.8.8'])('allows the public address %s', (address) => {
    expect(blockedAddressReason(address, false)).toBeNull();
  });

  it('refuses a hostname that resolves to a loopback address, checked on the address actually connected to', async () => {
    const receiver = await startReceiver();
    try {
      const url = receiver.url.replace('127.0.0.1', 'localhost');
      await expect(send(url)).rejects.toThrow(/refused to connect to localhost: .*loopback/);
      expect(receiver.received).toHaveLength(0);
      await expect(send(url, true)).resolves.toMatchObject({ status: 200 });
    } finally {
      await receiver.close();
    }
  });

  it('checks endpoint URLs when they are saved: https only on AWS, no credentials, no blocked literal addresses', () => {
    const aws = { allowHttp: false, allowLoopback: false };
    expect(webhookUrlProblem('https://hooks.example.com/x', aws)).toBeNull();
    expect(webhookUrlProblem('http://hooks.example.com/x', aws)).toBe('url must be https://');
    expect(webhookUrlProblem('ftp://hooks.example.com/x', { allowHttp: true, allowLoopback: true })).toBe('url must be http:// or https://');
    expect(webhookUrlProblem('https://user:pw@hooks.example.com/x', aws)).toBe('url must not contain credentials');
    expect(webhookUrlProblem('https://169.254.169.254/latest/meta-data', aws)).toContain('linkLocal');
    expect(webhookUrlProblem('https://[::1]/x', aws)).toContain('loopback');
    expect(webhookUrlProblem('not a url', aws)).toBe('url must be an absolute URL');
  });
});
