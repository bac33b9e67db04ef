/**
 * Minimal fake Secret Manager REST API on 127.0.0.1: `GET /v1/projects/{p}/secrets/{s}/versions/{v}:access`
 * → `{"name","payload":{"data":"<base64>","dataCrc32c":"<decimal>"}}`, Bearer auth required.
 */
import { bearer, sendJson, startHttpFake, type FakeBase } from './http-fake';

export interface FakeSecretManagerOptions {
  /**
   * Secret values keyed by `projects/{p}/secrets/{s}` (served for every version, `latest` included)
   * or by `projects/{p}/secrets/{s}/versions/{v}` (that version only; wins over the former).
   */
  secrets?: Record<string, string>;
  /** When set, the Bearer token must equal it; otherwise any token is accepted. */
  token?: string;
}

export interface FakeSecretManager extends FakeBase {
  /** Adds or replaces a secret (same keys as `secrets`), e.g. to test rotation. */
  setSecret(name: string, value: string): void;
}

const ACCESS = /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/:]+):access$/;
const GOOGLE_JSON = 'application/json; charset=UTF-8';

export async function startFakeSecretManager(opts: FakeSecretManagerOptions = {}): Promise<FakeSecretManager> {
  const secrets = new Map(Object.entries(opts.secrets ?? {}));

  const fake = await startHttpFake((_req, res, call) => {
    const google = (code: number, status: string, message: string) => sendJson(res, code, { error: { code, message, status } }, {}, GOOGLE_JSON);
    const m = ACCESS.exec(decodeURIComponent(call.path));
    if (call.method !== 'GET' || !m) return google(404, 'NOT_FOUND', `The requested URL ${call.path} was not found on this server.`);
    const token = bearer(call);
    if (!token || (opts.token !== undefined && token !== opts.token)) {
      return google(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
    const [, secret, version] = m;
    const value = secrets.get(`${secret}/versions/${version}`) ?? secrets.get(secret);
    if (value === undefined) {
      return version === 'latest'
        ? google(404, 'NOT_FOUND', `Secret [${secret}] not found or has no versions.`)
        : google(404, 'NOT_FOUND', `Secret Version [${secret}/versions/${version}] not found.`);
    }
    const data = Buffer.from(value, 'utf8');
    const resolved = version === 'latest' ? '1' : version;
    sendJson(
      res,
      200,
      { name: `${secret}/versions/${resolved}`, payload: { data: data.toString('base64'), dataCrc32c: String(crc32c(data)) } },
      {},
      GOOGLE_JSON,
    );
  });

  return {
    url: fake.url,
    calls: fake.calls,
    reset: fake.reset,
    close: fake.close,
    setSecret: (name, value) => void secrets.set(name, value),
  };
}

/** CRC32C (Castagnoli), which Secret Manager reports as a decimal string in `payload.dataCrc32c`. */
export function crc32c(buf: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
