import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { freePort } from './free-port';
import { tableClient } from '../adapters/aws/dynamodb-table';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export interface DynamoDbLocal {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

/**
 * JVM settings for a DynamoDB Local that serves a few thousand requests and stops (a test suite): the quick
 * compiler only. It is ready in about half the CPU and serves its first ten thousand requests in about half; a
 * long-running one (`npm start`) keeps the JVM's default, whose optimising compiler makes each request cheaper
 * once it has warmed up. Settings already in JAVA_TOOL_OPTIONS come after it, so they win.
 */
const SHORT_LIVED_JVM = '-XX:TieredStopAtLevel=1';

/**
 * Starts Amazon's DynamoDB Local (Java) on a free port, with its data under `dataDir` or in memory.
 * Same API as DynamoDB, including transactions, TTL settings and streams. The JVM runs under a small
 * Node process that stops it when this process ends, however it ends.
 */
export async function startDynamoDbLocal(options: { dataDir?: string; host: string; shortLived?: boolean }): Promise<DynamoDbLocal> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const port = await freePort(options.host);
  const javaOptions = { port, path: options.dataDir ?? null, sharedDb: true };
  const env = options.shortLived ? { ...process.env, JAVA_TOOL_OPTIONS: [SHORT_LIVED_JVM, process.env.JAVA_TOOL_OPTIONS].filter(Boolean).join(' ') } : process.env;
  const child = spawn(process.execPath, [join(__dirname, 'dynamodb-local-process.cjs'), JSON.stringify(javaOptions)], { stdio: 'pipe', env });
  child.stdout?.resume();
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const endpoint = `http://${options.host}:${port}`;
  const client = tableClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  await waitUntilReady(client, child, stderr);
  return {
    endpoint,
    client,
    stop: () => stopChild(child),
  };
}

async function waitUntilReady(client: DynamoDBClient, child: ChildProcess, stderr: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited (${child.exitCode}); Java 17+ must be on PATH. ${stderr.join('').slice(-500)}`);
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start in 60 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin?.end();
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/**
 * Creates the table as the CDK stack defines it (pk/sk, stream), unless it exists, with one difference: TTL stays
 * off. DynamoDB Local deletes expired items itself, within seconds, but nothing here reads its stream, so what an
 * expired item points to (mail bytes, an inbox's contents) would never be cleaned up. The local TTL sweep plays
 * both parts instead: it hands each expired item to the clean-up, then deletes it. A table made by an earlier
 * version, with TTL on, has it turned off.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const attribute = ttl.TimeToLiveDescription?.AttributeName;
  if (attribute && ttl.TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED') {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: false } }));
  }
}
