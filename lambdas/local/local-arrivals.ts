import { EventEmitter } from 'node:events';
import type { ArrivalWatch, Arrivals, EventBus, MailroomEvent } from '../ports';

/**
 * The local stack stores mail and answers waits in one process, so a wait can hear of new mail the moment it
 * is stored instead of at its next look.
 */
export class LocalArrivals implements Arrivals {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  /** `bus`, also telling waiting readers of every message.received it publishes. */
  announcing(bus: EventBus): EventBus {
    return {
      publish: (event: MailroomEvent) => {
        if (event.type === 'message.received' && event.inboxId) this.emitter.emit(inboxKey(event.orgId, event.inboxId));
        return bus.publish(event);
      },
    };
  }

  watch(orgId: string, inboxId: string): ArrivalWatch {
    const key = inboxKey(orgId, inboxId);
    let unreported = false;
    let wake: (() => void) | undefined;
    const onArrival = () => {
      unreported = true;
      wake?.();
    };
    this.emitter.on(key, onArrival);
    return {
      next: (ms) => {
        if (unreported) {
          unreported = false;
          return Promise.resolve();
        }
        return new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            wake = undefined;
            unreported = false;
            resolve();
          };
          const timer = setTimeout(done, ms);
          wake = done;
        });
      },
      close: () => void this.emitter.off(key, onArrival),
    };
  }
}

const inboxKey = (orgId: string, inboxId: string) => `${orgId}/${inboxId}`;
