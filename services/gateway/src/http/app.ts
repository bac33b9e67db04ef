import type { RequestListener } from 'node:http';
import express from 'express';
import type { GatewayDeps } from '../deps';
import { adminRoutes } from './admin';
import { errorHandler, notFound } from './errors';
import { healthRoutes } from './health';
import { messageHandler } from './messages';
import { modelRoutes } from './models';

/**
 * The gateway's request listener: the model routes on node:http directly, everything else (health,
 * `/v1/models`, admin, 404) through express. Never listens: serve.ts and the tests do (docs/style.md §1).
 */
export function createApp(deps: GatewayDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  app.use(healthRoutes(deps));
  app.use(modelRoutes(deps));
  app.use(adminRoutes(deps));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  const messages = messageHandler(deps);
  return (req, res) => {
    if (!messages(req, res)) app(req, res);
  };
}
