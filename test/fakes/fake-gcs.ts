/**
 * Minimal fake Cloud Storage JSON API on 127.0.0.1 (https://cloud.google.com/storage/docs/json_api):
 * simple media upload `POST /upload/storage/v1/b/{bucket}/o?uploadType=media&name={name}` → the
 * object resource; media download `GET /storage/v1/b/{bucket}/o/{name}?alt=media` → the bytes, with
 * the stored content type; Google's error envelope for 401 / 404 / 400. Bearer auth required.
 */
import { bearer, sendJson, startHttpFake, type FakeBase } from './http-fake';

export interface FakeGcs extends FakeBase {
  /** Stored objects by `bucket/name`. */
  objects: Map<string, { contentType: string; data: string }>;
}

const UPLOAD = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/;
const DOWNLOAD = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/;
const GOOGLE_JSON = 'application/json; charset=UTF-8';

export async function startFakeGcs(opts: { token?: string } = {}): Promise<FakeGcs> {
  const objects = new Map<string, { contentType: string; data: string }>();
  const fake = await startHttpFake((_req, res, call) => {
    const google = (code: number, message: string) =>
      sendJson(res, code, { error: { code, message, errors: [{ message, domain: 'global' }] } }, {}, GOOGLE_JSON);
    const token = bearer(call);
    if (!token || (opts.token !== undefined && token !== opts.token)) return google(401, 'Invalid Credentials');
    const up = UPLOAD.exec(call.path);
    if (call.method === 'POST' && up) {
      if (call.query.uploadType !== 'media' || !call.query.name) return google(400, 'Upload requests must include an uploadType URL parameter and a URL.');
      const bucket = decodeURIComponent(up[1]);
      const contentType = call.headers['content-type'] ?? 'application/octet-stream';
      objects.set(`${bucket}/${call.query.name}`, { contentType, data: call.rawBody });
      return sendJson(
        res,
        200,
        { kind: 'storage#object', bucket, name: call.query.name, contentType, size: String(Buffer.byteLength(call.rawBody)) },
        {},
        GOOGLE_JSON,
      );
    }
    const down = DOWNLOAD.exec(call.path);
    if (call.method === 'GET' && down && call.query.alt === 'media') {
      const name = decodeURIComponent(down[2]);
      const obj = objects.get(`${decodeURIComponent(down[1])}/${name}`);
      if (!obj) return google(404, `No such object: ${decodeURIComponent(down[1])}/${name}`);
      res.writeHead(200, { 'content-type': obj.contentType, 'content-length': Buffer.byteLength(obj.data) });
      return void res.end(obj.data);
    }
    google(404, 'Not Found');
  });
  return {
    ...fake,
    objects,
    reset() {
      fake.reset();
      objects.clear();
    },
  };
}
