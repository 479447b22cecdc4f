import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { blockedAddressReason } from '../core/webhook-targets';
import type { WebhookRequest, WebhookResponse, WebhookSender } from '../ports';

const SNIPPET_BYTES = 1024;
/** Bodies beyond this are not read further (only a snippet is kept anyway). */
const MAX_READ_BYTES = 64 * 1024;

/**
 * POSTs webhooks with Node's HTTP client. The address check runs inside the socket's own DNS lookup,
 * so the address judged is the address connected to: a hostname cannot pass the check with one answer
 * and then connect to another (DNS rebinding). Redirects are never followed.
 */
export function httpWebhookSender(options: { allowLoopback: boolean }): WebhookSender {
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 4);
      const allowed = addresses.find((a) => blockedAddressReason(a.address, options.allowLoopback) === null);
      if (!allowed) {
        const reason = addresses.length ? blockedAddressReason(addresses[0].address, options.allowLoopback) : `${hostname} has no address`;
        return callback(Object.assign(new Error(`refused to connect to ${hostname}: ${reason}`), { code: 'EBLOCKED' }), '', 4);
      }
      if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [allowed]);
      callback(null, allowed.address, allowed.family);
    });
  };

  return {
    send: (request: WebhookRequest) =>
      new Promise<WebhookResponse>((resolve, reject) => {
        const url = new URL(request.url);
        // A literal IP never reaches the lookup, so it is judged here.
        const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
        if (/^[\d.]+$|:/.test(literal)) {
          const reason = blockedAddressReason(literal, options.allowLoopback);
          if (reason) return reject(new Error(`refused to connect to ${literal}: ${reason}`));
        }
        const client = url.protocol === 'https:' ? https : http;
        const req = client.request(
          url,
          {
            method: 'POST',
            headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
            lookup: guardedLookup,
            timeout: request.timeoutMs,
            agent: false,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let read = 0;
            res.on('data', (chunk: Buffer) => {
              if (read < MAX_READ_BYTES) chunks.push(chunk);
              read += chunk.length;
              if (read >= MAX_READ_BYTES) res.destroy();
            });
            const finish = () => {
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
              resolve({ status: res.statusCode ?? 0, headers, bodySnippet: Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8') });
            };
            res.on('end', finish);
            res.on('close', finish);
            res.on('error', finish);
          },
        );
        const deadline = setTimeout(() => req.destroy(new Error(`no response within ${request.timeoutMs} ms`)), request.timeoutMs);
        req.on('close', () => clearTimeout(deadline));
        req.on('timeout', () => req.destroy(new Error(`no response within ${request.timeoutMs} ms`)));
        req.on('error', reject);
        req.end(request.body);
      }),
  };
}
