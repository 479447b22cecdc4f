import { useEffect, useState } from 'preact/hooks';
import type { AuditEvent } from '../../lib/client';
import { dataOf, type Session } from './api';

/** The org's audit log, newest first: who did what to what, and when. */
export function AuditLogPanel({ session }: { session: Session }) {
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    dataOf(session.client.GET('/v1/audit-events', { params: { query: { limit: 100 } } })).then((p) => setEvents(p.data), (e: Error) => setError(e.message));
  }, [session]);
  return (
    <section class="page" aria-label="Audit log">
      <h2>Audit log</h2>
      {error ? <p role="alert" class="error">{error}</p> : null}
      <table class="list">
        <thead>
          <tr>
            <th>When</th>
            <th>Action</th>
            <th>Target</th>
            <th>By</th>
          </tr>
        </thead>
        <tbody>
          {events?.map((e) => (
            <tr key={e.id}>
              <td>
                <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
              </td>
              <td>{e.action}</td>
              <td>
                {e.target.type} <code>{e.target.id}</code>
              </td>
              <td>
                {e.actor.type === 'system' ? 'Mailroom' : <code>{e.actor.id}</code>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
