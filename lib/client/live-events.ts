import type { MailroomClientOptions } from './index';

/** One event of `GET /v1/events`, with the place in the stream (`cursor`) to resume after it. */
export interface StreamedEvent {
  cursor: string;
  id: string;
  type: string;
  timestamp: string;
  inboxId: string | null;
  data: unknown;
}

export interface LiveEventOptions {
  inboxIds?: string[];
  types?: string[];
  /** Resume after this event (a `cursor` seen before); otherwise from what happens next. */
  after?: string;
  signal?: AbortSignal;
  /** Called each time a stream is open (again), e.g. to catch up on what happened before it. */
  onOpen?: () => void;
  /** Called when a stream broke (not when it ended, as it does every ten minutes) and is about to be opened again. */
  onRetry?: (reason: string) => void;
}

/** A lost or ended stream is opened again this much later. */
const RECONNECT_MS = 1000;

/**
 * The live events of `GET /v1/events`, for as long as the caller reads them: a stream that ends (after ten minutes)
 * or breaks is opened again with Last-Event-ID, so no event is missed or repeated. A refusal that retrying cannot
 * cure (a bad filter, a key without messages:read) throws with the API's message. Reads with fetch, as an
 * EventSource cannot send the API key.
 */
export async function* liveEvents(client: MailroomClientOptions, options: LiveEventOptions = {}): AsyncGenerator<StreamedEvent> {
  const fetch = client.fetch ?? globalThis.fetch;
  const query = new URLSearchParams({
    ...(options.inboxIds?.length ? { inboxIds: options.inboxIds.join(',') } : {}),
    ...(options.types?.length ? { types: options.types.join(',') } : {}),
  });
  let after = options.after;
  while (!options.signal?.aborted) {
    try {
      const response = await fetch(`${client.baseUrl.replace(/\/+$/, '')}/v1/events?${query}`, {
        headers: { Authorization: `Bearer ${client.apiKey}`, Accept: 'text/event-stream', ...(after ? { 'Last-Event-ID': after } : {}) },
        signal: options.signal,
      });
      if (!response.ok || !response.body) {
        const error = ((await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
        const message = `${error?.code ?? response.status}: ${error?.message ?? response.statusText}`;
        if (response.status < 500 && response.status !== 429) throw new RefusedError(message);
        throw new Error(message);
      }
      options.onOpen?.();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        let text = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const blocks = (text + value).split('\n\n');
          text = blocks.pop() ?? '';
          for (const block of blocks) {
            const fields = new Map(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).replace(/^ /, '')]));
            const data = fields.get('data');
            const cursor = fields.get('id');
            if (!data || !cursor) continue;
            after = cursor;
            yield { cursor, ...(JSON.parse(data) as Omit<StreamedEvent, 'cursor'>) };
          }
        }
      } finally {
        // A caller that stops reading closes the connection.
        await reader.cancel().catch(() => undefined);
      }
    } catch (err) {
      if (err instanceof RefusedError || options.signal?.aborted) throw err;
      options.onRetry?.((err as Error).message);
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}

class RefusedError extends Error {}
