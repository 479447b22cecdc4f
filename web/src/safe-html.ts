import DOMPurify from 'dompurify';

/** Tags a mail's HTML may not bring along, whatever the sandbox would do with them. */
const FORBID_TAGS = ['script', 'form', 'input', 'button', 'select', 'textarea', 'iframe', 'frame', 'object', 'embed', 'base', 'meta', 'link'];
const REMOTE = /\b(?:src|background|poster)\s*=\s*["']?\s*(?:https?:)?\/\/|url\(\s*["']?\s*(?:https?:)?\/\//gi;

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/**
 * The document a received HTML mail is shown as, inside an iframe with an empty sandbox (plus popups, for links):
 * sanitized by DOMPurify, then under its own Content-Security-Policy that allows no script, no connection and, until
 * the reader asks, no remote image, font or style, so tracking pixels stay unloaded.
 */
export function mailDocument(html: string, loadRemote: boolean): { srcdoc: string; remoteReferences: number } {
  const clean = DOMPurify.sanitize(html, { FORBID_TAGS, FORBID_ATTR: ['action', 'formaction', 'ping'], WHOLE_DOCUMENT: false });
  const images = loadRemote ? 'data: https: http:' : 'data:';
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src ${images}; font-src data:; form-action 'none'`;
  const srcdoc = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><style>body{font:14px/1.5 system-ui,sans-serif;margin:12px;overflow-wrap:anywhere}img{max-width:100%}</style></head><body>${clean}</body></html>`;
  return { srcdoc, remoteReferences: (html.match(REMOTE) ?? []).length };
}

/** The iframe's sandbox: no scripts, no same origin, no forms, no top navigation; links may open a new tab. */
export const MAIL_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';
