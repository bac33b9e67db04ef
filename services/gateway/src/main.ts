import { CloudRunGatewayEnv, parseEnv } from '../../shared/src/env';
import { createLogger } from '../../shared/src/log';
import { createDeps } from './build-deps';
import { serve } from './serve';

/** The gateway on Cloud Run: Firestore store, Pub/Sub usage topic, workload identity. */
async function main(): Promise<void> {
  const env = parseEnv(CloudRunGatewayEnv, process.env);
  const log = createLogger({ service: 'gateway', project: env.GOOGLE_CLOUD_PROJECT, level: env.LOG_LEVEL });
  const deps = createDeps({ env, log, processEnv: process.env });
  // Listening before the first snapshots have arrived: while the store is away the instance answers
  // its probes (GET /readyz: not ready) and refuses keys with a 503 instead of hanging.
  deps.started.catch((err: unknown) => {
    log.error('gateway cannot start', { err: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
  await serve(deps, log);
  log.info('gateway listening', { port: env.PORT });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
