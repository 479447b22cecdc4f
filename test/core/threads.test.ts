import { systemActor } from '../../lambdas/core/audit';
import { createInbox } from '../../lambdas/core/inboxes';
import { deleteMessage } from '../../lambdas/core/messages/message-deletion';
import { getThread, listThreads } from '../../lambdas/core/threads';
import { DEFAULT_ORG_ID, threadKey } from '../../lambdas/core/table-keys';
import { useBackends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

const backends = useBackends();
const deps = () => backends().deps;
const actor = systemActor(DEFAULT_ORG_ID, 'test');

/** A reply in the conversation `root` starts, from `from`. */
const reply = (to: string, n: number, from: string) =>
  compose({ to, from, subject: `Re: plans (${n})`, text: `reply ${n}`, messageId: `<reply-${n}-${Math.random()}@example.com>`, references: ['<root@example.com>'], inReplyTo: '<root@example.com>' });

describe('threads as mail arrives', () => {
  it('counts 20 replies to one thread arriving at once, each once, the newest last', async () => {
    // Prepare
    const inbox = await createInbox(deps(), actor, { localPart: 'busy-thread' });
    const raws = await Promise.all(Array.from({ length: 20 }, (_, i) => reply(inbox.address, i, `writer-${i % 5}@example.com`)));
    // Received a millisecond apart, so each has its own place in time.
    const start = Date.now();

    // Act
    const delivered = await Promise.all(raws.map((raw, i) => deliver(deps(), raw, [inbox.address], { timestamp: new Date(start + i).toISOString() })));

    // Assess
    const ids = delivered.map((d) => d.result.stored[0].messageId).sort();
    const threadId = (await listThreads(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 5 })).data[0].id;
    const thread = await getThread(deps(), DEFAULT_ORG_ID, inbox.id, threadId);
    expect(thread.messageCount).toBe(20);
    expect(thread.messages.map((m) => m.id).sort()).toEqual(ids);
    expect(thread.lastMessageId).toBe(ids.at(-1));
    expect(thread.subject).toMatch(/^plans \(\d+\)$/);
    expect(thread.participants).toEqual(['writer-0@example.com', 'writer-1@example.com', 'writer-2@example.com', 'writer-3@example.com', 'writer-4@example.com']);
  });

  it('keeps the newest message shown when an older one arrives late, and at most 20 participants', async () => {
    // Prepare: 25 writers, the last to arrive the oldest.
    const inbox = await createInbox(deps(), actor, { localPart: 'late-thread' });
    const now = Date.now();
    for (let i = 0; i < 24; i++) await deliver(deps(), await reply(inbox.address, i, `person-${i}@example.com`), [inbox.address], { timestamp: new Date(now + i * 1000).toISOString() });

    // Act
    const late = await deliver(deps(), await reply(inbox.address, 99, 'late@example.com'), [inbox.address], { timestamp: new Date(now - 60_000).toISOString() });

    // Assess
    const [shown] = (await listThreads(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 5 })).data;
    expect(shown).toMatchObject({ messageCount: 25, snippet: 'reply 23' });
    expect(shown.participants).toHaveLength(20);
    expect(shown.participants).not.toContain('late@example.com');
    const thread = await getThread(deps(), DEFAULT_ORG_ID, inbox.id, shown.id);
    expect(thread.messages.map((m) => m.id)).toContain(late.result.stored[0].messageId);
  });

  it('is counted again, and shows its newest remaining message, when one is deleted', async () => {
    // Prepare
    const inbox = await createInbox(deps(), actor, { localPart: 'shrinking-thread' });
    const now = Date.now();
    const first = await deliver(deps(), await reply(inbox.address, 1, 'a@example.com'), [inbox.address], { timestamp: new Date(now).toISOString() });
    const second = await deliver(deps(), await reply(inbox.address, 2, 'b@example.com'), [inbox.address], { timestamp: new Date(now + 1000).toISOString() });

    // Act
    await deleteMessage(deps(), actor, inbox.id, second.result.stored[0].messageId);

    // Assess
    const [shown] = (await listThreads(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 5 })).data;
    expect(shown).toMatchObject({ messageCount: 1, lastMessageId: first.result.stored[0].messageId, snippet: 'reply 1' });
  });

  it('takes in a reply to a thread whose summary was written before participants were a set', async () => {
    // Prepare: a summary as stored before, participants as a list.
    const inbox = await createInbox(deps(), actor, { localPart: 'old-thread' });
    const first = await deliver(deps(), await reply(inbox.address, 1, 'old@example.com'), [inbox.address]);
    const [{ id: threadId }] = (await listThreads(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 5 })).data;
    const key = threadKey(DEFAULT_ORG_ID, inbox.id, threadId);
    const { participantSet: _set, ...summary } = (await deps().table.get(key))!;
    await deps().table.put({ ...summary, participants: ['old@example.com'] });

    // Act
    const second = await deliver(deps(), await reply(inbox.address, 2, 'new@example.com'), [inbox.address]);

    // Assess
    const thread = await getThread(deps(), DEFAULT_ORG_ID, inbox.id, threadId);
    expect(thread).toMatchObject({ messageCount: 2, lastMessageId: second.result.stored[0].messageId, participants: ['new@example.com', 'old@example.com'] });
    expect(thread.messages.map((m) => m.id)).toEqual([first.result.stored[0].messageId, second.result.stored[0].messageId]);
    expect((await deps().table.get(key))!.participants).toBeUndefined();
  });
});
