import { readAhead } from '../../lambdas/core/read-ahead';

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** A fetch whose answers the test releases one by one, recording what is in flight. */
function controlledFetch() {
  const pending = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  const started: number[] = [];
  const fetch = (n: number) =>
    new Promise<string>((resolve, reject) => {
      started.push(n);
      pending.set(n, { resolve, reject });
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { fetch, started, pending, settle };
}

describe('reading ahead', () => {
  it('yields every result in the order of its source, whatever order the reads finish in', async () => {
    const { fetch, pending, settle } = controlledFetch();
    const out: string[] = [];
    const done = (async () => {
      for await (const r of readAhead(from([1, 2, 3, 4]), fetch, { items: 4, bytes: 100, sizeOf: () => 1 })) out.push(r);
    })();
    await settle();
    for (const n of [4, 2, 3, 1]) pending.get(n)!.resolve(`r${n}`);
    await done;
    expect(out).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it('keeps at most the given number of reads ahead, and within the byte limit; one larger read still goes alone', async () => {
    const { fetch, started, pending, settle } = controlledFetch();
    const sizes: Record<number, number> = { 1: 10, 2: 10, 3: 10, 4: 50, 5: 10 };
    const out: string[] = [];
    const done = (async () => {
      for await (const r of readAhead(from([1, 2, 3, 4, 5]), fetch, { items: 3, bytes: 25, sizeOf: (n) => sizes[n] })) out.push(r);
    })();
    await settle();
    expect(started).toEqual([1, 2]); // a third would pass 25 bytes
    pending.get(1)!.resolve('r1');
    await settle();
    expect(started).toEqual([1, 2, 3]);
    pending.get(2)!.resolve('r2');
    pending.get(3)!.resolve('r3');
    await settle();
    expect(started).toEqual([1, 2, 3, 4]); // 50 bytes: alone
    pending.get(4)!.resolve('r4');
    await settle();
    pending.get(5)!.resolve('r5');
    await done;
    expect(out).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('stops reading its source when the consumer stops early', async () => {
    let closed = false;
    let pulled = 0;
    async function* pages() {
      try {
        for (let n = 1; n <= 100; n++) {
          pulled++;
          yield n;
        }
      } finally {
        closed = true;
      }
    }
    for await (const r of readAhead(pages(), async (n) => n * 10, { items: 3, bytes: 100, sizeOf: () => 1 })) {
      expect(r).toBe(10);
      break;
    }
    expect(closed).toBe(true);
    expect(pulled).toBeLessThanOrEqual(4);
  });

  it('hands over the results before a failed read, then its error; a failure ahead of its turn is not left unhandled', async () => {
    const { fetch, pending, settle } = controlledFetch();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const out: string[] = [];
    const done = (async () => {
      for await (const r of readAhead(from([1, 2, 3]), fetch, { items: 3, bytes: 100, sizeOf: () => 1 })) out.push(r);
    })();
    await settle();
    pending.get(2)!.reject(new Error('object gone'));
    await settle();
    await settle();
    pending.get(1)!.resolve('r1');
    await expect(done).rejects.toThrow('object gone');
    process.off('unhandledRejection', onUnhandled);
    expect(out).toEqual(['r1']);
    expect(unhandled).toEqual([]);
  });
});
