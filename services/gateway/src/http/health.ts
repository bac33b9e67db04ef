import { Router } from 'express';

/** Claude Code's warm-up probe (`HEAD /api/hello`, older CLIs `HEAD /`) and Cloud Run's health check: fast, no auth. */
export function healthRoutes(): Router {
  const r = Router();
  r.all('/api/hello', (_req, res) => {
    res.status(200).json({ ok: true });
  });
  r.head('/', (_req, res) => {
    res.status(200).end();
  });
  r.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  return r;
}
