import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { cleanUpAfterExpiry } from '../../lambdas/core/expiry';
import { expiredItemOf } from '../../lambdas/handlers/ttl-expiry-records';
import { LOCAL_REGION } from '../../lambdas/local/dynamodb-local';
import { S3_LOCAL_CREDENTIALS } from '../../lambdas/local/s3-local';
import { startTtlSweeper } from '../../lambdas/local/ttl-sweeper';
import type { Item } from '../../lambdas/ports';
import type { apiCaller } from '../support/api-client';
import { withApi } from '../support/api-under-test';
import type { Backends } from '../support/backends';
import { storedEverything } from '../support/stored-everything';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let admin: string;

withApi(['admin'], (api) => ({ backends, call, key: admin } = api));

/** The stored message's id and its raw mail's object, which stays where SES wrote it. */
async function mailWithAttachment(address: string, subject: string) {
  const raw = await compose({ to: address, subject, text: subject, attachments: [{ filename: 'a.txt', content: subject }] });
  const { result, messageId } = await deliver(backends.deps, raw, [address]);
  return { id: result.stored[0].messageId as string, rawObject: `inbound/${messageId}` };
}

/** What DynamoDB's TTL puts on the table's stream when it deletes an item. */
const ttlRecord = (item: Item): DynamoDBRecord => ({
  eventName: 'REMOVE',
  userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
  dynamodb: { Keys: marshall({ pk: item.pk, sk: item.sk }) as never, OldImage: marshall(item, { removeUndefinedValues: true }) as never, SequenceNumber: '1' },
});

describe('the table stream records the expiry function acts on', () => {
  const item = { pk: 'O#org_default#I#inb_x', sk: 'M#msg_x', type: 'message', orgId: 'org_default', inboxId: 'inb_x', id: 'msg_x', expiresAt: 1 };

  it('are TTL deletions, read back as the item that expired', () => {
    expect(expiredItemOf(ttlRecord(item))).toEqual(item);
  });

  it('are not deletions made by Mailroom or anyone else, nor other changes', () => {
    expect(expiredItemOf({ ...ttlRecord(item), userIdentity: undefined })).toBeUndefined();
    expect(expiredItemOf({ ...ttlRecord(item), eventName: 'MODIFY' })).toBeUndefined();
    expect(expiredItemOf({ ...ttlRecord(item), userIdentity: { type: 'Service', principalId: 'lambda.amazonaws.com' } })).toBeUndefined();
  });
});

describe('clean-up after expiry', () => {
  it('deletes an expired message’s raw mail and its own objects from the bucket, and nothing else', async () => {
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'expiring-mail' } })).json;
    const expiring = await mailWithAttachment(inbox.address, 'old');
    const kept = await mailWithAttachment(inbox.address, 'new');
    // An attachment handed out as a link is written beside its message, and goes with it.
    await backends.deps.blobs.put(`o/org_default/i/${inbox.id}/m/${expiring.id}/a/att_1`, Buffer.from('old'));
    const item = await backends.deps.table.get({ pk: `O#org_default#I#${inbox.id}`, sk: `M#${expiring.id}` });
    await backends.deps.table.delete(item!);

    await cleanUpAfterExpiry(backends.deps, expiredItemOf(ttlRecord(item!))!);

    const { objects } = await storedEverything(backends);
    expect(objects.filter((o) => o.includes(expiring.id) || o === expiring.rawObject)).toEqual([]);
    expect(objects).toContain(kept.rawObject);
    // Repeating it (a retried batch) is harmless.
    await cleanUpAfterExpiry(backends.deps, item!);
  });

  it('leaves nothing of an expired temporary inbox: mail, bytes, credentials, deliveries, filters and key restrictions naming it', async () => {
    const temporary = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'for-ten-minutes', ttlMinutes: 10 } })).json;
    const other = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'stays' } })).json;
    const hook = (await call('POST', '/v1/webhooks', { key: admin, body: { url: 'https://hooks.example.com/x', events: ['message.received'], inboxIds: [temporary.id, other.id] } })).json;
    await call('POST', '/v1/api-keys', { key: admin, body: { name: 'only temporary', scopes: ['inboxes:read'], inboxIds: [temporary.id] } });
    await call('PUT', `/v1/inboxes/${temporary.id}/vault/site`, { key: admin, body: { type: 'secret_note', text: 'x' } });
    const temporaryMail = [await mailWithAttachment(temporary.address, 'one'), await mailWithAttachment(temporary.address, 'two')];
    const kept = await mailWithAttachment(other.address, 'kept');
    await backends.jobs.idle();
    expect(JSON.stringify(await storedEverything(backends))).toContain(temporary.id);

    // DynamoDB's TTL, played by the local sweep at a time after the inbox's expiry.
    const sweeper = startTtlSweeper(new DynamoDBClient({ region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS, endpoint: backends.dynamodbEndpoint }), 'mailroom-test', backends.deps.log, (item) => cleanUpAfterExpiry(backends.deps, item));
    await sweeper.sweep(Math.floor(Date.parse(temporary.expiresAt) / 1000) + 1);
    sweeper.stop();

    const { items, objects } = await storedEverything(backends);
    expect(items.filter((i) => !String(i.pk).endsWith('#AUDIT') && JSON.stringify(i).includes(temporary.id))).toEqual([]);
    expect(items.some((i) => i.pk === `A#${temporary.address}`)).toBe(false);
    expect(objects.filter((o) => o.includes(temporary.id) || temporaryMail.some((m) => m.rawObject === o))).toEqual([]);
    expect(objects).toContain(kept.rawObject);
    expect((await call('GET', `/v1/webhooks/${hook.id}`, { key: admin })).json.inboxIds).toEqual([other.id]);
  });
});
