import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * JSON kept gzipped in a table item: mail text, HTML, headers and event payloads shrink three- to tenfold, and
 * DynamoDB bills writes, reads and storage by the kilobyte.
 */
export const packJson = (json: string): Buffer => gzipSync(json);

export const unpackJson = <T>(packed: Uint8Array): T => JSON.parse(gunzipSync(packed).toString('utf8')) as T;
