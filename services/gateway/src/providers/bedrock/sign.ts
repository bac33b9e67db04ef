import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { UpstreamRequest } from '../types';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * SHA-256 (or HMAC-SHA256 with a secret) in the shape SignatureV4 expects, on node:crypto: the pure-JS
 * `@aws-crypto/sha256-js` takes ~7 ms per 500 KB body, blocking the event loop on every attempt.
 */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface SignOptions {
  /** Fixed signing time (tests); defaults to now. */
  signingDate?: Date;
}

/**
 * SigV4-signs a built Bedrock request (service `bedrock`), the way `@anthropic-ai/bedrock-sdk` does.
 * Returns a copy whose headers add `authorization`, `x-amz-date`, `x-amz-content-sha256` and, with a
 * session token, `x-amz-security-token`. `host` is signed but not returned: the transport derives the
 * same value from `url`. Headers added after signing must stay out of the signed set (they are not in
 * `SignedHeaders`, so e.g. `user-agent` or `content-length` added by the HTTP client are fine).
 */
export async function signBedrockRequest(up: UpstreamRequest, region: string, creds: AwsCredentials, opts: SignOptions = {}): Promise<UpstreamRequest> {
  // Loaded with the first Bedrock request: a gateway without Bedrock providers never holds it in memory.
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const url = new URL(up.url);
  const signer = new SignatureV4({
    service: 'bedrock',
    region,
    credentials: {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    },
    sha256: NodeSha256,
  });

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(up.headers)) headers[name.toLowerCase()] = value;
  // A proxy may strip `connection`, so signing it would make the signature unverifiable (as the SDK does).
  delete headers.connection;
  headers.host = url.host;

  const query: Record<string, string[]> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key);

  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      body: up.body,
    },
    opts.signingDate ? { signingDate: opts.signingDate } : {},
  );

  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name.toLowerCase() !== 'host') out[name.toLowerCase()] = String(value);
  }
  return { ...up, headers: out };
}
