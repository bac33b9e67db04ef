import { useEffect, useState } from 'preact/hooks';

/** Pages are paths under /dashboard/ (the gateway serves index.html for each); filters are the query string. */
const BASE = '/dashboard';

export function currentPath(): string {
  return location.pathname.replace(/^\/dashboard\/?/, '').replace(/\/$/, '');
}

export function navigate(path: string, query?: URLSearchParams): void {
  const q = query?.toString();
  history.pushState(null, '', `${BASE}/${path}${q ? `?${q}` : ''}`);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const on = () => setPath(currentPath());
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return path;
}

/** The query string of the page, replaced in place (no new history entry per keystroke). */
export function setQuery(query: URLSearchParams): void {
  const q = query.toString();
  history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}`);
}
