import { extractFromMail, type MailForExtraction } from '../../lambdas/core/mail/extract';

const mail = (m: Partial<MailForExtraction>): MailForExtraction => ({ subject: '', text: null, html: null, listUnsubscribe: null, ...m });
const codes = (m: Partial<MailForExtraction>) => extractFromMail(mail(m)).codes;
const links = (m: Partial<MailForExtraction>) => extractFromMail(mail(m)).links.map((l) => [l.kind, l.url]);

describe('extracting one-time codes', () => {
  it('finds a code next to words like "code", "passcode" or "verification", as written', () => {
    expect(codes({ subject: 'Your verification code', text: 'Your code is 482913. It expires in 10 minutes.' })).toEqual(['482913']);
    expect(codes({ text: 'Enter this one-time passcode: 731-044' })).toEqual(['731-044']);
    expect(codes({ text: 'Security code: K7Q2ZP' })).toEqual(['K7Q2ZP']);
    expect(codes({ subject: '391827 is your Picturegram code' })).toEqual(['391827']);
  });

  it('reads codes in the languages mail arrives in', () => {
    expect(codes({ text: 'Ihr Bestätigungscode lautet 58203.' })).toEqual(['58203']);
    expect(codes({ text: 'Ваш код подтверждения: 4172' })).toEqual(['4172']);
    expect(codes({ text: '認証コード：739204' })).toEqual(['739204']);
    expect(codes({ text: '您的验证码是 615283，10分钟内有效。' })).toEqual(['615283']);
    expect(codes({ text: '인증번호 [306781]를 입력하세요' })).toEqual(['306781']);
  });

  it('takes a code shown alone below its label, as HTML templates do', () => {
    expect(codes({ html: '<table><tr><td>Your sign-in code:</td></tr><tr><td><strong style="letter-spacing:4px">902177</strong></td></tr></table>' })).toEqual(['902177']);
  });

  it('leaves numbers that only stand near a code word alone: offers, orders, postcodes, amounts, phones, times, years', () => {
    expect(codes({ text: 'Use promo code SUMMER24 for 20% off' })).toEqual([]);
    expect(codes({ subject: 'Last chance: 25% off with code FROSTY25' })).toEqual([]);
    expect(codes({ text: 'Order 55512 ships on 2026-12-01. Postal code 10115.' })).toEqual([]);
    expect(codes({ text: 'Your code expires at 10:30. Charged €1,299.00. Call +44 20 7946 0958.' })).toEqual([]);
    expect(codes({ text: 'Code valid through 2027' })).toEqual([]);
    expect(codes({ text: 'Your code is below.\nAcme Inc · 500 Market Street · San Francisco, CA 94105' })).toEqual([]);
  });

  it('withholds codes from mail that failed DMARC or was flagged as spam, saying why, unless the inbox opts in', () => {
    const otp = mail({ text: 'Your code is 482913' });
    expect(extractFromMail(otp, { dmarc: 'FAIL', spam: 'PASS' })).toMatchObject({ codes: [], codesWithheld: 'dmarc_failed' });
    expect(extractFromMail(otp, { dmarc: 'PASS', spam: 'FAIL' })).toMatchObject({ codes: [], codesWithheld: 'spam' });
    expect(extractFromMail(otp, { dmarc: 'GRAY', spam: 'PASS' })).toMatchObject({ codes: ['482913'], codesWithheld: null });
    expect(extractFromMail(otp, { dmarc: 'FAIL', spam: 'FAIL', codesFromUnverifiedMail: true })).toMatchObject({ codes: ['482913'], codesWithheld: null });
  });
});

describe('extracting and classifying links', () => {
  it('collects hrefs (entities decoded) and bare URLs once each, never images, stylesheets or mailto', () => {
    const html =
      '<link rel="stylesheet" href="https://cdn.example.com/s.css"><img src="https://cdn.example.com/pixel.gif">' +
      '<p><a href="https://app.example.com/confirm?t=abc&amp;u=1">Confirm my email</a> or paste https://app.example.com/confirm?t=abc&u=1</p>' +
      '<p><a href="mailto:help@example.com">write to us</a> · <a href="https://example.com/">Acme</a></p>';
    expect(links({ html })).toEqual([
      ['verify', 'https://app.example.com/confirm?t=abc&u=1'],
      ['other', 'https://example.com/'],
    ]);
  });

  it('knows a link by its anchor text, then its sentence, then its URL, in many languages', () => {
    const html =
      '<p><a href="https://click.example.com/ls/click?upn=a1">Passwort zurücksetzen</a></p>' +
      '<p>Pour vous connecter, <a href="https://click.example.com/ls/click?upn=a2">cliquez ici</a></p>' +
      '<p><a href="https://click.example.com/ls/click?upn=a3">配信停止</a></p>' +
      '<p><a href="https://app.example.com/verify-email?t=1">here</a></p>';
    expect(links({ html })).toEqual([
      ['reset', 'https://click.example.com/ls/click?upn=a1'],
      ['magic-link', 'https://click.example.com/ls/click?upn=a2'],
      ['unsubscribe', 'https://click.example.com/ls/click?upn=a3'],
      ['verify', 'https://app.example.com/verify-email?t=1'],
    ]);
  });

  it('takes the line above a URL that stands alone in plain text as its sentence', () => {
    expect(links({ text: 'To reset your password, open:\nhttps://id.example.com/r/8f2a\n\nThanks' })).toEqual([['reset', 'https://id.example.com/r/8f2a']]);
  });

  it('treats help articles about an action as reading, not the action', () => {
    expect(links({ html: '<a href="https://help.example.com/articles/reset-password">How password resets work</a>' })).toEqual([
      ['other', 'https://help.example.com/articles/reset-password'],
    ]);
  });

  it('adds the https address of List-Unsubscribe as an unsubscribe link', () => {
    const listUnsubscribe = '<mailto:leave@lists.example.com>, <https://lists.example.com/u/abc>';
    expect(links({ text: 'News', listUnsubscribe })).toEqual([['unsubscribe', 'https://lists.example.com/u/abc']]);
  });

  it('keeps the anchor text with each link', () => {
    const [link] = extractFromMail(mail({ html: '<a href="https://app.example.com/magic/xyz"> Sign in to <b>Acme</b> </a>' })).links;
    expect(link).toEqual({ url: 'https://app.example.com/magic/xyz', kind: 'magic-link', text: 'Sign in to Acme' });
  });
});
