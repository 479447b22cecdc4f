import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbTable } from '../adapters/aws/dynamodb-table';
import { S3Blobs } from '../adapters/aws/s3-blobs';
import { jsonLogger } from '../adapters/json-logger';
import type { RuntimeConfig } from '../config';
import type { CoreDeps } from '../core/deps';

/** AWS clients for the given endpoints (none on Lambda; the local servers' on a laptop). */
export interface AwsEndpoints {
  dynamodb?: string;
  s3?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function coreDepsFor(config: RuntimeConfig, endpoints: AwsEndpoints = {}, log = jsonLogger()): CoreDeps {
  const common = { region: endpoints.region, credentials: endpoints.credentials };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb });
  const s3 = new S3Client({ ...common, endpoint: endpoints.s3, forcePathStyle: endpoints.s3 !== undefined });
  return {
    table: new DynamoDbTable(dynamodb, config.tableName),
    blobs: new S3Blobs(s3, config.bucketName),
    clock: { now: () => new Date() },
    log,
    settings: {
      domains: config.domains,
      autoCreateDomains: config.autoCreateDomains,
      defaultRetentionDays: config.defaultRetentionDays,
      inboundPrefix: config.inboundPrefix,
      auditRetentionDays: config.auditRetentionDays,
      rateLimitPerMinute: config.rateLimitPerMinute,
    },
  };
}
