import { existsSync } from 'node:fs';
import { prepareLocalPubSub } from '../../shared/src/bus/pubsub';
import { GatewayEnv, parseEnv } from '../../shared/src/env';
import { createLogger } from '../../shared/src/log';
import { consumeBus } from '../../worker/src/consume';
import { startUsagePipeline } from '../../worker/src/pipeline';
import { buildDeps, busKind, storeFromEnv } from './build-deps';
import { claudeSettings } from './claude-settings';
import { applySeed, devSeed, readSeed } from './seed';
import { serve } from './serve';

/**
 * `npm start`: gateway and worker in one process (docs/design.md §3) — memory store and in-process bus, or
 * the Firestore / Pub/Sub emulators when their hosts are set — seeded from GATEHOUSE_SEED
 * (default ./gatehouse.seed.json) or, without a seed file, a generated dev setup.
 */
async function main(): Promise<void> {
  const env = parseEnv(GatewayEnv, process.env);
  const log = createLogger({ service: 'gateway', project: env.GOOGLE_CLOUD_PROJECT, level: env.LOG_LEVEL });
  const seedPath = env.GATEHOUSE_SEED ?? (existsSync('gatehouse.seed.json') ? 'gatehouse.seed.json' : undefined);
  const store = storeFromEnv(env);
  // The emulator starts empty: without the topic and subscription, the first events would be lost.
  if (busKind(env) === 'pubsub') await prepareLocalPubSub(env.GOOGLE_CLOUD_PROJECT ?? 'gatehouse-local', env.GATEHOUSE_USAGE_TOPIC);
  const seed = seedPath ? readSeed(seedPath) : devSeed(env.GOOGLE_CLOUD_PROJECT);
  const keys = await applySeed(store, seed);
  const admins = new Set(seed.api_keys.filter((k) => k.type === 'organisation').map((k) => k.name));
  const deps = await buildDeps({ env, log, processEnv: process.env, store });
  const workerLog = log.child({ service: 'worker' });
  // The worker shares the gateway's event loop here: a commit is synchronous work on it (~60 µs an
  // event with the memory store), so batches of 50 rather than the worker's 200 keep each under ~3 ms.
  const pipeline = await startUsagePipeline({ store, log: workerLog, logRetentionDays: env.GATEHOUSE_LOG_RETENTION_DAYS, maxEvents: 50 });
  const stopWorker = consumeBus(deps.bus, pipeline.aggregator, workerLog);
  await serve(deps, log, async () => {
    stopWorker();
    await pipeline.close();
  });
  const url = `http://127.0.0.1:${env.PORT}`;
  const lines = [`Gatehouse is listening on ${url} (${seedPath ? `seed: ${seedPath}` : 'generated dev setup'}).`];
  lines.push('', `Dashboard: ${url}/dashboard (sign in with an organisation key).`);
  for (const k of keys.filter((k) => k.key)) {
    if (admins.has(k.name)) lines.push('', `Admin key "${k.name}", for the dashboard and the CLI: ${k.key}`);
    else lines.push('', `Claude Code settings for key "${k.name}" (~/.claude/settings.json):`, JSON.stringify(claudeSettings(url, k.key!), null, 2));
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
