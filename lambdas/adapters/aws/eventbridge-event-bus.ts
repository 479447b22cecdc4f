import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventBus, MailroomEvent } from '../../ports';

export const EVENT_SOURCE = 'mailroom';

/** Events go to Mailroom's EventBridge bus: webhook fan-out subscribes to it, and so can the customer's own rules. */
export class EventBridgeEventBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(event: MailroomEvent): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: this.busName, Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), Time: new Date(event.timestamp) }],
      }),
    );
    // PutEvents reports per-entry failures in a 200 response: throwing lets the caller's retry take over.
    if (out.FailedEntryCount) throw new Error(`EventBridge refused the event: ${out.Entries?.[0]?.ErrorCode} ${out.Entries?.[0]?.ErrorMessage}`);
  }
}
