/** A Server-Sent Events frame as a client reads it. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: any;
  comment?: string;
  retry?: number;
}

/** Splits SSE text into its frames; `rest` is an unfinished frame still waiting for its blank line. */
export function parseSse(text: string): { frames: SseFrame[]; rest: string } {
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  const frames = blocks.map((block) => {
    const frame: SseFrame = {};
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      const [field, value] = colon === -1 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
      if (field === '') frame.comment = value;
      else if (field === 'id') frame.id = value;
      else if (field === 'event') frame.event = value;
      else if (field === 'data') frame.data = JSON.parse(value);
      else if (field === 'retry') frame.retry = Number(value);
    }
    return frame;
  });
  return { frames, rest };
}

/**
 * Reads a stream of SSE bytes until `enough` says so (given the event frames so far) or `timeoutMs` passes, then
 * stops reading (the server's generator is closed, as when a client goes away). Returns every frame read.
 */
export async function readFrames(
  chunks: AsyncIterable<Uint8Array>,
  enough: (events: SseFrame[]) => boolean,
  timeoutMs = 10_000,
): Promise<SseFrame[]> {
  const iterator = chunks[Symbol.asyncIterator]();
  const frames: SseFrame[] = [];
  const events = () => frames.filter((f) => f.event !== undefined);
  let text = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!enough(events())) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([iterator.next(), new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)))]);
      clearTimeout(timer);
      if (next === 'timeout' || next.done) break;
      const parsed = parseSse(text + Buffer.from(next.value).toString('utf8'));
      frames.push(...parsed.frames);
      text = parsed.rest;
    }
  } finally {
    // Not awaited: a generator waiting on its next look finishes closing by itself.
    void iterator.return?.();
  }
  return frames;
}

export const eventFrames = (frames: SseFrame[]) => frames.filter((f) => f.event !== undefined);
