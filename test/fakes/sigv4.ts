import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * AWS Signature Version 4 verification, as S3 (and R2) does it, for the fake S3 server: header
 * auth (`Authorization: AWS4-HMAC-SHA256 …`) and query auth (presigned URLs, `X-Amz-Signature`).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 */

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type SigV4Result =
  | {
      ok: true;
      mode: 'header' | 'query';
      region: string;
      signedAt: Date;
      expiresSeconds: number | null;
      payloadHash: string;
    }
  | { ok: false; status: number; code: string; message: string };

/** RFC 3986 encoding, as SigV4 canonicalisation wants it. */
const encode = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** `20250301T100000Z` → Date. */
export const parseAmzDate = (value: string): Date | null => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : null;
};

export const parseRawQuery = (rawQuery: string): Array<[string, string]> =>
  rawQuery === ''
    ? []
    : rawQuery.split('&').map((pair) => {
        const at = pair.indexOf('=');
        const [k, v] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
        return [decodeURIComponent(k), decodeURIComponent(v)];
      });

interface AuthParts {
  mode: 'header' | 'query';
  credential: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  expiresSeconds: number | null;
  payloadHash: string;
}

const deny = (code: string, message: string, status = 403): SigV4Result => ({ ok: false, status, code, message });

const authParts = (headers: IncomingHttpHeaders, query: Array<[string, string]>): AuthParts | SigV4Result => {
  const q = new Map(query);
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+),\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
    if (!m) return deny('AuthorizationHeaderMalformed', 'the authorization header is malformed', 400);
    const payloadHash = headers['x-amz-content-sha256'];
    if (typeof payloadHash !== 'string') return deny('InvalidRequest', 'missing x-amz-content-sha256', 400);
    return {
      mode: 'header',
      credential: m[1]!,
      signedHeaders: m[2]!.split(';'),
      signature: m[3]!,
      amzDate: String(headers['x-amz-date'] ?? ''),
      expiresSeconds: null,
      payloadHash,
    };
  }
  if (q.has('X-Amz-Signature')) {
    if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256')
      return deny('AuthorizationQueryParametersError', 'unsupported algorithm', 400);
    const expires = Number(q.get('X-Amz-Expires'));
    if (!Number.isInteger(expires) || expires < 1 || expires > 604_800) {
      return deny('AuthorizationQueryParametersError', 'X-Amz-Expires must be 1..604800 seconds', 400);
    }
    return {
      mode: 'query',
      credential: q.get('X-Amz-Credential') ?? '',
      signedHeaders: (q.get('X-Amz-SignedHeaders') ?? '').split(';'),
      signature: q.get('X-Amz-Signature') ?? '',
      amzDate: q.get('X-Amz-Date') ?? '',
      expiresSeconds: expires,
      payloadHash: q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
    };
  }
  return deny('AccessDenied', 'no AWS4-HMAC-SHA256 authorization on the request');
};

/** Verifies the signature of one request against the credentials the fake accepts. */
export const verifySigV4 = (
  request: { method: string; rawPath: string; rawQuery: string; headers: IncomingHttpHeaders },
  credentials: SigV4Credentials,
): SigV4Result => {
  const query = parseRawQuery(request.rawQuery);
  const parts = authParts(request.headers, query);
  if ('ok' in parts) return parts;
  const [accessKeyId, date, region, service, terminator] = parts.credential.split('/');
  if (accessKeyId !== credentials.accessKeyId) return deny('InvalidAccessKeyId', 'the access key id does not exist');
  const signedAt = parseAmzDate(parts.amzDate);
  if (
    !signedAt ||
    !date ||
    !region ||
    service !== 's3' ||
    terminator !== 'aws4_request' ||
    !parts.amzDate.startsWith(date)
  ) {
    return deny('AuthorizationHeaderMalformed', 'bad credential scope or date', 400);
  }
  const canonicalQuery = query
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = parts.signedHeaders
    .map(
      (name) =>
        `${name}:${String(request.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [
    request.method,
    request.rawPath,
    canonicalQuery,
    canonicalHeaders,
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', parts.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), 's3'), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(parts.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return deny(
      'SignatureDoesNotMatch',
      'the request signature we calculated does not match the signature you provided',
    );
  }
  return {
    ok: true,
    mode: parts.mode,
    region,
    signedAt,
    expiresSeconds: parts.expiresSeconds,
    payloadHash: parts.payloadHash,
  };
};

export { sha256Hex };
