import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { MailroomError } from '../../core/errors';
import type { ItemKey } from '../../core/table-keys';
import type { Item, QueryInput, QueryPage, Table, WriteOp } from '../../ports';

const NOT_EXISTS = 'attribute_not_exists(pk)';
/** DynamoDB's limits on one BatchWriteItem and one BatchGetItem. */
const MAX_BATCH_WRITE = 25;
const MAX_BATCH_GET = 100;
const MAX_BATCH_ATTEMPTS = 6;
const EXISTS = 'attribute_exists(pk)';
/** The item must still be there with the attribute as read; read as absent, it must still be absent. */
function unchangedCondition({ attribute, value }: { attribute: string; value: unknown }) {
  return {
    ConditionExpression: value === undefined ? `${EXISTS} AND attribute_not_exists(#u)` : '#u = :u',
    ExpressionAttributeNames: { '#u': attribute },
    ExpressionAttributeValues: value === undefined ? undefined : { ':u': value },
  };
}

/** A conditional write's outcome: false when its condition did not hold. */
async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/** The single Mailroom table on DynamoDB (or DynamoDB Local: same API, same code). */
export class DynamoDbTable implements Table {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  async get<T extends Item>(key: ItemKey): Promise<T | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keyOf(key), ConsistentRead: true }));
    return out.Item as T | undefined;
  }

  async getAll<T extends Item>(keys: ItemKey[]): Promise<(T | undefined)[]> {
    // DynamoDB refuses a batch naming one key twice.
    const distinct = [...new Map(keys.map((k) => [keyId(k), keyOf(k)])).values()];
    const found = new Map<string, T>();
    const readBatch = async (batch: ItemKey[]) => {
      let pending = batch;
      // Keys left unprocessed (throttling, or 16 MB of items) are asked for again, after a growing pause.
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === MAX_BATCH_ATTEMPTS) throw new Error(`${pending.length} of ${keys.length} batched reads were still unprocessed after ${attempt} attempts`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) found.set(keyId(item as ItemKey), item as T);
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as ItemKey[];
      }
    };
    // The batches need nothing from one another, so they go together.
    const batches = Array.from({ length: Math.ceil(distinct.length / MAX_BATCH_GET) }, (_, i) => distinct.slice(i * MAX_BATCH_GET, (i + 1) * MAX_BATCH_GET));
    await Promise.all(batches.map(readBatch));
    return keys.map((k) => found.get(keyId(k)));
  }

  async put(item: Item, options: { ifNotExists?: boolean; ifUnchanged?: { attribute: string; value: unknown } } = {}): Promise<boolean> {
    const condition = options.ifNotExists ? { ConditionExpression: NOT_EXISTS } : options.ifUnchanged ? unchangedCondition(options.ifUnchanged) : {};
    return conditionHeld(this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition })));
  }

  async update<T extends Item>(key: ItemKey, set: Record<string, unknown>, remove: string[] = []): Promise<T | undefined> {
    const expression = updateExpression(set, remove);
    if (!expression) return this.get<T>(key);
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          ...expression,
          ConditionExpression: EXISTS,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as T;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async delete(key: ItemKey, options: { ifUnchanged?: { attribute: string; value: unknown } } = {}): Promise<boolean> {
    const condition = options.ifUnchanged ? unchangedCondition(options.ifUnchanged) : {};
    return conditionHeld(this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: keyOf(key), ...condition })));
  }

  async putAll(items: Item[]): Promise<void> {
    if (items.length > MAX_BATCH_WRITE) throw new Error(`putAll takes at most ${MAX_BATCH_WRITE} items, not ${items.length}`);
    let requests = items.map((item) => ({ PutRequest: { Item: item } }));
    // DynamoDB may leave some writes unprocessed when throttled: those are sent again, after a growing pause.
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt === MAX_BATCH_ATTEMPTS) throw new Error(`${requests.length} of ${items.length} batched writes were still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
      requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
    }
  }

  async query<T extends Item>(input: QueryInput): Promise<QueryPage<T>> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        ...keyCondition(input),
        Limit: input.limit,
        ExclusiveStartKey: input.startAfter ? keyOf(input.startAfter) : undefined,
        ScanIndexForward: !input.newestFirst,
        ConsistentRead: true,
      }),
    );
    const lastKey = out.LastEvaluatedKey as ItemKey | undefined;
    return { items: (out.Items ?? []) as T[], lastKey: lastKey ? keyOf(lastKey) : undefined };
  }

  async transactWrite(ops: WriteOp[]): Promise<void> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: ops.map((op) => {
            if ('put' in op) return { Put: { TableName: this.tableName, Item: op.put, ConditionExpression: op.ifNotExists ? NOT_EXISTS : undefined } };
            if ('delete' in op) {
              return { Delete: { TableName: this.tableName, Key: keyOf(op.delete), ConditionExpression: op.ifExists ? EXISTS : undefined } };
            }
            return { Update: { TableName: this.tableName, Key: keyOf(op.update), ...updateExpression(op.set, [])!, ConditionExpression: EXISTS } };
          }),
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException && err.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) {
        throw new MailroomError('conflict', 'a conflicting item already exists or was changed');
      }
      throw err;
    }
  }

  async increment(key: ItemKey, attribute: string, by: number, options: { expiresAt?: number } = {}): Promise<number> {
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(key),
        UpdateExpression: options.expiresAt === undefined ? 'ADD #a :by' : 'ADD #a :by SET #e = if_not_exists(#e, :e)',
        ExpressionAttributeNames: { '#a': attribute, ...(options.expiresAt === undefined ? {} : { '#e': 'expiresAt' }) },
        ExpressionAttributeValues: { ':by': by, ...(options.expiresAt === undefined ? {} : { ':e': options.expiresAt }) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.[attribute] ?? by);
  }
}

const keyOf = (key: ItemKey): ItemKey => ({ pk: key.pk, sk: key.sk });
const keyId = (key: ItemKey) => JSON.stringify([key.pk, key.sk]);

/** SET for defined values, REMOVE for the named attributes; undefined when there is nothing to change. */
function updateExpression(set: Record<string, unknown>, remove: string[]) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(set)
    .filter(([, v]) => v !== undefined)
    .map(([k, v], i) => {
      names[`#s${i}`] = k;
      values[`:s${i}`] = v;
      return `#s${i} = :s${i}`;
    });
  const removes = remove.map((k, i) => {
    names[`#r${i}`] = k;
    return `#r${i}`;
  });
  const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
  if (!expression) return undefined;
  return {
    UpdateExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
  };
}

/** The whole partition for an empty prefix (DynamoDB refuses an empty `begins_with`); BETWEEN when the caller narrows the range. */
function keyCondition(input: QueryInput) {
  if (input.skPrefix === '' && input.skFrom === undefined && input.skTo === undefined) {
    return { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': input.pk } };
  }
  if (input.skFrom === undefined && input.skTo === undefined) {
    return { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': input.pk, ':prefix': input.skPrefix } };
  }
  return {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': input.pk, ':from': input.skFrom ?? input.skPrefix, ':to': input.skTo ?? `${input.skPrefix}\uffff` },
  };
}
