import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { type Response, Router } from 'express';
import { GatewayError } from '../../../shared/src/errors';

/**
 * The dashboard at `/dashboard`: the static bundle `npm run build` writes to `dist/dashboard`
 * (services/dashboard, Vite). The browser signs in with an admin key and calls the admin API itself;
 * nothing here reads keys. Assets have content-hashed names, so they are cached for a year; the
 * page itself is revalidated so a deploy is picked up at once.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The bundle's folder: `dist/dashboard` beside the package.json this file ships with (source checkout or image). */
export function defaultDashboardDir(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'dashboard');
}

function secure(res: Response): void {
  res.set({
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  });
}

export function dashboardRoutes(dir = defaultDashboardDir()): Router {
  const r = Router();
  const indexPath = join(dir, 'index.html');
  let index: Buffer | undefined;
  r.use(
    '/dashboard/assets',
    express.static(join(dir, 'assets'), {
      index: false,
      immutable: true,
      maxAge: '365d',
      setHeaders: secure,
    }),
  );
  // Every other path under /dashboard is a page of the single-page app: the same index.html.
  r.get(['/dashboard', '/dashboard/{*page}'], (req, res, next) => {
    if (req.path.startsWith('/dashboard/assets/')) return next(); // a missing asset is a 404, not the page
    if (!index && existsSync(indexPath)) index = readFileSync(indexPath);
    if (!index) return next(new GatewayError('not_found_error', 'The dashboard is not built in this installation: run `npm run build`.'));
    secure(res);
    res.set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).send(index);
  });
  return r;
}
