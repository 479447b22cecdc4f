/// <reference lib="dom" />
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack';
import { launchChromium } from '../support/chromium';
import { startReceiver } from '../support/webhook-receiver';

const ROOT = join(__dirname, '../..');
/** `UPDATE_SCREENSHOTS=1 npx jest test/web` refreshes the README's pictures. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(ROOT, 'docs/screenshots') : null;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the dashboard, in Chromium', () => {
  let dataDir: string;
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let tracker: Awaited<ReturnType<typeof startReceiver>>;
  const consoleMessages: string[] = [];
  const dialogs: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    const build = spawnSync('npx', ['vite', 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`the dashboard did not build: ${build.stderr}`);
    dataDir = mkdtempSync(join(tmpdir(), 'mailroom-web-'));
    // Downloads above 512 bytes are redirected to a presigned link on s3rver, another origin than the API's, as on
    // AWS above 4 MB: the stores of the fidelity mode, so the page's security policy is tried as AWS serves it.
    const stores = { store: 'dynamodb-local', inMemoryTable: true } as const;
    stack = await startLocalStack({ dataDir, host: '127.0.0.1', smtpPort: 0, httpPort: 0, domains: ['mailroom.test'], log: quiet, ...stores, maxInlineDownloadBytes: 512 });
    tracker = await startReceiver();
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    page.on('request', (r) => requests.push(r.url()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await tracker?.close();
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const smtp = () => nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
  const shot = async (name: string) => SCREENSHOTS && (await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) }));

  it('signs in with a pasted key, which is kept for the tab only', async () => {
    await page.goto(`${stack.apiUrl}/`);
    await shot('sign-in');
    await page.getByLabel('API key').fill(stack.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Choose an inbox.').waitFor();

    expect(page.url()).not.toContain(stack.adminKey);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain('mr_');
    expect(await page.evaluate(() => sessionStorage.getItem('mailroom.apiKey'))).toBe(stack.adminKey);
  });

  it('creates an inbox, and shows mail sent to it over SMTP without a reload', async () => {
    await page.getByLabel('Local part').fill('browser');
    await page.getByLabel('Label').fill('End to end');
    await page.getByLabel('Retention days').fill('7');
    await page.getByRole('button', { name: 'Create inbox' }).click();
    await page.getByRole('heading', { name: 'browser@mailroom.test' }).waitFor();
    await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));
    const listed = await (await fetch(`${stack.apiUrl}/v1/inboxes`, { headers: { Authorization: `Bearer ${stack.adminKey}` } })).json();
    expect(listed.data).toContainEqual(expect.objectContaining({ address: 'browser@mailroom.test', label: 'End to end', retentionDays: 7 }));

    await smtp().sendMail({
      from: 'Ada <ada@example.com>',
      to: 'browser@mailroom.test',
      subject: 'Your sign-in code',
      text: 'Your verification code is 482913.',
      html: '<p>Your verification code is <b>482913</b>.</p>',
      attachments: [{ filename: 'report.csv', content: 'a,b\n1,2\n' }],
    });
    await page.getByRole('button', { name: /Your sign-in code/ }).waitFor({ timeout: 15_000 });

    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    await shot('inbox');

    // The search box takes the API's search syntax, and says what it cannot read.
    const search = page.getByLabel('Search messages');
    await search.fill('-has:attachment');
    await page.getByRole('button', { name: /Your sign-in code/ }).waitFor({ state: 'detached' });
    const before = consoleMessages.length;
    await search.fill('after:someday');
    await page.getByRole('alert').filter({ hasText: 'is not a date' }).waitFor();
    // The browser logs that 400, which is this step's own doing, not a page error the later checks look for.
    expect(consoleMessages.splice(before)).toEqual([expect.stringContaining('400 (Bad Request)')]);
    await search.fill('from:ada has:attachment');
    await page.getByRole('button', { name: /Your sign-in code/ }).waitFor();
    await search.fill('');
  });

  it('opens a message with its checks, code and attachments, and downloads an attachment whose sha256 matches', async () => {
    await page.getByRole('button', { name: /Your sign-in code/ }).click();
    await page.getByRole('heading', { name: 'Your sign-in code' }).waitFor();
    await page.getByRole('button', { name: 'Copy 482913' }).waitFor();
    const listed = await page.locator('.attachments .sha').innerText();
    await shot('message');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'report.csv' }).click()]);
    const bytes = readFileSync((await download.path())!);
    expect(bytes.toString()).toBe('a,b\n1,2\n');
    expect(sha256(bytes)).toBe(listed.trim());
    expect(download.suggestedFilename()).toBe('report.csv');

    // The raw mail is larger than the inline limit: the API redirects to a presigned link on another origin.
    const [raw] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download raw' }).click()]);
    const rawBytes = readFileSync((await raw.path())!);
    expect(rawBytes.length).toBeGreaterThan(512);
    expect(rawBytes.toString()).toContain('Subject: Your sign-in code');
    expect(requests.some((url) => url.includes('X-Amz-Signature='))).toBe(true);
  });

  it('shows hostile HTML mail without running, submitting or loading anything', async () => {
    const bait = (path: string) => `${tracker.url.replace(/\/hook$/, '')}/${path}`;
    await smtp().sendMail({
      from: 'mallory@example.com',
      to: 'browser@mailroom.test',
      subject: 'Hostile',
      text: 'see the HTML',
      html: [
        `<meta http-equiv="refresh" content="0;url=${bait('refresh')}">`,
        `<link rel="stylesheet" href="${bait('style.css')}">`,
        `<style>body { background: url(${bait('background.png')}) }</style>`,
        '<p id="greeting">Hello <a href="https://example.com/docs">the docs</a></p>',
        `<script>window.parent.postMessage('pwned', '*'); fetch('${bait('script')}');</script>`,
        `<img src="x" onerror="fetch('${bait('onerror')}'); alert('onerror')">`,
        `<img src="${bait('pixel.png')}" width="1" height="1">`,
        `<img src="${bait('backslashes.png').replace('//', '\\\\')}" srcset="${bait('srcset.png')} 2x">`,
        `<a id="js-link" href="javascript:fetch('${bait('javascript')}')">claim your prize</a>`,
        `<form id="steal" action="${bait('form')}" method="post"><input name="password" value="hunter2"><button>Go</button></form>`,
        `<iframe src="${bait('frame')}"></iframe>`,
        `<svg><a xlink:href="javascript:alert(1)"><text y="20">svg link</text></a></svg>`,
      ].join('\n'),
    });
    await page.getByRole('button', { name: /Hostile/ }).waitFor({ timeout: 15_000 });
    await page.evaluate(() => window.addEventListener('message', (e) => Object.assign(window, { posted: String(e.data) })));
    await page.getByRole('button', { name: /Hostile/ }).click();
    await page.getByText(/Remote images and styles are blocked/).waitFor();

    const frame = page.frameLocator('iframe.mail-html');
    await frame.locator('#greeting').waitFor();
    // What a reader's click would do: the link lost its javascript: target, so nothing runs.
    await frame.locator('#js-link').dispatchEvent('click');
    await new Promise((r) => setTimeout(r, 1500));

    const sandbox = await page.locator('iframe.mail-html').getAttribute('sandbox');
    expect(sandbox?.split(' ').sort()).toEqual(['allow-popups', 'allow-popups-to-escape-sandbox']);
    const inside = await frame.locator('body').evaluate((body) => ({
      scripts: body.ownerDocument.querySelectorAll('script').length,
      forms: body.ownerDocument.querySelectorAll('form, input, iframe, meta[http-equiv="refresh"], link').length,
      handlers: Array.from(body.ownerDocument.querySelectorAll("*")).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith('on'))).length,
      scriptLinks: Array.from(body.ownerDocument.querySelectorAll("a")).filter((a) => /javascript:/i.test(a.getAttribute('href') ?? a.getAttribute('xlink:href') ?? '')).length,
      // Not left for the CSP alone to block: a preload scanner may fetch an image before the policy applies.
      fetchingSources: Array.from(body.ownerDocument.querySelectorAll('[src], [srcset], [background], [poster]')).filter((el) =>
        ['src', 'srcset', 'background', 'poster'].some((name) => !/^\s*data:|^$/i.test(el.getAttribute(name) ?? '')),
      ).length,
    }));
    expect(inside).toEqual({ scripts: 0, forms: 0, handlers: 0, scriptLinks: 0, fetchingSources: 0 });
    const links = await frame.locator('a[href]').evaluateAll((as) => as.map((a) => `${a.getAttribute('target')} ${a.getAttribute('rel')}`));
    expect(links).toEqual(['_blank noopener noreferrer']);
    expect(tracker.received).toEqual([]);
    expect(requests.filter((url) => url.startsWith(bait('')))).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { posted?: string }).posted)).toBeUndefined();
    expect(consoleMessages.filter((m) => /pwned|onerror/.test(m))).toEqual([]);
    // The only errors are the defences at work (the mail's CSP and sandbox): nothing the page itself needs went missing.
    expect(consoleMessages.filter((m) => m.startsWith('error:') && !/Content Security Policy|sandboxed/.test(m))).toEqual([]);

    // Asked for, remote images load; nothing else the mail held comes back with them.
    await Promise.all([page.waitForRequest(bait('pixel.png')), page.getByRole('button', { name: 'Load remote content' }).click()]);
    await tracker.waitFor(1);
    expect(requests.filter((url) => url.startsWith(bait('')) && !/\.png$/.test(url))).toEqual([]);
  });

  it('writes a message and a reply from the inbox; the sent copies join its list', async () => {
    await page.getByRole('button', { name: 'Write' }).click();
    await page.getByLabel('To', { exact: true }).fill('someone@elsewhere.example');
    await page.getByLabel('Subject', { exact: true }).fill('Written in the page');
    await page.getByLabel('Message text').fill('Hello from the dashboard');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('button', { name: /To someone@elsewhere.example.*Written in the page/ }).waitFor();

    await page.getByRole('button', { name: /Your sign-in code/ }).click();
    await page.getByRole('button', { name: 'Reply' }).click();
    await page.getByLabel('Message text').fill('Thanks, got it');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('button', { name: /To ada@example.com.*Re: Your sign-in code/ }).waitFor();
  });

  it('mints an API key with chosen scopes and shows it once', async () => {
    await page.getByRole('button', { name: 'API keys' }).click();
    await page.getByLabel('Key name').fill('read-only browser key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const minted = await page.locator('code.minted').innerText();
    expect(minted).toMatch(/^mr_\w+$/);
    await shot('api-keys');
    await page.getByRole('button', { name: 'Done' }).click();

    expect(await page.locator('code.minted').count()).toBe(0);
    expect(await page.content()).not.toContain(minted);
    await page.getByRole('button', { name: 'Mail' }).click();
  });

  it('shows a vault’s names and TOTP codes to a key without vault:reveal, and never its secrets or seeds', async () => {
    const password = 'correct-horse-battery-staple';
    const seed = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const admin = { Authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' };
    const inbox = (await (await fetch(`${stack.apiUrl}/v1/inboxes`, { headers: admin })).json()).data.find((i: { address: string }) => i.address === 'browser@mailroom.test');
    await fetch(`${stack.apiUrl}/v1/inboxes/${inbox.id}/vault/github`, { method: 'PUT', headers: admin, body: JSON.stringify({ type: 'login', username: 'ada', password, url: 'https://github.com', totp: { seed } }) });
    const created = await fetch(`${stack.apiUrl}/v1/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'totp only', scopes: ['inboxes:read', 'messages:read', 'vault:totp'] }) });
    const limitedKey: string = (await created.json()).key;

    const limited = await browser.newPage();
    await limited.goto(`${stack.apiUrl}/`);
    await limited.getByLabel('API key').fill(limitedKey);
    await limited.getByRole('button', { name: 'Sign in' }).click();
    await limited.getByRole('button', { name: /^browser@mailroom.test/ }).click();
    await limited.getByRole('button', { name: 'Vault' }).click();
    await limited.getByText('User: ada').waitFor();
    const code = await limited.getByLabel('TOTP code').innerText();

    expect(code).toMatch(/^\d{6}$/);
    expect(await limited.getByRole('button', { name: 'Reveal' }).count()).toBe(0);
    const html = await limited.content();
    expect(html).not.toContain(password);
    expect(html).not.toContain(seed);
    expect(await limited.getByRole('button', { name: 'API keys' }).count()).toBe(0);
    await limited.close();

    // The admin may reveal the password; the seed stays out of the page all the same.
    await page.getByRole('button', { name: /^browser@mailroom.test/ }).click();
    await page.getByRole('button', { name: 'Vault' }).click();
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.getByText(password).waitFor();
    expect(await page.content()).not.toContain(seed);
    await shot('vault');
  });

  it('manages webhooks (secret shown once, enable and disable, deliveries) and shows the audit log', async () => {
    const receiver = await startReceiver();
    await page.getByRole('button', { name: 'Webhooks' }).click();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secret = await page.getByRole('status').locator('code').innerText();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('disabled', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByText('enabled', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Deliveries' }).click();
    await page.getByText('No deliveries yet.').waitFor();
    await receiver.close();

    await page.getByRole('button', { name: 'Audit log' }).click();
    await page.getByRole('cell', { name: 'webhook.created' }).waitFor();
    await page.getByRole('cell', { name: 'inbox.created' }).waitFor();
    await page.getByRole('button', { name: 'Mail' }).click();
  });

  it('manages the org’s and an inbox’s rules, and shows the mail they blocked apart', async () => {
    const admin = { Authorization: `Bearer ${stack.adminKey}` };
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Rules' }).click();
    await page.getByRole('heading', { name: 'Rules for every inbox' }).waitFor();
    await page.getByLabel('Match').fill('spam.example');
    await page.getByLabel('Note').fill('offers we never asked for');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('list', { name: 'Receiving rules' }).getByText('spam.example').waitFor();

    await page.getByRole('button', { name: 'Mail' }).click();
    await page.getByRole('button', { name: /^browser@mailroom.test/ }).click();
    await page.getByRole('region', { name: 'Messages in browser@mailroom.test' }).getByRole('button', { name: 'Rules' }).click();
    const inboxRules = page.getByRole('region', { name: 'Rules · browser@mailroom.test' });
    await inboxRules.getByLabel('Direction').selectOption('sending');
    await inboxRules.getByLabel('Match').fill('rival.example');
    await inboxRules.getByRole('button', { name: 'Add rule' }).click();
    await inboxRules.getByRole('list', { name: 'Sending rules' }).getByText('rival.example').waitFor();
    await inboxRules.getByLabel('Direction').selectOption('sending');
    await inboxRules.getByLabel('Action').selectOption('allow');
    await inboxRules.getByLabel('Match').fill('ceo@rival.example');
    await inboxRules.getByRole('button', { name: 'Add rule' }).click();
    await inboxRules.getByRole('button', { name: 'Move ceo@rival.example up' }).click();
    const sending = inboxRules.getByRole('list', { name: 'Sending rules' }).getByRole('listitem');
    await page.waitForFunction(() => document.querySelector('[aria-label="Sending rules"] li code')?.textContent === 'ceo@rival.example');
    expect(await sending.allInnerTexts()).toEqual([expect.stringMatching(/^allow ceo@rival\.example/), expect.stringMatching(/^block rival\.example/)]);
    await shot('rules');

    await smtp().sendMail({ from: 'Offers <offers@spam.example>', to: 'browser@mailroom.test', subject: 'You won a prize', text: 'Your code is 999999' });
    const inbox = (await (await fetch(`${stack.apiUrl}/v1/inboxes`, { headers: admin })).json()).data.find((i: { address: string }) => i.address === 'browser@mailroom.test');
    const blockedUrl = `${stack.apiUrl}/v1/inboxes/${inbox.id}/messages?blocked=true`;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      if ((await (await fetch(blockedUrl, { headers: admin })).json()).data.length) break;
    }
    await page.keyboard.press('Escape');
    await inboxRules.waitFor({ state: 'detached' });
    await page.getByLabel('Blocked').check();
    await page.getByRole('button', { name: /blocked by the org’s rule.*You won a prize/ }).waitFor();
    await page.getByLabel('Blocked').uncheck();
    await page.getByRole('button', { name: /^Ada.*Your sign-in code/ }).waitFor();
    expect(await page.getByRole('button', { name: /You won a prize/ }).count()).toBe(0);

    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No receiving rules: everything passes.').waitFor();
    expect(dialogs.at(-1)).toBe('Remove the rule to block spam.example?');
    await page.getByRole('button', { name: 'Mail' }).click();
  });

  it('registers an org’s own domain and shows the DNS records to add', async () => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Domains' }).click();
    await page.getByText('No domains of the org’s own yet.').waitFor();
    await page.getByLabel('Domain', { exact: true }).fill('mail.acme.example');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const records = page.getByRole('table', { name: 'DNS records for mail.acme.example' });
    await records.waitFor();
    expect(await records.getByRole('row').allInnerTexts()).toEqual([
      expect.stringMatching(/^type\s+name\s+value\s+for$/),
      expect.stringMatching(/^MX\s+mail\.acme\.example\s+10 127\.0\.0\.1\s+receiving$/),
      expect.stringMatching(/^TXT\s+mail\.acme\.example\s+v=spf1 include:amazonses\.com ~all\s+spf$/),
      expect.stringMatching(/^TXT\s+_dmarc\.mail\.acme\.example\s+v=DMARC1; p=quarantine; adkim=r; aspf=r\s+dmarc$/),
    ]);
    await page.getByText('verified', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No domains of the org’s own yet.').waitFor();
    await page.getByRole('button', { name: 'Mail' }).click();
  });

  it('fits a phone: one pane at a time, and a reload keeps the tab signed in', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('button', { name: /^browser@mailroom.test/ }).click();
    await page.getByRole('button', { name: /^Ada.*Your sign-in code/ }).waitFor();

    expect(await page.getByRole('navigation', { name: 'Inboxes' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: '‹ Inboxes' }).isVisible()).toBe(true);
    await shot('phone');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('phone-dark');
  });
});
