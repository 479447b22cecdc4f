import { apiBase, type Session } from './api';

/** What the page needs of an event: its type and the inbox it is about. */
export interface LiveEvent {
  id: string;
  type: string;
  inboxId: string | null;
}

/** After a failed or ended stream, the page reconnects this much later. */
const RECONNECT_MS = 1000;

/**
 * Follows `GET /v1/events` until `signal` aborts, calling `onEvent` for each event. EventSource cannot send the
 * API key, so the stream is read with fetch, and reconnects (with Last-Event-ID, so nothing is missed) whenever it
 * ends or fails. `onOpen` runs each time a stream is open, so the caller can catch up on what came before it.
 */
export async function followEvents(
  session: Session,
  query: Record<string, string>,
  handlers: { onOpen: () => void; onEvent: (event: LiveEvent) => void; onError: (message: string) => void },
  signal: AbortSignal,
): Promise<void> {
  let lastEventId: string | undefined;
  while (!signal.aborted) {
    try {
      const response = await fetch(`${apiBase}/v1/events?${new URLSearchParams(query)}`, {
        headers: { Authorization: `Bearer ${session.apiKey}`, Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
        signal,
      });
      if (!response.ok || !response.body) throw new Error(`${response.status}: ${(await response.json().catch(() => null))?.error?.message ?? response.statusText}`);
      handlers.onOpen();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const blocks = (text + value).split('\n\n');
        text = blocks.pop() ?? '';
        for (const block of blocks) {
          const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
          if (fields.id) lastEventId = fields.id;
          if (fields.data) handlers.onEvent(JSON.parse(fields.data) as LiveEvent);
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      handlers.onError((err as Error).message);
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}
