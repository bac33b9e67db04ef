import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayEnv, parseEnv } from '../../services/shared/src/env';
import { closeDeps, createDeps } from '../../services/gateway/src/build-deps';
import type { GatewayDeps } from '../../services/gateway/src/deps';
import { createApp } from '../../services/gateway/src/http/app';
import { SERVER_TIMEOUTS } from '../../services/gateway/src/serve';
import { capturingLogger } from './log';

/** One gateway instance as main.ts wires it (a Cloud Run instance): its own Firestore and Pub/Sub clients, on the emulators. */
export interface GatewayInstance {
  url: string;
  deps: GatewayDeps;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface GatewayInstanceOptions {
  projectId: string;
  /** The API key the instance's Anthropic provider sends upstream. */
  upstreamKey: string;
  /** Where its Pub/Sub client publishes (the emulator, or a proxy in front of it). Default: PUBSUB_EMULATOR_HOST. */
  pubsubHost?: string;
  env?: Record<string, string>;
}

/**
 * Listens at once, without waiting for the store: an instance started during an outage listens
 * before its first snapshot (await `deps.started` for one that must be ready).
 */
export async function startGatewayInstance(opts: GatewayInstanceOptions): Promise<GatewayInstance> {
  const { log, lines } = capturingLogger({ service: 'gateway' });
  const env = parseEnv(GatewayEnv, {
    HOST: '127.0.0.1',
    GOOGLE_CLOUD_PROJECT: opts.projectId,
    GATEHOUSE_STORE: 'firestore',
    GATEHOUSE_BUS: 'pubsub',
    ...opts.env,
  });
  // The Pub/Sub client reads its emulator host when it is constructed, inside createDeps.
  const shared = process.env.PUBSUB_EMULATOR_HOST;
  if (opts.pubsubHost) process.env.PUBSUB_EMULATOR_HOST = opts.pubsubHost;
  let deps: GatewayDeps;
  try {
    deps = createDeps({ env, log, processEnv: { ANTHROPIC_API_KEY: opts.upstreamKey } });
  } finally {
    process.env.PUBSUB_EMULATOR_HOST = shared;
  }
  deps.started.catch(() => undefined); // a failure shows as "not ready", or where a test awaits it
  // Production's keep-alive (serve.ts): node's default 5 s races a loaded client's reuse (ECONNRESET).
  const server = createServer(createApp(deps));
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed = false;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deps,
    logs: lines,
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await closeDeps(deps);
    },
  };
}
