/**
 * Bench child process: the floor. The least a Node proxy can do — node:http in, read the body, forward
 * it with an undici Pool, pipe the answer back — so the gateway's cost is measured against the same
 * runtime, HTTP stack and client library rather than against nothing. The bench runs it with the
 * gateways' node flags: with V8's defaults on one pinned core it spent ~1.7× the CPU per answer, which
 * flattered every ratio to it (docs/testing.md §6). `argv[2]` is the upstream origin. Reports `{ port }`
 * to the parent over IPC.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportReady } from './child-ready';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

function main(): void {
  const origin = process.argv[2];
  const pool = new Pool(origin, { connections: 256, keepAliveTimeout: 60_000 });
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const up = await pool.request({ path: req.url ?? '/', method: 'POST', headers: forwardable(req.headers), body: Buffer.concat(chunks) });
      res.writeHead(up.statusCode, forwardable(up.headers));
      await pipeline(up.body, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: String(err) } }));
    }
  });
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () => reportReady((server.address() as AddressInfo).port));
}

if (require.main === module) main();
