import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentDisposition } from '../../http/content-disposition';
import type { Blobs, DownloadLink } from '../../ports';

const MAX_BODY_ATTEMPTS = 3;

/** Raw mail, large bodies and attachments in one S3 bucket (or an S3-compatible server locally). */
export class S3Blobs implements Blobs {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Buffer, contentType = 'application/octet-stream'): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Buffer | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
        // The SDK retries a failed request, but not a body cut off after the response began: that is asked again here.
        if ((err as { code?: string }).code !== 'ECONNRESET' || attempt === MAX_BODY_ATTEMPTS) throw err;
      }
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource: `${this.bucket}/${encodeURIComponent(fromKey).replace(/%2F/g, '/')}` }),
    );
  }

  async deletePrefix(prefix: string): Promise<void> {
    // Re-list from the start after each batch: deleted keys drop out, so no continuation token is needed.
    for (;;) {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1000 }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) return;
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }));
    }
  }

  async deleteKeys(keys: string[]): Promise<void> {
    // DeleteObjects takes 1,000 keys a request.
    for (let i = 0; i < keys.length; i += 1000) {
      const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }));
    }
  }

  async downloadUrl(key: string, link: DownloadLink): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: link.contentType,
      ResponseContentDisposition: contentDisposition('attachment', link.filename),
    });
    return getSignedUrl(this.s3, command, { expiresIn: link.expiresInSeconds });
  }
}
