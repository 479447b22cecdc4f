import { mkdirSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { LOCAL_REGION } from './dynamodb-local';

/** s3rver's built-in account. */
export const S3_LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Local {
  endpoint: string;
  client: S3Client;
  stop(): Promise<void>;
}

/** An S3-compatible server in this process, storing objects as files under `dataDir`. */
export async function startS3Local(options: { dataDir: string; host: string; bucket: string }): Promise<S3Local> {
  mkdirSync(options.dataDir, { recursive: true });
  const server = new S3rver({
    address: options.host,
    port: 0,
    silent: true,
    directory: options.dataDir,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://${options.host}:${port}`;
  return {
    endpoint,
    client: new S3Client({ endpoint, forcePathStyle: true, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS }),
    stop: () => server.close(),
  };
}
