/** How far a read-ahead may run in front of its consumer. */
export interface ReadAheadLimits<T> {
  /** Reads in flight or waiting to be taken, at most. */
  items: number;
  /** Their estimated bytes, at most; a single read larger than this still goes, alone. */
  bytes: number;
  sizeOf: (item: T) => number;
}

/**
 * `fetch` for each item of `source`, in order, with the next reads already under way while the consumer handles
 * one: a stream of store reads then waits about one round trip per window instead of one per item, and memory
 * stays bounded by the window.
 */
export async function* readAhead<T, R>(source: AsyncIterable<T>, fetch: (item: T) => Promise<R>, limits: ReadAheadLimits<T>): AsyncGenerator<R> {
  const window: { result: Promise<R>; bytes: number }[] = [];
  let windowBytes = 0;
  const items = source[Symbol.asyncIterator]();
  try {
    let next = await items.next();
    for (;;) {
      while (!next.done && window.length < limits.items && (window.length === 0 || windowBytes + limits.sizeOf(next.value) <= limits.bytes)) {
        const bytes = limits.sizeOf(next.value);
        const result = fetch(next.value);
        // Its failure surfaces when its turn comes; until then it must not count as unhandled.
        result.catch(() => undefined);
        window.push({ result, bytes });
        windowBytes += bytes;
        next = await items.next();
      }
      const head = window.shift();
      if (!head) return;
      windowBytes -= head.bytes;
      yield await head.result;
    }
  } finally {
    // A consumer that stops early (a client gone) stops the source too; reads already under way just finish.
    await items.return?.();
  }
}
