import { EventEmitter } from 'node:events';
import type { ArrivalWatch, Arrivals, EventBus, MailroomEvent } from '../ports';
import { emitterWatch } from './emitter-watch';

/**
 * The local stack stores mail and answers waits in one process, so a wait can hear of new mail the moment it
 * is stored instead of at its next look.
 */
export class LocalArrivals implements Arrivals {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  /** `bus`, also telling waiting readers of every message.received and message.sent it publishes. */
  announcing(bus: EventBus): EventBus {
    return {
      publish: (event: MailroomEvent) => {
        // Received mail, and the copy of mail the inbox sent: both are messages a wait may be for.
        if ((event.type === 'message.received' || event.type === 'message.sent') && event.inboxId) this.emitter.emit(inboxKey(event.orgId, event.inboxId), event.data);
        return bus.publish(event);
      },
    };
  }

  watch(orgId: string, inboxId: string, wanted: (message: unknown) => boolean): ArrivalWatch {
    // Only mail the watcher wants wakes it: many waits on one busy inbox would otherwise all look at every arrival.
    // It runs inside the publisher's call, so a message it cannot judge wakes it rather than failing the delivery.
    return emitterWatch(this.emitter, inboxKey(orgId, inboxId), (message) => isWanted(wanted, message));
  }
}

const inboxKey = (orgId: string, inboxId: string) => `${orgId}/${inboxId}`;

function isWanted(wanted: (message: unknown) => boolean, message: unknown): boolean {
  try {
    return wanted(message);
  } catch {
    return true;
  }
}
