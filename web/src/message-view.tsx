import { useEffect, useState } from 'preact/hooks';
import type { Inbox, Message } from '../../lib/client';
import { can, dataOf, download, type Session } from './api';
import { Compose } from './compose';
import { MAIL_SANDBOX, mailDocument } from './safe-html';

type Tab = 'html' | 'text' | 'headers';

/** One message: its mail (HTML sandboxed, text, headers), SES's verdicts, extracted codes and links, attachments. */
export function MessageView({ session, inbox, messageId, onBack }: { session: Session; inbox: Inbox; messageId: string; onBack: () => void }) {
  const [message, setMessage] = useState<Message | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('html');
  const [loadRemote, setLoadRemote] = useState(false);
  const [replying, setReplying] = useState(false);
  const base = `/v1/inboxes/${inbox.id}/messages/${messageId}`;

  useEffect(() => {
    const path = { inboxId: inbox.id, messageId };
    dataOf(session.client.GET('/v1/inboxes/{inboxId}/messages/{messageId}', { params: { path } })).then((m) => {
      setMessage(m);
      setTab(m.html ? 'html' : 'text');
      if (m.unread && can(session, 'inboxes:write')) void session.client.PATCH('/v1/inboxes/{inboxId}/messages/{messageId}', { params: { path }, body: { unread: false } });
    }, (err: Error) => setError(err.message));
  }, [session, inbox.id, messageId]);

  if (error) return <article class="pane message"><p role="alert" class="error">{error}</p></article>;
  if (!message) return <article class="pane message"><p class="muted">Loading…</p></article>;

  const fail = (err: Error) => setError(err.message);
  const mail = message.html ? mailDocument(message.html, loadRemote) : null;
  const { verdicts, extracted } = message;
  return (
    <article class="pane message" aria-label="Message">
      <div class="pane-head">
        <button type="button" class="back" onClick={onBack}>
          ‹ Messages
        </button>
        <h2>{message.subject || '(no subject)'}</h2>
      </div>
      <dl class="meta">
        <dt>From</dt>
        <dd>{message.from ? `${message.from.name ? `${message.from.name} ` : ''}<${message.from.address}>` : 'unknown'}</dd>
        <dt>To</dt>
        <dd>{message.to.map((a) => a.address).join(', ')}</dd>
        <dt>Received</dt>
        <dd>{new Date(message.receivedAt).toLocaleString()}</dd>
        <dt>Checks</dt>
        <dd class="verdicts">
          {(['spf', 'dkim', 'dmarc', 'spam', 'virus'] as const).map((name) => (
            <span key={name} class={`verdict ${verdicts[name].toLowerCase()}`} title={`${name}: ${verdicts[name]}`}>
              {name.toUpperCase()} {verdictWord(verdicts[name])}
            </span>
          ))}
        </dd>
      </dl>
      {message.parseError ? <p class="warning">This mail could not be fully parsed ({message.parseError.reason}); the raw bytes are kept.</p> : null}
      {extracted.codes.length || extracted.codesWithheld ? (
        <section class="codes" aria-label="Codes">
          {extracted.codes.map((code) => (
            <span key={code} class="code">
              <code>{code}</code>
              <button type="button" onClick={() => void navigator.clipboard.writeText(code)} aria-label={`Copy ${code}`}>
                Copy
              </button>
            </span>
          ))}
          {extracted.codesWithheld ? <span class="muted">Codes withheld: the mail {extracted.codesWithheld === 'spam' ? 'was flagged as spam' : 'failed DMARC'}.</span> : null}
        </section>
      ) : null}
      {extracted.links.length ? (
        <details class="links">
          <summary>{extracted.links.length} links</summary>
          <ul>
            {extracted.links.map((link) => (
              <li key={link.url}>
                <span class="kind">{link.kind}</span>{' '}
                <a href={link.url} target="_blank" rel="noopener noreferrer">
                  {link.text || link.url}
                </a>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <div class="tabs" role="tablist">
        {(['html', 'text', 'headers'] as const).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} disabled={t === 'html' && !message.html} onClick={() => setTab(t)}>
            {t === 'html' ? 'HTML' : t === 'text' ? 'Text' : 'Headers'}
          </button>
        ))}
        <button type="button" onClick={() => download(session, `${base}/raw`, `${message.id}.eml`).catch(fail)}>
          Download raw
        </button>
        {can(session, 'messages:send') ? (
          <button type="button" onClick={() => setReplying(!replying)}>
            Reply
          </button>
        ) : null}
      </div>
      {replying ? <Compose session={session} inbox={inbox} replyTo={{ messageId: message.id, subject: message.subject }} onDone={() => setReplying(false)} /> : null}
      {tab === 'html' && mail ? (
        <>
          {mail.remoteReferences && !loadRemote ? (
            <p class="notice">
              Remote images and styles are blocked ({mail.remoteReferences}); they can tell the sender you opened this.{' '}
              <button type="button" onClick={() => setLoadRemote(true)}>
                Load remote content
              </button>
            </p>
          ) : null}
          <iframe class="mail-html" title="Message HTML" sandbox={MAIL_SANDBOX} srcdoc={mail.srcdoc} referrerpolicy="no-referrer" />
        </>
      ) : null}
      {tab === 'text' ? <pre class="mail-text">{message.text ?? '(no text part)'}</pre> : null}
      {tab === 'headers' ? (
        <table class="headers">
          <tbody>
            {message.headers.map((h, i) => (
              <tr key={i}>
                <th scope="row">{h.name}</th>
                <td>{h.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {message.attachments.length ? (
        <section class="attachments" aria-label="Attachments">
          <h3>Attachments</h3>
          <ul>
            {message.attachments.map((a) => (
              <li key={a.id}>
                <button type="button" onClick={() => download(session, `${base}/attachments/${a.id}`, a.filename ?? a.id).catch(fail)}>
                  {a.filename ?? '(unnamed)'}
                </button>{' '}
                <span class="muted">
                  {a.contentType}, {formatBytes(a.size)}
                </span>
                <code class="sha" title="SHA-256">
                  {a.sha256}
                </code>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </article>
  );
}

function verdictWord(status: string): string {
  return status === 'PASS' ? '✓' : status === 'FAIL' ? '✗' : status === 'GRAY' ? '?' : '–';
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
