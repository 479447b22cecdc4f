import { EventEmitter } from 'node:events';
import { logEvent } from '../core/events/event-log';
import type { CoreDeps } from '../core/deps';
import type { ArrivalWatch, EventBus, EventNotices, MailroomEvent } from '../ports';
import { emitterWatch } from './emitter-watch';

/**
 * The laptop logs each event as it is published, in the one process that publishes them all: writes are made one
 * at a time, each at a later millisecond than the one before, so the log's order is the order of the writes and a
 * stream needs no settle time. Streams hear of each write at once.
 */
export class LocalEventLog implements EventNotices {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private last = 0;
  private queue: Promise<void> = Promise.resolve();

  /** `bus`, each event logged (and streams told) before it is handed on. */
  logging(deps: () => Pick<CoreDeps, 'table' | 'clock'>, bus: EventBus): EventBus {
    return {
      publish: async (event: MailroomEvent) => {
        const written = this.queue.then(() => {
          const at = Math.max(deps().clock.now().getTime(), this.last + 1);
          this.last = at;
          return logEvent(deps(), event, new Date(at));
        });
        // One failed write fails its own publish (and its delivery is retried), not the ones queued after it.
        this.queue = written.catch(() => undefined);
        await written;
        this.emitter.emit(event.orgId);
        await bus.publish(event);
      },
    };
  }

  watch(orgId: string): ArrivalWatch {
    return emitterWatch(this.emitter, orgId);
  }
}
