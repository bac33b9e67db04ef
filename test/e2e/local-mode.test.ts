import type { ChildProcess } from 'node:child_process';
import { PubSub } from '@google-cloud/pubsub';
import { decodeUsageEvent, type UsageEvent } from '../../services/shared/src/usage-event';
import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import { hashKey } from '../../services/gateway/src/auth/keys';
import { startFakeAnthropic } from '../fakes/fake-anthropic';
import type { Fake } from '../fakes/script';
import { describeIf, eventually, firestoreAvailable, pubsubAvailable, uniqueProjectId } from '../helpers/emulators';
import { startLocalGateway } from '../helpers/local-gateway';

/**
 * `npm start` as a user runs it — a real process, seeded from a file, on the Firestore and Pub/Sub
 * emulators — and the guarantee that a usage event published just before SIGTERM is flushed, not lost.
 */
const KEY = 'gth_local_0123456789abcdef0123456789abcd';

describeIf(firestoreAvailable() && pubsubAvailable())('local mode on the emulators', () => {
  let upstream: Fake;
  let child: ChildProcess;
  let output = '';
  let url: string;
  const project = uniqueProjectId('local-mode');

  beforeAll(async () => {
    upstream = await startFakeAnthropic({ apiKey: 'sk-ant-local' });
    const local = await startLocalGateway(
      {
        workspaces: [{ id: 'dev', name: 'Dev' }],
        providers: [
          { slug: 'anthropic-prod', kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' }, base_url: upstream.url, allow_uncatalogued_models: true },
        ],
        configs: [{ id: 'default', config: { provider: '@anthropic-prod' } }],
        api_keys: [{ key: KEY, name: 'dev', type: 'workspace', workspace_id: 'dev', scopes: ['completions'], defaults: { config_id: 'default' } }],
      },
      {
        GOOGLE_CLOUD_PROJECT: project,
        FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST,
        PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST,
        ANTHROPIC_API_KEY: 'sk-ant-local',
      },
    );
    ({ url, child } = local);
    output = local.output();
  }, 90_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await upstream.close();
  });

  it('prints Claude Code settings for the seeded key', () => {
    expect(output).toContain(`"ANTHROPIC_BASE_URL": "${url}"`);
    expect(output).toContain(`"ANTHROPIC_AUTH_TOKEN": "${KEY}"`);
  });

  it('serves the dashboard, and says where', async () => {
    expect(output).toContain(`Dashboard: ${url}/dashboard`);
    const res = await fetch(`${url}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('/dashboard/assets/');
  });

  it('on SIGTERM, finishes a stream in flight and flushes its usage event to Pub/Sub', async () => {
    // The fake pauses 1.5 s mid-stream: SIGTERM arrives while the answer is still coming.
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow-gap-1500', stream: true, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-gatehouse-request-id');
    const reader = res.body!.getReader();
    await reader.read();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    let text = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += Buffer.from(r.value).toString();
    expect(text).toMatch(/event: message_stop/);
    expect(await exited).toBe(0);

    // The local worker stops consuming on SIGTERM, so the flushed event waits in the pull subscription —
    // unless the worker applied it before the signal; either way it must not be lost.
    const store = createFirestoreStore({ projectId: project });
    const applied = async () => ((await store.usageTotals('key', `key_${hashKey(KEY).slice(0, 12)}`, new Date().toISOString().slice(0, 7)))?.requests ?? 0) > 0;
    const pubsub = new PubSub({ projectId: project });
    const received: UsageEvent[] = [];
    const sub = pubsub.subscription('gatehouse-usage-pull');
    sub.on('message', (m) => {
      const e = decodeUsageEvent(m.data);
      if (e) received.push(e);
      m.ack();
    });
    await eventually(async () => received.some((e) => e.request_id === requestId) || (await applied()), 15_000, 100);
    await sub.close();
    await pubsub.close();
    await store.close();
    const event = received.find((e) => e.request_id === requestId);
    if (event) expect(event).toMatchObject({ outcome: 'success', key_name: 'dev', provider: 'anthropic-prod' });
  }, 60_000);
});
