import { extractFromMail } from '../../lambdas/core/mail/extract';

describe('extracting codes and links', () => {
  it('finds a one-time code next to words like "code" or "verification"', () => {
    expect(extractFromMail('Your verification code', 'Your code is 482913. It expires in 10 minutes.', null).codes).toEqual(['482913']);
    expect(extractFromMail('Sign in', 'Enter this one-time passcode: 731-044', null).codes).toEqual(['731-044']);
    expect(extractFromMail('Confirm', 'Security code: K7Q2ZP', null).codes).toEqual(['K7Q2ZP']);
  });

  it('ignores numbers with no code nearby, and years', () => {
    expect(extractFromMail('Invoice 2026', 'Order 55512 ships on 2026-12-01 from warehouse 4411.', null).codes).toEqual([]);
    expect(extractFromMail('Your code', 'Code valid through 2027', null).codes).toEqual([]);
  });

  it('collects links from text and html hrefs, once each, without trailing punctuation', () => {
    const { links } = extractFromMail(
      'Confirm your address',
      'Click https://app.example.com/confirm?t=abc&u=1. Or visit https://app.example.com/help',
      '<a href="https://app.example.com/confirm?t=abc&amp;u=1">Confirm</a><a href="mailto:x@y.z">mail</a>',
    );
    expect(links).toEqual(['https://app.example.com/confirm?t=abc&u=1', 'https://app.example.com/help']);
  });

  it('reads codes from html when there is no text part', () => {
    expect(extractFromMail('Login', null, '<p>Your login code is <strong>90 21 77</strong></p><p>Code: <b>902177</b></p>').codes).toEqual(['902177']);
  });
});
