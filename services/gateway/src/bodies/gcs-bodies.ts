import { GoogleAuth } from 'google-auth-library';
import { type BodyStore, bodyObjectName, type CapturedBody } from './body-store';

export interface GcsBodyStoreOptions {
  bucket: string;
  /** Tests point this at a fake that speaks the JSON API. Default: Cloud Storage. */
  baseUrl?: string;
  /** An OAuth access token; default: Application Default Credentials (the service's identity). */
  token?: () => Promise<string>;
}

/**
 * Captured bodies as objects in a Cloud Storage bucket, through the JSON API
 * (https://cloud.google.com/storage/docs/json_api): a simple media upload
 * (`POST /upload/storage/v1/b/B/o?uploadType=media&name=N`) and a media download
 * (`GET /storage/v1/b/B/o/N?alt=media`, the name percent-encoded, "/" included). The bucket's
 * lifecycle rule (infra/storage.tf) deletes them.
 */
export function gcsBodyStore(opts: GcsBodyStoreOptions): BodyStore {
  const base = (opts.baseUrl ?? 'https://storage.googleapis.com').replace(/\/+$/, '');
  const bucket = encodeURIComponent(opts.bucket);
  const auth = opts.token ? undefined : new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/devstorage.read_write'] });
  const token = opts.token ?? (async () => (await auth!.getAccessToken()) ?? '');

  async function failed(res: Response, what: string): Promise<Error> {
    const body = await res.text();
    const message = (JSON.parse(body || '{}') as { error?: { message?: string } }).error?.message ?? res.statusText;
    return new Error(`Cloud Storage ${what} failed with ${res.status}: ${message}`);
  }

  return {
    async put(requestId, part, body) {
      const name = encodeURIComponent(bodyObjectName(requestId, part));
      const res = await fetch(`${base}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw await failed(res, 'upload');
      await res.arrayBuffer();
    },
    async get(requestId, part) {
      const name = encodeURIComponent(bodyObjectName(requestId, part));
      const res = await fetch(`${base}/storage/v1/b/${bucket}/o/${name}?alt=media`, { headers: { authorization: `Bearer ${await token()}` } });
      if (res.status === 404) {
        await res.arrayBuffer();
        return undefined;
      }
      if (!res.ok) throw await failed(res, 'download');
      return (await res.json()) as CapturedBody;
    },
  };
}
