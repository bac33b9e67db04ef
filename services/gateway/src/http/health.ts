import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { readiness } from '../mirrors/readiness';

/**
 * Claude Code's warm-up probe (`HEAD /api/hello`, older CLIs `HEAD /`), liveness (`/healthz`: the
 * process answers) and readiness (`/readyz`: 200 once the instance can serve, 503 with what it waits
 * on before that; for the startup probe and operators). All fast, no auth, no store call.
 */
export function healthRoutes(deps: GatewayDeps): Router {
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
  r.get('/readyz', (_req, res) => {
    const view = readiness(deps);
    res.status(view.ready ? 200 : 503).json(view);
  });
  return r;
}
