import { createSign, generateKeyPairSync } from 'node:crypto';
import { OAuth2Client } from 'google-auth-library';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { type UsageEvent, ZERO_USAGE } from '../../services/shared/src/usage-event';
import { usageEventFixture } from '../helpers/usage-event';
import { createWorkerApp } from '../../services/worker/src/http/app';
import { pushVerifier } from '../../services/worker/src/push-auth';
import { silentLogger } from '../helpers/log';
import { type LoopbackServer, listenOnLoopback } from '../helpers/listen';
import { type HttpFake, sendJson, startHttpFake } from '../fakes/http-fake';
import { startTestPipeline } from '../helpers/worker';
import type { UsagePipeline } from '../../services/worker/src/pipeline';

/** The worker's Pub/Sub push endpoint: idempotent, explicit about acks, dead-letters what it cannot read. */
const quiet = silentLogger('worker');

function event(over: Partial<UsageEvent> = {}): UsageEvent {
  return usageEventFixture({
    timestamp: '2026-11-27T10:00:00.000Z',
    workspace_id: 'dev',
    key_id: 'key_1',
    usage: { ...ZERO_USAGE, input: 10, output: 5 },
    cost_micros: 105,
    ...over,
  });
}

function push(data: unknown) {
  return {
    message: { data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64'), messageId: '1' },
    subscription: 'projects/p/subscriptions/s',
  };
}

describe('push endpoint', () => {
  const store = createMemoryStore();
  const deadLetters: { data: string; reason: string }[] = [];
  let worker: LoopbackServer;
  let pipeline: UsagePipeline;
  beforeAll(async () => {
    pipeline = await startTestPipeline(store);
    worker = await listenOnLoopback(
      createWorkerApp({ aggregator: pipeline.aggregator, log: quiet, deadLetter: async (data, reason) => void deadLetters.push({ data, reason }) }),
    );
  });
  afterAll(async () => {
    await worker?.close();
    await pipeline?.close();
  });

  const send = (body: unknown) =>
    fetch(`${worker.url}/pubsub/usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('applies a redelivered event once', async () => {
    const e = event({ key_id: 'key_once' });
    expect((await send(push(e))).status).toBe(204);
    expect((await send(push(e))).status).toBe(204);
    expect(await store.usageTotals('key', 'key_once', '2026-11')).toMatchObject({ requests: 1, cost_micros: 105, input: 10, output: 5 });
  });

  it('dead-letters a malformed event, acks it, and keeps its bytes', async () => {
    expect((await send(push({ not: 'an event' }))).status).toBe(204);
    expect((await send(push('not json'))).status).toBe(204);
    expect(deadLetters.map((d) => d.reason)).toEqual(['malformed usage event', 'malformed usage event']);
    expect(Buffer.from(deadLetters[1].data, 'base64').toString()).toBe('not json');
  });
});

describe('push authentication', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'test-kid';
  let certs: HttpFake;
  let certsUrl: string;
  beforeAll(async () => {
    certs = await startHttpFake((_req, res) =>
      sendJson(res, 200, { [kid]: publicKey.export({ type: 'spki', format: 'pem' }) }, { 'cache-control': 'max-age=60' }),
    );
    certsUrl = `${certs.url}/certs`;
  });
  afterAll(() => certs?.close());

  function jwt(claims: Record<string, unknown>): string {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'RS256', kid, typ: 'JWT' })}.${b64({ iss: 'https://accounts.google.com', iat: now, exp: now + 600, ...claims })}`;
    return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
  }

  const verify = () =>
    pushVerifier({
      audience: 'https://worker.example/pubsub/usage',
      serviceAccount: 'push@p.iam.gserviceaccount.com',
      client: new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: certsUrl } }),
    });

  it('accepts a token for the push service account and audience', async () => {
    await expect(
      verify()(`Bearer ${jwt({ aud: 'https://worker.example/pubsub/usage', email: 'push@p.iam.gserviceaccount.com', email_verified: true })}`),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['no header', undefined],
    ['another audience', `Bearer ${jwt({ aud: 'https://elsewhere', email: 'push@p.iam.gserviceaccount.com', email_verified: true })}`],
    ['another service account', `Bearer ${jwt({ aud: 'https://worker.example/pubsub/usage', email: 'evil@p.iam.gserviceaccount.com', email_verified: true })}`],
  ])('rejects %s', async (_name, header) => {
    await expect(verify()(header)).rejects.toThrow();
  });

  it('answers 401 (a nack) to an unauthenticated push and applies nothing', async () => {
    const store = createMemoryStore();
    const pipeline = await startTestPipeline(store);
    const worker = await listenOnLoopback(createWorkerApp({ aggregator: pipeline.aggregator, log: quiet, deadLetter: async () => {}, verifyPush: verify() }));
    try {
      const res = await fetch(`${worker.url}/pubsub/usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(push(event({ key_id: 'k_unauth' }))),
      });
      expect(res.status).toBe(401);
      expect(await store.usageTotals('key', 'k_unauth', '2026-11')).toBeUndefined();
    } finally {
      await worker.close();
      await pipeline.close();
    }
  });
});
