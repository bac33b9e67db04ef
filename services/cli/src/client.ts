import { parseJson } from '../../shared/src/json';
import { type Args, UsageError } from './args';

/** A failed API call or an unreachable gateway: printed as one line, exit code 1. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type Fetch = typeof fetch;

/** The admin API over HTTP, with `--url`/GATEHOUSE_URL and `--key`/GATEHOUSE_ADMIN_KEY. */
export class AdminClient {
  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly fetchImpl: Fetch,
  ) {}

  static from(args: Args, env: Record<string, string | undefined>, fetchImpl: Fetch): AdminClient {
    const url = args.get('url') ?? env.GATEHOUSE_URL;
    const key = args.get('key') ?? env.GATEHOUSE_ADMIN_KEY;
    if (!url) throw new UsageError('No gateway URL: pass --url https://… or set GATEHOUSE_URL.');
    if (!key) throw new UsageError('No admin key: set GATEHOUSE_ADMIN_KEY (or pass --key, which shell history keeps).');
    return new AdminClient(url.replace(/\/+$/, ''), key, fetchImpl);
  }

  async call<T = unknown>(
    method: string,
    path: string,
    opts: { body?: unknown; query?: Record<string, string | undefined>; text?: boolean } = {},
  ): Promise<{ status: number; body: T; headers?: Headers }> {
    const qs = new URLSearchParams(Object.entries(opts.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    const target = `${this.url}/admin/v1${path}${qs ? `?${qs}` : ''}`;
    let res: Response;
    try {
      res = await this.fetchImpl(target, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(`Cannot reach Gatehouse at ${this.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}. Check --url / GATEHOUSE_URL.`);
    }
    const text = await res.text();
    const body = parseJson(text);
    if (!res.ok) {
      const e = (body as { error?: { type?: string; message?: string } } | undefined)?.error;
      const detail = e?.message ? `${e.type}: ${e.message}` : `${res.statusText || 'error'} (not a Gatehouse answer; is ${this.url} the gateway?)`;
      throw new ApiError(`${method} ${path} failed with ${res.status} ${detail}`, res.status);
    }
    // `text`: the answer as it came (CSV exports), with its headers (the next page's cursor).
    if (opts.text) return { status: res.status, body: text as T, headers: res.headers };
    return { status: res.status, body: body as T };
  }

  get<T = unknown>(path: string, query?: Record<string, string | undefined>): Promise<T> {
    return this.call<T>('GET', path, { query }).then((r) => r.body);
  }
}
