import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BodyStore } from '../../services/gateway/src/bodies/body-store';
import { folderBodyStore } from '../../services/gateway/src/bodies/folder-bodies';
import { gcsBodyStore } from '../../services/gateway/src/bodies/gcs-bodies';
import { type FakeGcs, startFakeGcs } from '../fakes/fake-gcs';

/** The body store port, against the local-folder adapter and the Cloud Storage one (a fake JSON API). */
function bodyStoreContract(name: string, make: () => BodyStore) {
  describe(`body store: ${name}`, () => {
    const body = { content_type: 'text/event-stream', text: 'event: message_start\ndata: {"ü":1}\n\n', truncated: false };

    it('gives back what it stored, per request and part', async () => {
      const store = make();
      await store.put('req_gth_a1', 'request', { ...body, content_type: 'application/json', text: '{"model":"x"}' });
      await store.put('req_gth_a1', 'response', body);
      expect(await store.get('req_gth_a1', 'response')).toEqual(body);
      expect(await store.get('req_gth_a1', 'request')).toMatchObject({ text: '{"model":"x"}' });
    });

    it('has nothing for a request it never stored', async () => {
      expect(await make().get('req_gth_never', 'request')).toBeUndefined();
    });

    it('refuses a name that is not a request id', async () => {
      await expect(make().put('../etc/passwd', 'request', body)).rejects.toThrow(/not a request id/);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bodies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
bodyStoreContract('folder', () => folderBodyStore(dir));

let gcs: FakeGcs;
beforeAll(async () => {
  gcs = await startFakeGcs({ token: 'gcs-token' });
});
afterAll(() => gcs.close());
bodyStoreContract('Cloud Storage', () => gcsBodyStore({ bucket: 'my-bodies', baseUrl: gcs.url, token: async () => 'gcs-token' }));

it('speaks the JSON API: a media upload naming the object, a media download, Bearer auth', async () => {
  gcs.reset();
  const store = gcsBodyStore({ bucket: 'my-bodies', baseUrl: gcs.url, token: async () => 'gcs-token' });
  await store.put('req_gth_b2', 'response', { content_type: 'application/json', text: '{}', truncated: false });
  expect(gcs.calls[0]).toMatchObject({
    method: 'POST',
    path: '/upload/storage/v1/b/my-bodies/o',
    query: { uploadType: 'media', name: 'bodies/req_gth_b2/response.json' },
  });
  expect([...gcs.objects.keys()]).toEqual(['my-bodies/bodies/req_gth_b2/response.json']);
  await store.get('req_gth_b2', 'response');
  expect(gcs.calls[1].path).toBe('/storage/v1/b/my-bodies/o/bodies%2Freq_gth_b2%2Fresponse.json');
  const bad = gcsBodyStore({ bucket: 'my-bodies', baseUrl: gcs.url, token: async () => 'wrong' });
  await expect(bad.get('req_gth_b2', 'response')).rejects.toThrow(/401: Invalid Credentials/);
});
