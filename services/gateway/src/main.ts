import { CloudRunGatewayEnv, parseEnv } from '../../shared/src/env';
import { createLogger } from '../../shared/src/log';
import { buildDeps } from './build-deps';
import { serve } from './serve';

/** The gateway on Cloud Run: Firestore store, Pub/Sub usage topic, workload identity. */
async function main(): Promise<void> {
  const env = parseEnv(CloudRunGatewayEnv, process.env);
  const log = createLogger({ service: 'gateway', project: env.GOOGLE_CLOUD_PROJECT, level: env.LOG_LEVEL });
  const deps = await buildDeps({ env, log, processEnv: process.env });
  await serve(deps, log);
  log.info('gateway listening', { port: env.PORT });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
