import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { TransactionConditionsFailed } from '../../core/errors';
import { opCondition } from '../write-op-conditions';
import type { ItemKey } from '../../core/table-keys';
import type { Condition, Item, QueryInput, QueryPage, Table, WriteOp } from '../../ports';

const NOT_EXISTS = 'attribute_not_exists(pk)';
/** DynamoDB's limits on one BatchWriteItem and one BatchGetItem. */
const MAX_BATCH_WRITE = 25;
const MAX_BATCH_GET = 100;
const MAX_BATCH_ATTEMPTS = 6;
const MAX_TRANSACTION_ITEMS = 100;
/** Tries at a transaction that keeps colliding with others on the same items (each after a growing random pause). */
const MAX_TRANSACTION_ATTEMPTS = 10;
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

type Attributes = Record<string, AttributeValue>;
/** Items and values in DynamoDB's attribute form; attributes left undefined are not written. */
const toAttributes = (value: Record<string, unknown>): Attributes => marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });
const fromAttributes = <T>(attributes: Attributes): T => unmarshall(attributes) as T;
const optionalAttributes = (value: Record<string, unknown> | undefined) => (value ? toAttributes(value) : undefined);

/** A client for the table: nothing changes its middleware once built, so each command's stack is resolved once. */
export const tableClient = (config: DynamoDBClientConfig = {}) => new DynamoDBClient({ ...config, cacheMiddleware: true });

/**
 * The single Mailroom table on DynamoDB (or DynamoDB Local: same API, same code). It marshals items itself instead of
 * going through the document client, which cannot use a `tableClient`'s cached middleware: resolving each command's
 * middleware once, not per call, more than halves the client's CPU for a GetItem (1.7 ms to 0.7 ms on DynamoDB Local).
 */
