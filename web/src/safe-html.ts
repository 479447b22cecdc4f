import DOMPurify from 'dompurify';

/** Tags a mail's HTML may not bring along, whatever the sandbox would do with them. */
const FORBID_TAGS = ['script', 'form', 'input', 'button', 'select', 'textarea', 'iframe', 'frame', 'object', 'embed', 'base', 'meta', 'link'];
const REMOTE = /\b(?:src|background|poster)\s*=\s*["']?\s*(?:https?:)?\/\/|url\(\s*["']?\s*(?:https?:)?\/\//gi;

/** Attributes through which an element fetches something as soon as it is parsed. */
const FETCHING_ATTRIBUTES = ['src', 'background', 'poster'];
/** Browsers read `https:host`, `https:\\host` and relative paths as URLs too: only an inline source fetches nothing. */
const INLINE_SOURCE = /^\s*data:/i;
/** Set while sanitizing a mail whose reader asked for its remote images. */
let keepRemote = false;

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
  // The document's CSP blocks remote images too, but Chromium's preload scanner may ask for one before the policy
  // is applied: until the reader asks, only inline sources are in the document at all.
  if (keepRemote) return;
  for (const name of FETCHING_ATTRIBUTES) {
    const value = node.getAttribute(name);
    if (value !== null && !INLINE_SOURCE.test(value)) node.removeAttribute(name);
  }
  // A list of candidates, any of which may be fetched; the element's `src`, if inline, still shows.
  node.removeAttribute('srcset');
});

/**
 * The document a received HTML mail is shown as, inside an iframe with an empty sandbox (plus popups, for links):
 * sanitized by DOMPurify, then under its own Content-Security-Policy that allows no script, no connection and, until
 * the reader asks, no remote image, font or style, so tracking pixels stay unloaded.
 */
export function mailDocument(html: string, loadRemote: boolean): { srcdoc: string; remoteReferences: number } {
  keepRemote = loadRemote;
  let clean: string;
  try {
    clean = DOMPurify.sanitize(html, { FORBID_TAGS, FORBID_ATTR: ['action', 'formaction', 'ping'], WHOLE_DOCUMENT: false });
  } finally {
    keepRemote = false;
  }
  const images = loadRemote ? 'data: https: http:' : 'data:';
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src ${images}; font-src data:; form-action 'none'`;
  const srcdoc = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><style>body{font:14px/1.5 system-ui,sans-serif;margin:12px;overflow-wrap:anywhere}img{max-width:100%}</style></head><body>${clean}</body></html>`;
  return { srcdoc, remoteReferences: (html.match(REMOTE) ?? []).length };
}

/** The iframe's sandbox: no scripts, no same origin, no forms, no top navigation; links may open a new tab. */
export const MAIL_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';
