import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { S3Blobs } from '../../../lambdas/adapters/aws/s3-blobs';

describe('reading an object from S3', () => {
  let server: Server;
  let gets = 0;
  const body = Buffer.from('From: a@example.com\r\n\r\n'.padEnd(2000, 'x'));
  beforeAll(async () => {
    // The first answer is cut off halfway through its body, as a connection reset mid-download does.
    server = createServer((_req, res) => {
      gets++;
      res.writeHead(200, { 'Content-Length': String(body.length), 'Content-Type': 'message/rfc822' });
      if (gets === 1) {
        res.write(body.subarray(0, 500));
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.end(body);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('asks again when the body is cut off after the response began, and answers the whole object', async () => {
    // Prepare
    const { port } = server.address() as AddressInfo;
    const s3 = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

    // Act
    const read = await new S3Blobs(s3, 'mail').get('inbound/abc');

    // Assess
    expect(read).toEqual(body);
    expect(gets).toBe(2);
  });
});
