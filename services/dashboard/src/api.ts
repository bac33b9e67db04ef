/**
 * The admin API, called from the browser with the signed-in key. The key lives in sessionStorage
 * (gone when the tab closes; never in a URL, a cookie or localStorage) and goes only in the
 * Authorization header of same-origin requests.
 */
const KEY = 'gatehouse.admin-key';
/** The key's own view (`GET /admin/v1/me`: name and scopes, no secret), so a reload renders without waiting for it. */
const ME = 'gatehouse.me';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  me: <T>(): T | null => JSON.parse(sessionStorage.getItem(ME) ?? 'null') as T | null,
  set: (key: string, me: unknown) => {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(ME, JSON.stringify(me));
  },
  clear: () => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ME);
  },
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
  if (res.ok && res.headers.get('content-type')?.startsWith('text/csv')) return text as T;
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

/**
 * Saves a CSV export (`format=csv`) as a file. The request needs the key in a header, so it cannot be a
 * plain link: the text is fetched, then handed to the browser as a download.
 */
export async function downloadCsv(path: string, query: Query, filename: string): Promise<void> {
  const csv = await api<string>('GET', withQuery(path, { ...query, format: 'csv' }));
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
