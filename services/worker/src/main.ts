import { pubsubDeadLetter, pubsubJsonPublisher } from '../../shared/src/bus/pubsub';
import { parseEnv, WorkerEnv } from '../../shared/src/env';
import { createLogger } from '../../shared/src/log';
import { createFirestoreStore } from '../../shared/src/store/firestore';
import { createWorkerApp } from './http/app';
import { startUsagePipeline } from './pipeline';
import { pushVerifier } from './push-auth';

/** The worker on Cloud Run: Pub/Sub push in; Firestore counters, budget statuses and alerts out. */
async function main(): Promise<void> {
  const env = parseEnv(WorkerEnv, process.env);
  const log = createLogger({ service: 'worker', project: env.GOOGLE_CLOUD_PROJECT, level: env.LOG_LEVEL });
  const store = createFirestoreStore({ projectId: env.GOOGLE_CLOUD_PROJECT, prefix: env.GATEHOUSE_COLLECTION_PREFIX });
  const publishDeadLetter = pubsubDeadLetter(env.GOOGLE_CLOUD_PROJECT, env.DEAD_LETTER_TOPIC);
  const pipeline = await startUsagePipeline({
    store,
    log,
    maxWaitMs: env.GATEHOUSE_COMMIT_WAIT_MS,
    logRetentionDays: env.GATEHOUSE_LOG_RETENTION_DAYS,
    publishAlert: pubsubJsonPublisher(env.GOOGLE_CLOUD_PROJECT, env.ALERTS_TOPIC),
  });
  let deadLettered = 0;
  const app = createWorkerApp({
    aggregator: pipeline.aggregator,
    log,
    deadLetter: async (data, reason) => {
      deadLettered++;
      log.error('usage event dead-lettered', { reason, deadLettered });
      await publishDeadLetter(data, reason);
    },
    verifyPush: env.PUSH_AUTH_DISABLED ? undefined : pushVerifier({ audience: env.PUSH_AUDIENCE!, serviceAccount: env.PUSH_SERVICE_ACCOUNT! }),
  });
  const server = app.listen(env.PORT, env.HOST, () => log.info('worker listening', { port: env.PORT }));
  process.on('SIGTERM', () => {
    server.close(
      () =>
        void pipeline
          .close()
          .then(() => store.close())
          .then(() => process.exit(0)),
    );
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
