import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_REGION } from '../../lambdas/local/dynamodb-local';
import { S3_LOCAL_CREDENTIALS } from '../../lambdas/local/s3-local';
import type { Backends } from './backends';

/** Every item of the test table (a full Scan) and every key in the test bucket: what deletion tests search for leftovers. */
export async function storedEverything(backends: Backends): Promise<{ items: Record<string, unknown>[]; objects: string[] }> {
  const local = { region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS };
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...local, endpoint: backends.dynamodbEndpoint }));
  const s3 = new S3Client({ ...local, endpoint: backends.s3Endpoint, forcePathStyle: true });
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: 'mailroom-test', ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const objects = ((await s3.send(new ListObjectsV2Command({ Bucket: 'mailroom-test' }))).Contents ?? []).map((o) => o.Key!);
  return { items, objects };
}
