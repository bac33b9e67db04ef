import express, { type Express } from 'express';
import type { WorkerDeps } from '../deps';
import { pushRoutes } from './push';

export function createWorkerApp(deps: WorkerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(pushRoutes(deps));
  return app;
}
