/**
 * Awaits store calls made together, answering as if they had been made one after another: whichever fails first
 * in time, the error is the earliest listed call's (an unknown inbox is a 404 before a bad cursor is a 400), and
 * nothing listed is still running once it throws.
 */
export async function inOrder<T extends readonly unknown[]>(calls: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const settled = await Promise.allSettled(calls);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
