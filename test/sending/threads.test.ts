import type { apiCaller } from '../support/api-client';
import { withApi } from '../support/api-under-test';
import type { Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver, newSesMessageId } from '../support/ses';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;

withApi(['inboxes:write', 'messages:read', 'messages:send'], (api) => ({ backends, call, key } = api));

const newInbox = async (localPart: string) => (await call('POST', '/v1/inboxes', { key, body: { localPart } })).json as { id: string; address: string };
/** Mail arrives a minute apart, from a day ago: a fixed date would see it expire, and vanish, after the inbox's retention. */
let clock = Date.now() - 86_400_000;

/** Receives a message a minute after the previous one. */
async function receive(inbox: { address: string }, headers: { subject: string; messageId: string; inReplyTo?: string; references?: string[]; from?: string }) {
  clock += 60_000;
  const raw = await compose({ to: inbox.address, from: headers.from ?? 'Ada <ada@elsewhere.example>', text: headers.subject, ...headers });
  const { result } = await deliver(backends.deps, raw, [inbox.address], { timestamp: new Date(clock).toISOString() });
  return result.stored[0].messageId as string;
}

const threadOf = async (inboxId: string, messageId: string) => (await call('GET', `/v1/inboxes/${inboxId}/messages/${messageId}`, { key })).json.threadId as string;
const threads = async (inboxId: string) => (await call('GET', `/v1/inboxes/${inboxId}/threads`, { key })).json.data as Record<string, any>[];

