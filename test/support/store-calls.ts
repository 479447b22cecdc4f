type Named = (...args: any[]) => string | undefined;

/**
 * Watches calls on ports (table, blobs) until `jest.restoreAllMocks()`: each watched call is recorded as
 * `start <name>` when made and `end <name>` when it settles; a call whose name is undefined is not recorded.
 */
export function watchStoreCalls(watched: [port: object, method: string, name: Named][]) {
  const events: string[] = [];
  for (const [port, method, name] of watched) {
    const target = port as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const real = target[method].bind(port);
    jest.spyOn(target, method).mockImplementation(async (...args: unknown[]) => {
      const call = name(...args);
      if (call === undefined) return real(...args);
      events.push(`start ${call}`);
      try {
        return await real(...args);
      } finally {
        events.push(`end ${call}`);
      }
    });
  }
  return {
    events,
    /** The calls by round: a call made while none was in flight starts a round; calls made while one was join it. */
    rounds(): string[][] {
      const rounds: string[][] = [];
      let inFlight = 0;
      for (const event of events) {
        const [edge, ...name] = event.split(' ');
        if (edge === 'end') inFlight--;
        else if (inFlight++ === 0) rounds.push([name.join(' ')]);
        else rounds[rounds.length - 1].push(name.join(' '));
      }
      return rounds;
    },
  };
}