export class DynamoDbTable implements Table {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get<T extends Item>(key: ItemKey): Promise<T | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyAttributes(key), ConsistentRead: true }));
    return out.Item && fromAttributes<T>(out.Item);
  }

  async getAll<T extends Item>(keys: ItemKey[]): Promise<(T | undefined)[]> {
    // DynamoDB refuses a batch naming one key twice.
    const distinct = [...new Map(keys.map((k) => [keyId(k), keyAttributes(k)])).values()];
    const found = new Map<string, T>();
    const readBatch = async (batch: Attributes[]) => {
      let pending = batch;
      // Keys left unprocessed (throttling, or 16 MB of items) are asked for again, after a growing pause.
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === MAX_BATCH_ATTEMPTS) throw new Error(`${pending.length} of ${keys.length} batched reads were still unprocessed after ${attempt} attempts`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const out = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
        for (const attributes of out.Responses?.[this.tableName] ?? []) {
          const item = fromAttributes<T>(attributes);
          found.set(keyId(item), item);
        }
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    };
    // The batches need nothing from one another, so they go together.
    const batches = Array.from({ length: Math.ceil(distinct.length / MAX_BATCH_GET) }, (_, i) => distinct.slice(i * MAX_BATCH_GET, (i + 1) * MAX_BATCH_GET));
    await Promise.all(batches.map(readBatch));
    return keys.map((k) => found.get(keyId(k)));
  }

  async put(item: Item, options: { ifNotExists?: boolean; ifUnchanged?: { attribute: string; value: unknown } } = {}): Promise<boolean> {
    const condition = options.ifNotExists ? { ConditionExpression: NOT_EXISTS } : options.ifUnchanged ? unchangedCondition(options.ifUnchanged) : {};
    return conditionHeld(this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toAttributes(item), ...attributeForm(condition) })));
  }

  async update<T extends Item>(key: ItemKey, set: Record<string, unknown>, remove: string[] = []): Promise<T | undefined> {
    const expression = updateExpression(set, remove);
    if (!expression) return this.get<T>(key);
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyAttributes(key),
          ...attributeForm(expression),
          ConditionExpression: EXISTS,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromAttributes<T>(out.Attributes!);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async delete(key: ItemKey, options: { ifUnchanged?: { attribute: string; value: unknown } } = {}): Promise<boolean> {
    const condition = options.ifUnchanged ? unchangedCondition(options.ifUnchanged) : {};
    return conditionHeld(this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyAttributes(key), ...attributeForm(condition) })));
  }

  async putAll(items: Item[]): Promise<void> {
    if (items.length > MAX_BATCH_WRITE) throw new Error(`putAll takes at most ${MAX_BATCH_WRITE} items, not ${items.length}`);
    let requests: WriteRequest[] = items.map((item) => ({ PutRequest: { Item: toAttributes(item) } }));
    // DynamoDB may leave some writes unprocessed when throttled: those are sent again, after a growing pause.
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt === MAX_BATCH_ATTEMPTS) throw new Error(`${requests.length} of ${items.length} batched writes were still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }));
      requests = out.UnprocessedItems?.[this.tableName] ?? [];
    }
  }

  async query<T extends Item>(input: QueryInput): Promise<QueryPage<T>> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...attributeForm(keyCondition(input)),
        Limit: input.limit,
        ExclusiveStartKey: input.startAfter ? keyAttributes(input.startAfter) : undefined,
        ScanIndexForward: !input.newestFirst,
        ConsistentRead: true,
      }),
    );
    const lastKey = out.LastEvaluatedKey && fromAttributes<ItemKey>(out.LastEvaluatedKey);
    return { items: (out.Items ?? []).map((attributes) => fromAttributes<T>(attributes)), lastKey: lastKey ? keyOf(lastKey) : undefined };
  }

  async transactWrite(ops: WriteOp[]): Promise<void> {
    if (ops.length > MAX_TRANSACTION_ITEMS) throw new Error(`a transaction takes at most ${MAX_TRANSACTION_ITEMS} ops, not ${ops.length}`);
    const TransactItems = ops.map((op) => this.transactItem(op));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems }));
        return;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        const reasons = err.CancellationReasons ?? [];
        const failed = reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
        if (failed.length) throw new TransactionConditionsFailed(failed);
        // Another transaction held one of the items at that moment: try again after a random pause, as writers to
        // one thread or inbox collide in bursts.
        const collided = reasons.some((r) => r.Code === 'TransactionConflict');
        if (!collided || attempt === MAX_TRANSACTION_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(500, 10 * 2 ** attempt)));
      }
    }
  }

  private transactItem(op: WriteOp): TransactWriteItem {
    const TableName = this.tableName;
    const when = opCondition(op);
    if ('put' in op) return { Put: { TableName, Item: toAttributes(op.put), ...attributeForm(conditionExpression(when)) } };
    if ('delete' in op) return { Delete: { TableName, Key: keyAttributes(op.delete), ...attributeForm(conditionExpression(when)) } };
    if ('check' in op) {
      const condition = attributeForm(conditionExpression(when));
      return { ConditionCheck: { TableName, Key: keyAttributes(op.check), ...condition, ConditionExpression: condition.ConditionExpression! } };
    }
    return { Update: { TableName, Key: keyAttributes(op.update), ...attributeForm(withCondition(fullUpdateExpression(op), when)) } };
  }

  async increment(key: ItemKey, attribute: string, by: number, options: { expiresAt?: number } = {}): Promise<number> {
    const out = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyAttributes(key),
        UpdateExpression: options.expiresAt === undefined ? 'ADD #a :by' : 'ADD #a :by SET #e = if_not_exists(#e, :e)',
        ExpressionAttributeNames: { '#a': attribute, ...(options.expiresAt === undefined ? {} : { '#e': 'expiresAt' }) },
        ExpressionAttributeValues: toAttributes({ ':by': by, ...(options.expiresAt === undefined ? {} : { ':e': options.expiresAt }) }),
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const updated = out.Attributes && fromAttributes<Record<string, unknown>>(out.Attributes);
    return Number(updated?.[attribute] ?? by);
  }
}

const keyOf = (key: ItemKey): ItemKey => ({ pk: key.pk, sk: key.sk });
const keyAttributes = (key: ItemKey): Attributes => ({ pk: { S: key.pk }, sk: { S: key.sk } });
const keyId = (key: ItemKey) => JSON.stringify([key.pk, key.sk]);

/** An expression with its values in attribute form, as the low-level client sends them. */
function attributeForm<E extends object>(expression: E): Omit<E, 'ExpressionAttributeValues'> & { ExpressionAttributeValues?: Attributes } {
  const { ExpressionAttributeValues, ...rest } = expression as E & { ExpressionAttributeValues?: Record<string, unknown> };
  return { ...rest, ExpressionAttributeValues: optionalAttributes(ExpressionAttributeValues) };
}

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

interface Expression {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** An update op's SET, ADD and DELETE clauses, with names `#u…` and values `:u…`. */
function fullUpdateExpression(op: Extract<WriteOp, { update: unknown }>): Expression {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let n = 0;
  const bind = (name: string, value: unknown) => {
    const i = n++;
    names[`#u${i}`] = name;
    values[`:u${i}`] = value;
    return [`#u${i}`, `:u${i}`];
  };
  const defined = (r: Record<string, unknown> | undefined) => Object.entries(r ?? {}).filter(([, v]) => v !== undefined);
  const sets = [
    ...defined(op.set).map(([k, v]) => bind(k, v).join(' = ')),
    ...defined(op.setIfAbsent).map(([k, v]) => {
      const [name, value] = bind(k, v);
      return `${name} = if_not_exists(${name}, ${value})`;
    }),
  ];
  const adds = defined(op.add).map(([k, v]) => bind(k, v).join(' '));
  const deletes = defined(op.deleteFromSet).map(([k, v]) => bind(k, v).join(' '));
  const clauses = [sets.length ? `SET ${sets.join(', ')}` : '', adds.length ? `ADD ${adds.join(', ')}` : '', deletes.length ? `DELETE ${deletes.join(', ')}` : ''];
  return { UpdateExpression: clauses.filter(Boolean).join(' '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/** The expression (if any) with `when` as its condition, names `#c…` and values `:c…` joined to its own. */
function withCondition<E extends Partial<Expression>>(expression: E | undefined, when: Condition | undefined): E & Partial<Expression> {
  const condition = conditionExpression(when);
  const names = { ...expression?.ExpressionAttributeNames, ...condition.ExpressionAttributeNames };
  const values = { ...expression?.ExpressionAttributeValues, ...condition.ExpressionAttributeValues };
  return {
    ...(expression as E),
    ...(condition.ConditionExpression ? { ConditionExpression: condition.ConditionExpression } : {}),
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}

function conditionExpression(when: Condition | undefined): Partial<Expression> {
  if (!when) return {};
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let n = 0;
  const name = (attribute: string) => {
    const i = n++;
    names[`#c${i}`] = attribute;
    return `#c${i}`;
  };
  const value = (v: unknown) => {
    const i = n++;
    values[`:c${i}`] = v;
    return `:c${i}`;
  };
  const compile = (c: Condition): string => {
    if ('allOf' in c) return `(${c.allOf.map(compile).join(' AND ')})`;
    if ('anyOf' in c) return `(${c.anyOf.map(compile).join(' OR ')})`;
    if ('itemExists' in c) return c.itemExists ? EXISTS : NOT_EXISTS;
    if ('absent' in c) return `attribute_not_exists(${name(c.attribute)})`;
    if ('equals' in c) return `${name(c.attribute)} = ${value(c.equals)}`;
    if ('is' in c) return `${name(c.attribute)} ${c.is} ${value(c.than)}`;
    if ('contains' in c) return `contains(${name(c.attribute)}, ${value(c.contains)})`;
    return `size(${name(c.attribute)}) < ${value(c.sizeBelow)}`;
  };
  return {
    ConditionExpression: compile(when),
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}
