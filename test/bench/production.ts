/**
 * The production shape the bench's headline rows measure: the gateway as Cloud Run runs it
 * (dist/gateway/src/main.js: Firestore store, usage events published to Pub/Sub through the real
 * client) with the worker in its own process (dist/worker/src/main.js, receiving the events by push),
 * on the Firestore and Pub/Sub emulators, which the bench starts as the tests do
 * (test/helpers/global-setup.ts).
 */
import { PubSub } from '@google-cloud/pubsub';
import { ensureTopic } from '../../services/shared/src/bus/pubsub';
import { DEFAULT_PREFIX, PUSH_PATHS, TOPICS } from '../../services/shared/src/bus/topics';
import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import { applySeed, Seed } from '../../services/gateway/src/seed';
import { EMULATORS, killGroups, launchEmulator } from '../helpers/global-setup';
import { type Child, startServiceChild } from './processes';

export interface Emulators {
  firestore: string;
  pubsub: string;
  /** Their process groups (each emulator's watchdog shell and JVM). */
  pids: number[];
  stop(): void;
}

/** Both emulators on loopback, or the reason they cannot run here (jar missing, no answer). */
export async function startEmulators(): Promise<Emulators | { skipped: string }> {
  const started = await Promise.all(EMULATORS.map((e) => launchEmulator(e)));
  const pids = started.flatMap((s) => (s.pid ? [s.pid] : []));
  const stop = () => killGroups(pids, 'SIGKILL');
  const failed = started.findIndex((s) => !s.ready);
  if (failed >= 0) {
    stop();
    return { skipped: `the ${EMULATORS[failed].name} emulator (${EMULATORS[failed].jar}) did not start; log: ${started[failed].logPath}` };
  }
  return { firestore: started[0].host, pubsub: started[1].host, pids, stop };
}

export interface ProductionOptions {
  emulators: Emulators;
  project: string;
  seed: Record<string, unknown>;
  gatewayEntry: string;
  workerEntry: string;
  gatewayFlags: string[];
  gatewayEnv: Record<string, string>;
  probe: string;
  cpu?: string;
}

/** The subscription that pushes usage events to the worker, as infra/pubsub.tf declares one. */
export const PUSH_SUBSCRIPTION = 'bench-usage-push';

/**
 * Seeds the store, starts the worker, subscribes it to the usage topic by push, then starts the
 * gateway and waits until it is ready (every listener's first snapshot).
 */
export async function startProduction(opts: ProductionOptions): Promise<{ gateway: Child; worker: Child }> {
  const emulatorEnv = envOf(opts);
  // The bench's own clients (seed, topics) talk to the emulators too.
  Object.assign(process.env, emulatorEnv);
  const store = createFirestoreStore({ projectId: opts.project });
  try {
    await applySeed(store, Seed.parse(opts.seed));
  } finally {
    await store.close();
  }
  const worker = await startServiceChild({
    name: 'worker',
    entry: opts.workerEntry,
    env: { ...emulatorEnv, PUSH_AUTH_DISABLED: 'true', BENCH_PROBE_FIRESTORE: '1' },
    probe: opts.probe,
  });
  const pubsub = new PubSub({ projectId: opts.project });
  try {
    const usage = await ensureTopic(pubsub, DEFAULT_PREFIX + TOPICS.usage);
    await Promise.all([ensureTopic(pubsub, DEFAULT_PREFIX + TOPICS.usageDeadLetter), ensureTopic(pubsub, DEFAULT_PREFIX + TOPICS.alerts)]);
    await usage.createSubscription(PUSH_SUBSCRIPTION, { pushConfig: { pushEndpoint: `${worker.url}${PUSH_PATHS.usage}` }, ackDeadlineSeconds: 60 });
  } finally {
    await pubsub.close();
  }
  return { gateway: await startGateway(opts), worker };
}

function envOf(opts: ProductionOptions): Record<string, string> {
  return { GOOGLE_CLOUD_PROJECT: opts.project, FIRESTORE_EMULATOR_HOST: opts.emulators.firestore, PUBSUB_EMULATOR_HOST: opts.emulators.pubsub };
}

/** A production gateway on the project startProduction prepared, ready to serve. */
export function startGateway(opts: ProductionOptions): Promise<Child> {
  return startServiceChild({
    name: 'gateway (production)',
    entry: opts.gatewayEntry,
    env: { ...opts.gatewayEnv, ...envOf(opts), GATEHOUSE_STORE: 'firestore', GATEHOUSE_BUS: 'pubsub' },
    nodeFlags: opts.gatewayFlags,
    probe: opts.probe,
    cpu: opts.cpu,
    readyPath: '/readyz',
  });
}

/** Stops the push subscription, so that the backlog of the gateway phases leaves the worker alone. */
export async function stopPush(project: string): Promise<void> {
  const pubsub = new PubSub({ projectId: project });
  try {
    await pubsub.subscription(PUSH_SUBSCRIPTION).delete();
  } finally {
    await pubsub.close();
  }
}
