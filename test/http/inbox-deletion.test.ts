import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_REGION } from '../../lambdas/local/dynamodb-local';
import { S3_LOCAL_CREDENTIALS } from '../../lambdas/local/s3-local';
import type { apiCaller } from '../support/api-client';
import { apiWithKey } from '../support/api-under-test';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';
import { startReceiver } from '../support/webhook-receiver';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let admin: string;

beforeAll(async () => {
  backends = await startBackends();
  ({ call, key: admin } = await apiWithKey(backends, ['admin']));
});
afterAll(() => backends.stop());

async function everything(): Promise<{ items: Record<string, unknown>[]; objects: string[] }> {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: backends.dynamodbEndpoint, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS }));
  const s3 = new S3Client({ endpoint: backends.s3Endpoint, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS, forcePathStyle: true });
  const items = (await dynamo.send(new ScanCommand({ TableName: 'mailroom-test' }))).Items ?? [];
  const objects = ((await s3.send(new ListObjectsV2Command({ Bucket: 'mailroom-test' }))).Contents ?? []).map((o) => o.Key!);
  return { items, objects };
}

describe('DELETE /v1/inboxes/{inboxId}', () => {
  it('leaves nothing of the inbox in the table or the bucket, and narrows filters and keys that named it without widening them', async () => {
    // Prepare: mail with attachments, a credential, webhook deliveries about it, a filter and a key restriction naming it.
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'doomed' } })).json;
    const other = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'survivor' } })).json;
    const receiver = await startReceiver();
    const unfiltered = (await call('POST', '/v1/webhooks', { key: admin, body: { url: receiver.url, events: ['message.received'] } })).json;
    const filtered = (await call('POST', '/v1/webhooks', { key: admin, body: { url: receiver.url, events: ['message.received'], inboxIds: [inbox.id, other.id] } })).json;
    const onlyThis = (await call('POST', '/v1/api-keys', { key: admin, body: { name: 'only doomed', scopes: ['inboxes:read'], inboxIds: [inbox.id] } })).json;
    for (let i = 0; i < 2; i++) {
      const raw = await compose({ to: inbox.address, subject: `doomed ${i}`, text: 'x', attachments: [{ filename: 'a.txt', content: 'attached' }] });
      await deliver(backends.deps, raw, [inbox.address]);
    }
    await deliver(backends.deps, await compose({ to: other.address, subject: 'kept', text: 'x' }), [other.address]);
    await call('PUT', `/v1/inboxes/${inbox.id}/vault/login`, { key: admin, body: { type: 'secret_note', text: 'x' } });
    await backends.jobs.idle();
    expect(JSON.stringify(await everything())).toContain(inbox.id);

    // Act
    const res = await call('DELETE', `/v1/inboxes/${inbox.id}`, { key: admin });

    // Assess
    expect(res.status).toBe(204);
    const { items, objects } = await everything();
    const left = items.filter((i) => !String(i.pk).endsWith('#AUDIT') && JSON.stringify(i).includes(inbox.id));
    expect(left).toEqual([]);
    expect(objects.filter((o) => o.includes(inbox.id))).toEqual([]);
    expect(objects.some((o) => o.includes(other.id))).toBe(true);
    expect((await call('GET', `/v1/webhooks/${filtered.id}`, { key: admin })).json.inboxIds).toEqual([other.id]);
    const deliveries = (await call('GET', `/v1/webhooks/${unfiltered.id}/deliveries`, { key: admin })).json.data;
    expect(deliveries.map((d: { payload: { data: { subject: string } } }) => d.payload.data.subject)).toEqual(['kept']);
    expect((await call('GET', '/v1/inboxes', { key: onlyThis.key })).json.data).toEqual([]);
    expect((await call('GET', `/v1/inboxes/${other.id}`, { key: onlyThis.key })).status).toBe(404);
    await receiver.close();
  });
});
