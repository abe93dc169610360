import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRawQuery, sha256Hex, verifySigV4, type SigV4Credentials } from './sigv4.js';

/**
 * A fake S3 (the subset R2 offers that we use) on 127.0.0.1 for tests through the real
 * @aws-sdk/client-s3: PutObject, GetObject, HeadObject, DeleteObject, ListObjectsV2, path-style
 * (`/<bucket>/<key>`), with SigV4 verified on every request (header or presigned query auth,
 * expiry included). Every request is recorded so a test can assert what went on the wire.
 */

export interface FakeS3Object {
  body: Buffer;
  contentType: string;
  lastModified: Date;
  etag: string;
}

export interface RecordedS3Request {
  method: string;
  /** Raw path as sent, e.g. `/modera-test/user-uploads/clothing/…/….jpg`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  operation: 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'ListObjectsV2' | 'Unsupported';
  bucket: string;
  key: string;
  auth: 'header' | 'query' | 'none';
  status: number;
}

export interface FakeS3Options extends Partial<SigV4Credentials> {
  buckets?: string[];
  /** Most keys one ListObjectsV2 page returns, to exercise continuation tokens. */
  pageSize?: number;
  /** The server's clock; presigned URLs expire against it. */
  now?: () => Date;
}

export interface FakeS3Server extends SigV4Credentials {
  endpoint: string;
  bucket: string;
  requests: RecordedS3Request[];
  objects(bucket?: string): Map<string, FakeS3Object>;
  setLastModified(key: string, date: Date, bucket?: string): void;
  /** Makes the next `count` requests fail with 503 SlowDown, as a throttled service does. */
  failNext(count: number): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** S3 refuses header-signed requests whose time is off by more than 15 minutes. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const errorXml = (code: string, message: string, resource: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
  `<Resource>${xmlEscape(resource)}</Resource><RequestId>FAKE0000000000000000</RequestId></Error>`;

const readBody = async (req: IncomingMessage): Promise<Buffer | null> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

interface Context {
  buckets: Map<string, Map<string, FakeS3Object>>;
  pageSize: number;
  now: () => Date;
}

const listXml = (bucket: string, store: Map<string, FakeS3Object>, query: Record<string, string>, pageSize: number) => {
  const prefix = query.prefix ?? '';
  const maxKeys = Math.min(Number(query['max-keys'] ?? 1000), pageSize);
  const after = query['continuation-token']
    ? Buffer.from(query['continuation-token'], 'base64url').toString()
    : (query['start-after'] ?? '');
  const keys = [...store.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const page = keys.slice(0, maxKeys);
  const truncated = keys.length > page.length;
  const contents = page
    .map((k) => {
      const o = store.get(k)!;
      return (
        `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified>` +
        `<ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
      );
    })
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount>` +
    `<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
    (query['continuation-token']
      ? `<ContinuationToken>${xmlEscape(query['continuation-token'])}</ContinuationToken>`
      : '') +
    (truncated
      ? `<NextContinuationToken>${Buffer.from(page.at(-1)!).toString('base64url')}</NextContinuationToken>`
      : '') +
    `${contents}</ListBucketResult>`
  );
};

const objectHeaders = (o: FakeS3Object) => ({
  'content-type': o.contentType,
  'content-length': String(o.body.length),
  etag: o.etag,
  'last-modified': o.lastModified.toUTCString(),
  'accept-ranges': 'bytes',
});

type Reply = { status: number; headers?: Record<string, string>; body?: string | Buffer };

const handleObject = async (
  req: IncomingMessage,
  ctx: Context,
  store: Map<string, FakeS3Object>,
  key: string,
  resource: string,
): Promise<Reply> => {
  const found = store.get(key);
  switch (req.method) {
    case 'PUT': {
      if (req.headers['x-amz-copy-source'])
        return { status: 501, body: errorXml('NotImplemented', 'CopyObject is not faked', resource) };
      const body = await readBody(req);
      if (!body) return { status: 400, body: errorXml('EntityTooLarge', 'body too large for the fake', resource) };
      const declared = req.headers['x-amz-content-sha256'];
      if (declared !== 'UNSIGNED-PAYLOAD' && declared !== sha256Hex(body)) {
        return { status: 400, body: errorXml('XAmzContentSHA256Mismatch', 'payload hash does not match', resource) };
      }
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      store.set(key, {
        body,
        contentType: req.headers['content-type'] ?? 'binary/octet-stream',
        lastModified: ctx.now(),
        etag,
      });
      return { status: 200, headers: { etag } };
    }
    case 'GET':
      return found
        ? { status: 200, headers: objectHeaders(found), body: found.body }
        : { status: 404, body: errorXml('NoSuchKey', 'The specified key does not exist.', resource) };
    case 'HEAD':
      return found ? { status: 200, headers: objectHeaders(found) } : { status: 404 };
    case 'DELETE':
      store.delete(key);
      return { status: 204 };
    default:
      return { status: 405, body: errorXml('MethodNotAllowed', `${req.method} is not allowed`, resource) };
  }
};

const operationOf = (method: string, key: string, query: Record<string, string>): RecordedS3Request['operation'] => {
  if (key === '') return method === 'GET' && query['list-type'] === '2' ? 'ListObjectsV2' : 'Unsupported';
  const byMethod: Record<string, RecordedS3Request['operation']> = {
    PUT: 'PutObject',
    GET: 'GetObject',
    HEAD: 'HeadObject',
    DELETE: 'DeleteObject',
  };
  return byMethod[method] ?? 'Unsupported';
};

/** Starts the fake on an ephemeral port of 127.0.0.1. */
export const startFakeS3Server = async (options: FakeS3Options = {}): Promise<FakeS3Server> => {
  const credentials = {
    accessKeyId: options.accessKeyId ?? 'FAKEACCESSKEY',
    secretAccessKey: options.secretAccessKey ?? 'fake-secret-key-0123456789',
  };
  const bucketNames = options.buckets ?? ['modera-test'];
  const ctx: Context = {
    buckets: new Map(bucketNames.map((b) => [b, new Map()])),
    pageSize: options.pageSize ?? 1000,
    now: options.now ?? (() => new Date()),
  };
  const requests: RecordedS3Request[] = [];
  let failures = 0;

  const handle = async (req: IncomingMessage): Promise<{ reply: Reply; record: Omit<RecordedS3Request, 'status'> }> => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
    const query = Object.fromEntries(parseRawQuery(rawQuery));
    const [bucket = '', ...keyParts] = rawPath.slice(1).split('/').map(decodeURIComponent);
    const key = keyParts.join('/');
    const method = req.method ?? 'GET';
    const record = {
      method,
      path: rawPath,
      query,
      headers: req.headers,
      operation: operationOf(method, key, query),
      bucket,
      key,
      auth: 'none' as RecordedS3Request['auth'],
    };
    const fail = (status: number, code: string, message: string) => ({
      reply: { status, body: method === 'HEAD' ? undefined : errorXml(code, message, rawPath) },
      record,
    });
    const auth = verifySigV4({ method, rawPath, rawQuery, headers: req.headers }, credentials);
    if (!auth.ok) return fail(auth.status, auth.code, auth.message);
    record.auth = auth.mode;
    const now = ctx.now().getTime();
    if (auth.mode === 'query' && now >= auth.signedAt.getTime() + auth.expiresSeconds! * 1000)
      return fail(403, 'AccessDenied', 'Request has expired');
    if (auth.mode === 'header' && Math.abs(now - auth.signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
      return fail(
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
      );
    }
    if (auth.payloadHash.startsWith('STREAMING-'))
      return fail(501, 'NotImplemented', 'aws-chunked uploads are not faked');
    if (failures > 0) {
      failures--;
      return fail(503, 'SlowDown', 'Please reduce your request rate.');
    }
    const store = ctx.buckets.get(bucket);
    if (!store) return fail(404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (record.operation === 'ListObjectsV2') {
      return {
        reply: {
          status: 200,
          headers: { 'content-type': 'application/xml' },
          body: listXml(bucket, store, query, ctx.pageSize),
        },
        record,
      };
    }
    if (key === '') return fail(501, 'NotImplemented', 'only ListObjectsV2 is faked on a bucket');
    return { reply: await handleObject(req, ctx, store, key, rawPath), record };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handle(req).then(
      ({ reply, record }) => {
        requests.push({ ...record, status: reply.status });
        const headers = {
          'x-amz-request-id': 'FAKE0000000000000000',
          ...(reply.body && typeof reply.body === 'string' ? { 'content-type': 'application/xml' } : {}),
          ...reply.headers,
        };
        res.writeHead(reply.status, headers);
        res.end(req.method === 'HEAD' ? undefined : reply.body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end(errorXml('InternalError', String(error), req.url ?? ''));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const storeOf = (bucket = bucketNames[0]!) => {
    const store = ctx.buckets.get(bucket);
    if (!store) throw new Error(`fake S3 has no bucket ${bucket}`);
    return store;
  };
  return {
    ...credentials,
    endpoint: `http://127.0.0.1:${port}`,
    bucket: bucketNames[0]!,
    requests,
    objects: storeOf,
    setLastModified: (key, date, bucket) => {
      const o = storeOf(bucket).get(key);
      if (!o) throw new Error(`fake S3 has no object ${key}`);
      o.lastModified = date;
    },
    failNext: (count) => {
      failures = count;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
};
