import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake saw it. `body` is the parsed JSON (undefined when empty or not JSON). */
export interface RecordedCall {
  method: string;
  /** Path without the query string, exactly as sent (still percent-encoded). */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  // Tests read arbitrary fields of the upstream body; `any` keeps them free of casts.
  body: any;
  rawBody: string;
  /** The model the fake resolved its behaviour from (URL for Vertex/Bedrock predict, else body). */
  model?: string;
  /**
   * What the fake answered, as far as it got (fake-anthropic): the status, the JSON body, or the
   * stream events it finished writing. Accounting tests sum usage from this, the upstream's own record.
   */
  sent?: { status: number; body?: unknown; events?: Array<{ event: string; data: Record<string, unknown> }> };
}

/** What every fake offers. Upstream fakes add `enqueue` (see `Fake` in script.ts). */
export interface FakeBase {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  calls: RecordedCall[];
  /** Forgets recorded calls (and, for upstream fakes, the scripted queue and flaky counters). */
  reset(): void;
  /** Stops listening and drops every open (keep-alive or streaming) connection. */
  close(): Promise<void>;
}

export type FakeHandler = (req: IncomingMessage, res: ServerResponse, call: RecordedCall) => Promise<void> | void;

export interface HttpFake extends FakeBase {
  port: number;
  /** Waits `ms`; the wait is abandoned (never resolves) once the fake is closed, so jest sees no open timers. */
  sleep(ms: number): Promise<void>;
}

/** Listens on 127.0.0.1:0, records every request, then hands it to `handler`. */
export async function startHttpFake(handler: FakeHandler, onReset: () => void = () => {}): Promise<HttpFake> {
  const calls: RecordedCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = record(req, Buffer.concat(chunks).toString('utf8'));
      calls.push(call);
      Promise.resolve(handler(req, res, call)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(599, { 'content-type': 'text/plain' });
        res.end(`fake crashed: ${String(err)}`);
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    reset() {
      calls.length = 0;
      onReset();
    },
    sleep(ms) {
      return new Promise((resolve) => {
        if (closed) return;
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, ms);
        timers.add(t);
      });
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

function record(req: IncomingMessage, rawBody: string): RecordedCall {
  const url = new URL(req.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  let body: unknown;
  if (rawBody) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
  }
  const rawPath = (req.url ?? '/').split('?')[0];
  return { method: req.method ?? 'GET', path: rawPath, query: Object.fromEntries(url.searchParams), headers, body, rawBody };
}

/** Writes a JSON answer; `contentType` lets Google errors say `application/json; charset=UTF-8`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Kills the TCP connection with no HTTP answer at all (the client sees a socket error). */
export function resetSocket(req: IncomingMessage): void {
  req.socket.destroy();
}

/** The `anthropic-beta` header split and trimmed, in order. */
export function headerBetas(call: RecordedCall): string[] {
  return (call.headers['anthropic-beta'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Bearer token from `Authorization`, or undefined. */
export function bearer(call: RecordedCall): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(call.headers.authorization ?? '');
  return m ? m[1] : undefined;
}
