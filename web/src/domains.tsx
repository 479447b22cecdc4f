import { useEffect, useState } from 'preact/hooks';
import type { Domain } from '../../lib/client';
import { can, dataOf, type Session } from './api';

/** The org's own domains: add one (its DNS records shown to copy), see whether it is verified, remove it. */
export function DomainsPanel({ session }: { session: Session }) {
  const [domains, setDomains] = useState<Domain[] | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const fail = (err: Error) => setError(err.message);
  const load = () => dataOf(session.client.GET('/v1/domains', {})).then((page) => setDomains(page.data), fail);
  useEffect(() => void load(), [session]);
  const editable = can(session, 'inboxes:write') && session.inboxIds === null;

  const add = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await dataOf(session.client.POST('/v1/domains', { body: { domain: name } }));
      setName('');
      await load();
    } catch (err) {
      fail(err as Error);
    }
  };
  const remove = (domain: Domain) =>
    confirm(`Remove ${domain.domain}? Its mail will no longer reach this org.`) &&
    dataOf(session.client.DELETE('/v1/domains/{domain}', { params: { path: { domain: domain.domain } } })).then(load, fail);

  return (
    <section class="page" aria-label="Domains">
      <h2>Domains</h2>
      <p class="muted">Domains of your own: add the DNS records below at your DNS provider; once the domain is verified, inboxes there receive mail.</p>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {domains?.length === 0 ? <p class="muted">No domains of the org’s own yet.</p> : null}
      <ul class="cards">
        {domains?.map((domain) => (
          <li class="card" key={domain.domain}>
            <strong>{domain.domain}</strong> <span class={`badge ${domain.status === 'verified' ? 'allow' : 'block'}`}>{domain.status}</span>
            <table class="records" aria-label={`DNS records for ${domain.domain}`}>
              <thead>
                <tr>
                  <th>type</th>
                  <th>name</th>
                  <th>value</th>
                  <th>for</th>
                </tr>
              </thead>
              <tbody>
                {domain.records.map((r) => (
                  <tr key={`${r.type} ${r.name} ${r.value}`}>
                    <td>{r.type}</td>
                    <td>
                      <code>{r.name}</code>
                    </td>
                    <td>
                      <code>{r.value}</code>
                    </td>
                    <td>{r.purpose}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {editable ? (
              <div class="actions">
                <button type="button" onClick={() => void remove(domain)}>
                  Remove
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {editable ? (
        <form class="card rule-form" onSubmit={add} aria-label="New domain">
          <label class="wide">
            Domain
            <input required placeholder="mail.example.com" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <button type="submit">Add domain</button>
        </form>
      ) : null}
    </section>
  );
}
