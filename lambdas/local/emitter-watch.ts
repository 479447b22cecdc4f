import type { EventEmitter } from 'node:events';
import type { ArrivalWatch } from '../ports';

/**
 * Listens to `key` on the emitter: `next` resolves true at once if something `wanted` was emitted since the last
 * call (nothing is lost between calls), else at the next such emit, or false after `ms`.
 */
export function emitterWatch(emitter: EventEmitter, key: string, wanted: (payload: unknown) => boolean = () => true): ArrivalWatch {
  let unreported = false;
  let wake: (() => void) | undefined;
  const onEmit = (payload: unknown) => {
    if (!wanted(payload)) return;
    unreported = true;
    wake?.();
  };
  emitter.on(key, onEmit);
  return {
    next: (ms) => {
      if (unreported) {
        unreported = false;
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const done = (told: boolean) => {
          clearTimeout(timer);
          wake = undefined;
          unreported = false;
          resolve(told);
        };
        const timer = setTimeout(() => done(false), ms);
        wake = () => done(true);
      });
    },
    close: () => void emitter.off(key, onEmit),
  };
}
