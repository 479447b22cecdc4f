import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Item } from '../ports';

/**
 * The item a table-stream record says DynamoDB's TTL removed, or undefined for any other change. TTL deletions
 * are the REMOVE records made by the DynamoDB service itself (the event source mapping filters on this too).
 */
export function expiredItemOf(record: DynamoDBRecord): Item | undefined {
  const byTtl = record.eventName === 'REMOVE' && record.userIdentity?.type === 'Service' && record.userIdentity?.principalId === 'dynamodb.amazonaws.com';
  const image = record.dynamodb?.OldImage;
  return byTtl && image ? (unmarshall(image as Record<string, AttributeValue>) as Item) : undefined;
}
