import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../../../lambdas/local/dynamodb-local';
import { startS3Local } from '../../../lambdas/local/s3-local';

/** Starts the local stack's storage servers, prints their endpoints, and waits to be killed. */
async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-orphans-'));
  const dynamo = await startDynamoDbLocal({ host: '127.0.0.1', dataDir: join(dir, 'dynamodb'), shortLived: true });
  const s3 = await startS3Local({ host: '127.0.0.1', dataDir: join(dir, 's3'), bucket: 'orphans' });
  process.stdout.write(`${JSON.stringify({ dynamodb: dynamo.endpoint, s3: s3.endpoint })}\n`);
  setInterval(() => {}, 1000);
}

void main();
