import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from '../../lambdas/core/table-keys';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lambdas/local/dynamodb-local';
import { dynamoItemSize } from '../../lambdas/local/embedded/dynamodb-item-size';
import { consistentReadUnits, writeUnits } from './cost-request-units';

export interface UnitCheck {
  operation: string;
  estimated: number;
  /** What DynamoDB Local reports with ReturnConsumedCapacity. */
  reported: number | undefined;
}

/**
 * Asks DynamoDB Local what a put, a consistent get and a consistent query of real message items consume,
 * and sets that beside what the size rules in dynamodb-item-size.ts estimate for the same items.
 */
export async function checkUnitsAgainstDynamoDbLocal(endpoint: string, tableName: string, message: ItemKey, listLimit: number): Promise<UnitCheck[]> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  try {
    const get = await doc.send(new GetCommand({ TableName: tableName, Key: message, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    if (!get.Item) throw new Error(`message item ${message.pk} ${message.sk} is not in the table`);
    const itemSize = dynamoItemSize(get.Item);
    const query = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': message.pk, ':prefix': 'M#' },
        Limit: listLimit,
        ScanIndexForward: false,
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    const querySize = (query.Items ?? []).reduce((sum, item) => sum + dynamoItemSize(item), 0);
    const copy = { ...get.Item, sk: `${message.sk}#unit-check` };
    const put = await doc.send(new PutCommand({ TableName: tableName, Item: copy, ReturnConsumedCapacity: 'TOTAL' }));
    await doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: message.pk, sk: copy.sk } }));
    return [
      { operation: `put of a message item (${dynamoItemSize(copy)} B)`, estimated: writeUnits(dynamoItemSize(copy)), reported: put.ConsumedCapacity?.CapacityUnits },
      { operation: `consistent get of a message item (${itemSize} B)`, estimated: consistentReadUnits(itemSize), reported: get.ConsumedCapacity?.CapacityUnits },
      {
        operation: `consistent query of ${query.Items?.length ?? 0} message items (${querySize} B)`,
        estimated: consistentReadUnits(querySize),
        reported: query.ConsumedCapacity?.CapacityUnits,
      },
    ];
  } finally {
    client.destroy();
  }
}
