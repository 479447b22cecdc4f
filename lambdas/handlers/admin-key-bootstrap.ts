import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { onAdminKeyBootstrapEvent, type AdminKeyBootstrapProperties } from '../adapters/aws/admin-key-bootstrap';
import { DynamoDbTable, tableClient } from '../adapters/aws/dynamodb-table';
import { tableNameFromEnv } from '../config';

const deps = {
  table: new DynamoDbTable(tableClient(), tableNameFromEnv()),
  clock: { now: () => new Date() },
  secrets: new SecretsManagerClient({}),
};

/** CloudFormation custom resource (CDK Provider onEvent): mints the first admin API key into the stack's secret. */
export const handler = middy((event: CloudFormationCustomResourceEvent<AdminKeyBootstrapProperties>) => onAdminKeyBootstrapEvent(deps, event));
