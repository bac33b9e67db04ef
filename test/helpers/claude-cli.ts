import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The real Claude Code CLI (`node_modules/.bin/claude`, a native binary) in tests, run `claude -p`
 * with a minimal `env -i`-style environment: nothing of the developer's or CI's environment (API keys,
 * proxies, `~/.claude`) leaks in, and nothing leaves the machine:
 * - telemetry, error reporting, the auto-updater and the start-up warm-up / other non-essential traffic are off;
 * - `HTTPS_PROXY`/`HTTP_PROXY` point at a loopback trap ({@link startProxyTrap}) that records and drops every
 *   connection, with `NO_PROXY` for loopback only: any request to a non-loopback host shows up in the trap.
 */
export const CLAUDE_BIN = resolve(__dirname, '../../node_modules/.bin/claude');

export interface ClaudeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  ms: number;
  stdout: string;
  stderr: string;
  /** `--output-format json` output, parsed (undefined when stdout was not one JSON document). */
  json?: ClaudeResult;
}

/** The fields of Claude Code's `--output-format json` result the tests read. */
export interface ClaudeResult {
  type: 'result';
  is_error: boolean;
  result: string;
  session_id: string;
  api_error_status: number | null;
  terminal_reason?: string;
  [k: string]: unknown;
}

export interface RunClaudeOptions {
  prompt?: string;
  /** Added to the minimal environment (ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_USE_VERTEX, …). */
  env: Record<string, string>;
  /** Loopback proxy trap URL for HTTPS_PROXY / HTTP_PROXY. */
  proxyUrl: string;
  timeoutMs?: number;
  /** Written to `~/.claude/settings.json` of the run's fresh home (e.g. an `apiKeyHelper`). */
  settings?: Record<string, unknown>;
}

export async function runClaude(opts: RunClaudeOptions): Promise<ClaudeRun> {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-claude-home-'));
  if (opts.settings) {
    mkdirSync(join(home, '.claude'));
    writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify(opts.settings));
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    HTTPS_PROXY: opts.proxyUrl,
    HTTP_PROXY: opts.proxyUrl,
    https_proxy: opts.proxyUrl,
    http_proxy: opts.proxyUrl,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    ...opts.env,
  };
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const started = Date.now();
  try {
    return await new Promise<ClaudeRun>((done, fail) => {
      const child = spawn(CLAUDE_BIN, ['-p', opts.prompt ?? 'say hi', '--output-format', 'json'], {
        env,
        cwd: home,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        fail(err);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        let json: ClaudeResult | undefined;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        done({ code, signal, timedOut, ms: Date.now() - started, stdout, stderr, json });
      });
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** What a failed assertion should print: exit status, timing, stderr and the printed output. */
export function describeRun(run: ClaudeRun): string {
  return [
    `claude exited code=${run.code} signal=${run.signal}${run.timedOut ? ' (TIMED OUT, killed)' : ''} after ${run.ms} ms`,
    ...(run.json ? [`result: ${JSON.stringify(run.json.result)} (is_error=${run.json.is_error}, api_error_status=${run.json.api_error_status})`] : []),
    `--- stderr ---\n${run.stderr || '(empty)'}`,
    `--- stdout ---\n${run.stdout.slice(0, 4000) || '(empty)'}`,
  ].join('\n');
}

/** A loopback TCP server standing in for an HTTP(S) proxy: records the first line of each connection and closes it. */
export interface ProxyTrap {
  url: string;
  /** e.g. `CONNECT api.anthropic.com:443 HTTP/1.1`; `(connected)` when nothing was sent. */
  hits: string[];
  close(): Promise<void>;
}

export async function startProxyTrap(): Promise<ProxyTrap> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let recorded = false;
    const record = (line: string) => {
      if (!recorded) hits.push(line);
      recorded = true;
    };
    s.once('data', (d: Buffer) => {
      record(d.toString('latin1').split('\r\n')[0]);
      s.destroy();
    });
    s.once('end', () => record('(connected)'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** One request the CLI sent, as it reached the gateway. */
export interface TappedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  status?: number;
  /** `x-gatehouse-request-id` of the gateway's answer: ties the request to its usage event. */
  requestId?: string;
  /** The gateway's answer body, for error answers (status >= 400) only. */
  errorBody?: string;
  /** When the request reached the tap (epoch ms), and the answer's `retry-after`: whether the CLI waited as told. */
  at: number;
  retryAfter?: string;
}

/**
 * A transparent recording hop between the CLI and the gateway: requests and responses are piped
 * through untouched (streams included), so the tests see exactly what Claude Code sent.
 */
export interface Tap {
  url: string;
  requests: TappedRequest[];
  /** Each request whose test returns a number waits that many ms before it is forwarded. */
  holdBack(hold: ((r: TappedRequest) => number | undefined) | undefined): void;
  close(): Promise<void>;
}

export async function startTap(targetUrl: string): Promise<Tap> {
  let hold: ((r: TappedRequest) => number | undefined) | undefined;
  const target = new URL(targetUrl);
  const requests: TappedRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: unknown;
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      const url = req.url ?? '/';
      const entry: TappedRequest = { method: req.method ?? 'GET', url, path: url.split('?')[0], headers: req.headers, body, at: Date.now() };
      requests.push(entry);
      setTimeout(() => forward(entry, raw, req, res), hold?.(entry) ?? 0);
    });
  });
  const forward = (entry: TappedRequest, raw: Buffer, req: IncomingMessage, res: ServerResponse) => {
    const url = entry.url;
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: url, headers: { ...req.headers, host: target.host } },
      (upRes) => {
        entry.status = upRes.statusCode;
        const rid = upRes.headers['x-gatehouse-request-id'];
        entry.requestId = Array.isArray(rid) ? rid[0] : rid;
        entry.retryAfter = upRes.headers['retry-after'];
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if ((upRes.statusCode ?? 0) >= 400) {
          const errChunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => errChunks.push(c));
          upRes.on('end', () => (entry.errorBody = Buffer.concat(errChunks).toString('utf8')));
        }
        upRes.pipe(res);
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`tap: gateway unreachable: ${err.message}`);
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    up.end(raw);
  };
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    holdBack(h) {
      hold = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The `anthropic-beta` header of a request, split and trimmed. */
export function betasOf(headers: Record<string, string | string[] | undefined>): string[] {
  const v = headers['anthropic-beta'];
  return (Array.isArray(v) ? v.join(',') : (v ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