describe('threads', () => {
  it('follow References, then In-Reply-To, and only without either the subject', async () => {
    const inbox = await newInbox('threading');
    const root = await receive(inbox, { subject: 'Budget', messageId: '<root@elsewhere.example>' });
    const byReferences = await receive(inbox, { subject: 'Re: Budget', messageId: '<r1@elsewhere.example>', references: ['<root@elsewhere.example>'] });
    const byInReplyTo = await receive(inbox, { subject: 'Re: Budget', messageId: '<r2@elsewhere.example>', inReplyTo: '<r1@elsewhere.example>' });
    const bySubject = await receive(inbox, { subject: 'RE: budget', messageId: '<r3@elsewhere.example>' });
    const unrelated = await receive(inbox, { subject: 'Budget', messageId: '<new@elsewhere.example>' });

    const rootThread = await threadOf(inbox.id, root);
    expect(await threadOf(inbox.id, byReferences)).toBe(rootThread);
    expect(await threadOf(inbox.id, byInReplyTo)).toBe(rootThread);
    expect(await threadOf(inbox.id, bySubject)).toBe(rootThread);
    // Same subject, but no Re: and no headers naming the thread: a new conversation.
    expect(await threadOf(inbox.id, unrelated)).not.toBe(rootThread);
  });

  it('take in a reply naming only the message that started them, without a lookup item for that message', async () => {
    const inbox = await newInbox('thread-root-lookup');
    const transactWrite = jest.spyOn(backends.deps.table, 'transactWrite');
    const root = await receive(inbox, { subject: 'Kickoff', messageId: '<kickoff@elsewhere.example>' });
    const reply = await receive(inbox, { subject: 'Re: Kickoff', messageId: '<kickoff-2@elsewhere.example>', inReplyTo: '<kickoff@elsewhere.example>' });
    const byReply = await receive(inbox, { subject: 'Re: Kickoff', messageId: '<kickoff-3@elsewhere.example>', inReplyTo: '<kickoff-2@elsewhere.example>' });
    const stores = transactWrite.mock.calls.filter(([ops]) => ops.some((op) => 'put' in op && op.put.sk.startsWith('M#')));
    const lookupsByMessageId = stores.map(([ops]) => ops.filter((op) => 'put' in op && op.put.sk.startsWith('L#MID#')).length);
    transactWrite.mockRestore();

    expect(await threadOf(inbox.id, reply)).toBe(await threadOf(inbox.id, root));
    expect(await threadOf(inbox.id, byReply)).toBe(await threadOf(inbox.id, root));
    // The first message is found by its own Message-ID; the replies, which joined its thread, each leave a lookup.
    expect(lookupsByMessageId).toEqual([0, 1, 1]);
  });

  it('list newest activity first, each once, with its messages oldest first; a deletion moves the thread back', async () => {
    const inbox = await newInbox('thread-list');
    const first = await receive(inbox, { subject: 'First topic', messageId: '<a1@elsewhere.example>' });
    const second = await receive(inbox, { subject: 'Second topic', messageId: '<b1@elsewhere.example>', from: 'Bob <bob@elsewhere.example>' });
    const reply = await receive(inbox, { subject: 'Re: First topic', messageId: '<a2@elsewhere.example>', references: ['<a1@elsewhere.example>'], from: 'Bob <bob@elsewhere.example>' });

    expect((await threads(inbox.id)).map((t) => [t.subject, t.messageCount, t.lastMessageId])).toEqual([
      ['First topic', 2, reply],
      ['Second topic', 1, second],
    ]);
    const [latest] = await threads(inbox.id);
    expect(latest.participants).toEqual(['ada@elsewhere.example', 'bob@elsewhere.example']);
    const thread = (await call('GET', `/v1/inboxes/${inbox.id}/threads/${latest.id}`, { key })).json;
    expect(thread.messages.map((m: { id: string }) => m.id)).toEqual([first, reply]);

    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${reply}`, { key })).status).toBe(204);
    expect((await threads(inbox.id)).map((t) => [t.subject, t.messageCount, t.lastMessageId])).toEqual([
      ['Second topic', 1, second],
      ['First topic', 1, first],
    ]);
    expect((await call('GET', `/v1/inboxes/${inbox.id}/threads/thr_01JZZZZZZZZZZZZZZZZZZZZZZZ`, { key })).status).toBe(404);
  });

  it('start with their first message without reading first, and take in a copy sent again (same Message-ID) as a second message', async () => {
    const inbox = await newInbox('thread-resent');
    const get = jest.spyOn(backends.deps.table, 'get');
    const threadReads = () => get.mock.calls.filter(([key]) => key.sk.startsWith('T#')).length;
    const first = await receive(inbox, { subject: 'Weekly report', messageId: '<weekly@elsewhere.example>' });
    expect(threadReads()).toBe(0);
    const resent = await receive(inbox, { subject: 'Weekly report', messageId: '<weekly@elsewhere.example>' });
    get.mockRestore();
    expect(await threadOf(inbox.id, resent)).toBe(await threadOf(inbox.id, first));
    expect((await threads(inbox.id)).map((t) => [t.messageCount, t.lastMessageId])).toEqual([[2, resent]]);
  });

  it('take in a message whose delivery stopped part-way when the delivery is retried, counting it once', async () => {
    const inbox = await newInbox('thread-retried');
    await receive(inbox, { subject: 'Offsite', messageId: '<offsite@elsewhere.example>' });
    const stopsAt: Record<string, { stop: () => void; storedBefore: boolean }> = {
      'in the transaction that stores it': { stop: () => jest.spyOn(backends.deps.table, 'transactWrite').mockRejectedValueOnce(new Error('Task timed out')), storedBefore: false },
      'after it was stored, before it was announced': { stop: () => jest.spyOn(backends.deps.events, 'publish').mockRejectedValueOnce(new Error('Task timed out')), storedBefore: true },
    };
    const replies: string[] = [];
    for (const [n, where] of ['in the transaction that stores it', 'after it was stored, before it was announced', 'nowhere'].entries()) {
      clock += 60_000;
      const at = new Date(clock).toISOString();
      const raw = await compose({ to: inbox.address, from: 'Bob <bob@elsewhere.example>', subject: 'Re: Offsite', text: where, messageId: `<reply${n}@elsewhere.example>`, references: ['<offsite@elsewhere.example>'] });
      const sesMessageId = newSesMessageId();
      const run = () => deliver(backends.deps, raw, [inbox.address], { messageId: sesMessageId, timestamp: at });
      const stop = stopsAt[where];
      if (stop) {
        stop.stop();
        await expect(run()).rejects.toThrow('Task timed out');
        jest.restoreAllMocks();
      } else await run();
      const { result } = await run();
      // All or nothing: a stop inside the transaction stored nothing; after it, everything.
      expect(result.stored[0].duplicate).toBe(stop ? stop.storedBefore : true);
      replies.push(result.stored[0].messageId);
    }
    const [thread] = await threads(inbox.id);
    expect(thread).toMatchObject({ messageCount: 4, lastMessageId: replies[2], participants: ['ada@elsewhere.example', 'bob@elsewhere.example'] });
    const listed = (await call('GET', `/v1/inboxes/${inbox.id}/threads/${thread.id}`, { key })).json.messages.map((m: { id: string }) => m.id);
    expect(listed.slice(1)).toEqual(replies);
  });

  it('count each message once when replies and repeated deliveries of them are recorded at the same time', async () => {
    const inbox = await newInbox('thread-concurrent');
    const root = await receive(inbox, { subject: 'Launch', messageId: '<launch@elsewhere.example>' });
    const replies = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(async (n) => {
        const raw = await compose({ to: inbox.address, from: 'Bob <bob@elsewhere.example>', subject: 'Re: Launch', text: `reply ${n}`, messageId: `<launch-${n}@elsewhere.example>`, references: ['<launch@elsewhere.example>'] });
        const timestamp = new Date(clock + n * 1000).toISOString();
        const sesMessageId = newSesMessageId();
        // Each reply is delivered twice at once, as a retried event can overlap the first run.
        const [first] = await Promise.all([1, 2].map(() => deliver(backends.deps, raw, [inbox.address], { messageId: sesMessageId, timestamp })));
        return first.result.stored[0].messageId as string;
      }),
    );
    const [thread] = await threads(inbox.id);
    expect(thread).toMatchObject({ messageCount: 7, lastMessageId: [...replies].sort().at(-1) });
    const listed = (await call('GET', `/v1/inboxes/${inbox.id}/threads/${thread.id}`, { key })).json.messages.map((m: { id: string }) => m.id);
    expect(listed).toEqual([root, ...[...replies].sort()]);
  });

  it('leave out a message deleted the moment it was stored, and go when their last message does', async () => {
    const inbox = await newInbox('thread-deleted-early');
    const root = await receive(inbox, { subject: 'Agenda', messageId: '<agenda@elsewhere.example>' });
    const table = backends.deps.table;
    const transactWrite = table.transactWrite.bind(table);
    // An agent reads the reply the moment it is visible and deletes it, before its delivery has finished.
    jest.spyOn(table, 'transactWrite').mockImplementationOnce(async (ops) => {
      await transactWrite(ops);
      const stored = ops.find((op) => 'put' in op && op.put.sk.startsWith('M#')) as unknown as { put: { id: string } };
      expect((await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${stored.put.id}`, { key })).status).toBe(204);
    });
    const reply = await receive(inbox, { subject: 'Re: Agenda', messageId: '<agenda-2@elsewhere.example>', references: ['<agenda@elsewhere.example>'] });
    jest.restoreAllMocks();

    const [thread] = await threads(inbox.id);
    expect(thread).toMatchObject({ messageCount: 1, lastMessageId: root });
    const listed = (await call('GET', `/v1/inboxes/${inbox.id}/threads/${thread.id}`, { key })).json.messages.map((m: { id: string }) => m.id);
    expect(listed).toEqual([root]);
    expect(reply).not.toBe(root);

    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${root}`, { key })).status).toBe(204);
    expect(await threads(inbox.id)).toEqual([]);
    expect((await call('GET', `/v1/inboxes/${inbox.id}/threads/${thread.id}`, { key })).status).toBe(404);
  });

  it('are counted right when a deletion stopped before counting and its caller repeats it', async () => {
    const inbox = await newInbox('thread-deletion-stopped');
    const root = await receive(inbox, { subject: 'Invoice', messageId: '<invoice@elsewhere.example>' });
    const reply = await receive(inbox, { subject: 'Re: Invoice', messageId: '<invoice-2@elsewhere.example>', references: ['<invoice@elsewhere.example>'] });
    const table = backends.deps.table;
    const transactWrite = table.transactWrite.bind(table);
    // The function times out right after the deletion's transaction, before the thread is counted.
    jest.spyOn(table, 'transactWrite').mockImplementationOnce(async (ops) => {
      await transactWrite(ops);
      throw new Error('Task timed out');
    });
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${reply}`, { key })).status).toBe(500);
    jest.restoreAllMocks();
    // The thread still names the deleted reply as its newest message, so lists, which show a thread at its newest
    // message, miss it.
    expect(await threads(inbox.id)).toEqual([]);

    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${reply}`, { key })).status).toBe(404);

    expect((await threads(inbox.id)).map((t) => [t.messageCount, t.lastMessageId])).toEqual([[1, root]]);
  });

  it('answer a repeated deletion with 404, leaving a thread counted right as it is, even when counting fails', async () => {
    const inbox = await newInbox('thread-deletion-repeated');
    const root = await receive(inbox, { subject: 'Minutes', messageId: '<minutes@elsewhere.example>' });
    const reply = await receive(inbox, { subject: 'Re: Minutes', messageId: '<minutes-2@elsewhere.example>', references: ['<minutes@elsewhere.example>'] });
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${reply}`, { key })).status).toBe(204);
    const table = backends.deps.table;
    const put = jest.spyOn(table, 'put');

    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${reply}`, { key })).status).toBe(404);
    jest.spyOn(table, 'query').mockRejectedValue(new Error('ProvisionedThroughputExceededException'));
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${reply}`, { key })).status).toBe(404);
    const threadWrites = put.mock.calls.filter(([item]) => item.sk.startsWith('T#'));
    jest.restoreAllMocks();

    expect(threadWrites).toEqual([]);
    expect((await threads(inbox.id)).map((t) => [t.messageCount, t.lastMessageId])).toEqual([[1, root]]);
  });

  it('hold sent replies and received mail of one conversation together', async () => {
    const inbox = await newInbox('thread-mixed');
    const received = await receive(inbox, { subject: 'Invoice question', messageId: '<q1@elsewhere.example>' });
    const reply = await call('POST', `/v1/inboxes/${inbox.id}/messages/${received}/reply`, { key, body: { text: 'Looking into it' } });
    const [thread] = await threads(inbox.id);
    expect(thread).toMatchObject({ id: reply.json.threadId, messageCount: 2, lastMessageId: reply.json.id });
    expect(thread.participants).toEqual(['ada@elsewhere.example', inbox.address]);
  });
});
