import { useEffect, useState } from 'preact/hooks';
import type { components } from '../../lib/client';
import { dataOf, type Session } from './api';

type Webhook = components['schemas']['Webhook'];
type Delivery = components['schemas']['Delivery'];
const EVENTS = ['message.received', 'message.sent', 'message.delivered', 'message.bounced', 'message.complained'];

/** Webhook endpoints: create (secret shown once), enable or disable, rotate the secret, see deliveries and retry them. */
export function WebhooksPanel({ session }: { session: Session }) {
  const [hooks, setHooks] = useState<Webhook[]>([]);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = (e: Error) => setError(e.message);
  const load = () => dataOf(session.client.GET('/v1/webhooks', { params: { query: { limit: 100 } } })).then((p) => setHooks(p.data), fail);
  useEffect(() => void load(), [session]);

  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await dataOf(session.client.POST('/v1/webhooks', { body: { url, events: ['message.received'] } }));
      setSecret(created.secret);
      setUrl('');
      await load();
    } catch (err) {
      fail(err as Error);
    }
  };
  const path = (hook: Webhook) => ({ params: { path: { webhookId: hook.id } } });
  const setEnabled = (hook: Webhook, enabled: boolean) => dataOf(session.client.PATCH('/v1/webhooks/{webhookId}', { ...path(hook), body: { enabled } })).then(load, fail);
  const rotate = (hook: Webhook) => dataOf(session.client.POST('/v1/webhooks/{webhookId}/rotate-secret', path(hook))).then((r) => setSecret(r.secret), fail);
  const remove = (hook: Webhook) => confirm(`Delete the webhook to ${hook.url}?`) && dataOf(session.client.DELETE('/v1/webhooks/{webhookId}', path(hook))).then(load, fail);

  return (
    <section class="page" aria-label="Webhooks">
      <h2>Webhooks</h2>
      {secret ? (
        <p class="notice" role="status">
          Signing secret, shown only now: <code>{secret}</code>{' '}
          <button type="button" onClick={() => setSecret(null)}>
            Done
          </button>
        </p>
      ) : null}
      <ul class="cards">
        {hooks.map((hook) => (
          <li class="card" key={hook.id}>
            <strong>{hook.url}</strong> <span class="badge">{hook.enabled ? 'enabled' : 'disabled'}</span>
            <div class="muted">{hook.events.join(', ')}</div>
            {hook.disabledReason ? <div class="error">Turned off: {hook.disabledReason}</div> : null}
            <div class="actions">
              <button type="button" onClick={() => void setEnabled(hook, !hook.enabled)}>
                {hook.enabled ? 'Disable' : 'Enable'}
              </button>
              <button type="button" onClick={() => void rotate(hook)}>
                Rotate secret
              </button>
              <button type="button" onClick={() => setOpen(open === hook.id ? null : hook.id)}>
                Deliveries
              </button>
              <button type="button" onClick={() => void remove(hook)}>
                Delete
              </button>
            </div>
            {open === hook.id ? <Deliveries session={session} hook={hook} /> : null}
          </li>
        ))}
      </ul>
      <form class="create" onSubmit={create} aria-label="New webhook">
        <h3>New endpoint</h3>
        <input aria-label="Endpoint URL" type="url" placeholder="https://…" value={url} onInput={(e) => setUrl(e.currentTarget.value)} required />
        <p class="muted">It receives {EVENTS[0]}; change its events through the API.</p>
        <button type="submit">Create webhook</button>
      </form>
      {error ? <p role="alert" class="error">{error}</p> : null}
    </section>
  );
}

function Deliveries({ session, hook }: { session: Session; hook: Webhook }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const load = () =>
    dataOf(session.client.GET('/v1/webhooks/{webhookId}/deliveries', { params: { path: { webhookId: hook.id }, query: { limit: 20 } } })).then((p) => setDeliveries(p.data));
  useEffect(() => void load(), [hook.id]);
  const retry = (d: Delivery) =>
    dataOf(session.client.POST('/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry', { params: { path: { webhookId: hook.id, deliveryId: d.id } } })).then(load);
  if (!deliveries) return <p class="muted">Loading…</p>;
  if (deliveries.length === 0) return <p class="muted">No deliveries yet.</p>;
  return (
    <table class="list">
      <tbody>
        {deliveries.map((d) => (
          <tr key={d.id}>
            <td>{d.eventType}</td>
            <td>{d.status}</td>
            <td>
              {d.attempts.length} attempts{d.attempts.length ? `, last ${d.attempts[d.attempts.length - 1].statusCode ?? d.attempts[d.attempts.length - 1].error}` : ''}
            </td>
            <td>
              <button type="button" onClick={() => void retry(d)}>
                Retry
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
