import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '../../services/gateway/src/serve';
import { DEV_KEY, devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { silentLogger } from '../helpers/log';

/**
 * The server `npm start` and the container run (serve.ts) sets its timeouts against Cloud Run's front
 * end, not node's defaults: idle connections outlive the front end's 600 s, and a
 * client gets less time than node's 60 s to send its headers and 300 s to send its request.
 */
let gw: TestGateway;
let server: Server;

beforeAll(async () => {
  gw = await startGateway({ seed: devSeed({ vertex: 'http://127.0.0.1:1' }) });
  server = await serve(gw.deps, silentLogger());
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await gw.close();
});

it('keeps idle connections longer than the front end does, and gives headers and bodies less time than node would', () => {
  expect(server.keepAliveTimeout).toBeGreaterThan(600_000); // Google's front end: 600 s idle per backend connection
  expect(server.headersTimeout).toBeLessThan(60_000); // node's default
  expect(server.requestTimeout).toBeLessThan(300_000); // node's default
  expect(server.headersTimeout).toBeLessThanOrEqual(server.requestTimeout);
});

it('serves the gateway', async () => {
  const { port } = server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/v1/messages`, { method: 'POST', headers: { 'x-api-key': DEV_KEY }, body: '{}' });
  expect(res.status).toBe(400);
});
