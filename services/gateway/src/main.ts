import { GatewayEnv, parseEnv } from '../../shared/src/env';
import { createLogger } from '../../shared/src/log';
import { buildDeps } from './build-deps';
import { serve } from './serve';

/** The gateway on Cloud Run: Firestore store, Pub/Sub usage topic, workload identity. */
async function main(): Promise<void> {
  const env = parseEnv(GatewayEnv, { GATEHOUSE_STORE: 'firestore', GATEHOUSE_BUS: 'pubsub', ...process.env });
  // Cloud Run does not set it; without it the adapters would talk to a project named "gatehouse-local".
  if (!env.GOOGLE_CLOUD_PROJECT) throw new Error('Invalid environment:\nGOOGLE_CLOUD_PROJECT: required (the project of Firestore and Pub/Sub)');
  const log = createLogger({ service: 'gateway', project: env.GOOGLE_CLOUD_PROJECT, level: env.LOG_LEVEL });
  const deps = await buildDeps({ env, log, processEnv: process.env });
  await serve(deps, log);
  log.info('gateway listening', { port: env.PORT });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
