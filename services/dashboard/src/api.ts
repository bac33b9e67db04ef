/**
 * The admin API, called from the browser with the signed-in key. The key lives in sessionStorage
 * (gone when the tab closes; never in a URL, a cookie or localStorage) and goes only in the
 * Authorization header of same-origin requests.
 */
const KEY = 'gatehouse.admin-key';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/** An Anthropic-shaped error from the gateway, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** Called when the key stops working (401): the app signs out. */
let onUnauthorised: (e: ApiError) => void = () => undefined;
export function whenUnauthorised(fn: (e: ApiError) => void): void {
  onUnauthorised = fn;
}

export type Query = Record<string, string | number | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function api<T>(method: string, path: string, body?: unknown, key = session.key()): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(0, 'network_error', `The gateway did not answer: ${(err as Error).message}`);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'api_error', `HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const e = json as { error?: { type?: string; message?: string }; request_id?: string };
    const error = new ApiError(res.status, e.error?.type ?? 'api_error', e.error?.message ?? `HTTP ${res.status}`, e.request_id);
    if (res.status === 401) onUnauthorised(error);
    throw error;
  }
  return json as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', withQuery(path, query));
