/**
 * What agents and test suites look for in a mail: one-time codes and links. Heuristic by nature,
 * so it errs towards codes that sit near words like "code", "OTP" or "verification".
 */
const CODE_CONTEXT = /(code|otp|passcode|password|pin|token|verification|verify|confirm|one[- ]time|2fa|security|c[oó]digo|kod|код)/i;
const CODE_CANDIDATE = /(?<![\w-])(?:\d{4,8}|\d{3}[- ]\d{3}|[A-Z0-9]{6,8}(?=[^\w]|$))(?![\w-])/g;
const LINK = /\bhttps?:\/\/[^\s<>"'`)\]}]+/gi;
const MAX_CODES = 10;
const MAX_LINKS = 50;

export interface Extracted {
  codes: string[];
  links: string[];
}

export function extractFromMail(subject: string, text: string | null, html: string | null): Extracted {
  const body = text ?? (html ? htmlToPlain(html) : '');
  return { codes: extractCodes(`${subject}\n${body}`), links: extractLinks(text ?? '', html ?? '') };
}

function extractCodes(content: string): string[] {
  const codes: string[] = [];
  for (const line of content.split(/\r?\n/)) {
    if (!CODE_CONTEXT.test(line)) continue;
    for (const match of line.matchAll(CODE_CANDIDATE)) {
      const code = match[0];
      // An all-letter token is a word, and a bare year is rarely a code.
      if (!/\d/.test(code) || /^(19|20)\d\d$/.test(code)) continue;
      if (!codes.includes(code)) codes.push(code);
      if (codes.length === MAX_CODES) return codes;
    }
  }
  return codes;
}

function extractLinks(text: string, html: string): string[] {
  const links = new Set<string>();
  for (const m of html.matchAll(/\bhref\s*=\s*["']([^"']+)["']/gi)) {
    if (/^https?:\/\//i.test(m[1])) links.add(decodeEntities(m[1]));
  }
  for (const m of text.matchAll(LINK)) links.add(m[0].replace(/[.,;:!?]+$/, ''));
  return [...links].slice(0, MAX_LINKS);
}

function htmlToPlain(html: string): string {
  return decodeEntities(html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n').replace(/<[^>]+>/g, ' '));
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&nbsp;/g, ' ');
}
