import type { EventBus, MailroomEvent } from '../ports';

/**
 * The laptop's bus has one consumer, the webhook fan-out, so an event no endpoint wants is dropped here rather than
 * queued: most mail on a laptop goes to no webhook, and that saves it a queued job's write and delete. On AWS
 * every event goes to EventBridge, where a team's own rules may want it too.
 */
export function subscribedEvents(queue: EventBus, wanted: (event: MailroomEvent) => Promise<boolean>): EventBus {
  return {
    publish: async (event) => {
      if (await wanted(event)) await queue.publish(event);
    },
  };
}
