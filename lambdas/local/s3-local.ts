import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_REGION } from './dynamodb-local';

/**
 * As on AWS: a page may read an object through a presigned download link (the API redirects large downloads to
 * one). The link is the credential; CORS only lets the dashboard's script read what it was already allowed to get.
 */
const DOWNLOADS_FROM_ANY_PAGE =
  '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule></CORSConfiguration>';

/** s3rver's built-in account. */
export const S3_LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Local {
  endpoint: string;
  client: S3Client;
  stop(): Promise<void>;
}

/**
 * An S3-compatible server (s3rver) in a child process, storing objects as files under `dataDir`.
 * In-process it cost the SMTP/parser/API thread about as much CPU per message as everything else.
 */
export async function startS3Local(options: { dataDir: string; host: string; bucket: string }): Promise<S3Local> {
  mkdirSync(options.dataDir, { recursive: true });
  const config = { address: options.host, port: 0, directory: options.dataDir, configureBuckets: [{ name: options.bucket, configs: [DOWNLOADS_FROM_ANY_PAGE] }] };
  // s3rver's continuation tokens use DES, which OpenSSL 3 only has in its legacy provider: without it, every listing
  // longer than one page (1,000 keys) fails with InternalError.
  const args = ['--openssl-legacy-provider', join(__dirname, 's3rver-process.cjs'), JSON.stringify(config)];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening: ${stderr.trim()}`)));
    child.once('error', reject);
  });
  const endpoint = `http://${options.host}:${port}`;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    async stop() {
      client.destroy();
      child.stdin!.end();
      await exited;
    },
  };
}
