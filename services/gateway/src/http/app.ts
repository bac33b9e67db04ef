import express, { type Express } from 'express';
import type { GatewayDeps } from '../deps';
import { adminRoutes } from './admin';
import { errorHandler, notFound } from './errors';
import { healthRoutes } from './health';
import { messageRoutes } from './messages';
import { modelRoutes } from './models';

/** Builds the gateway's HTTP app. Never listens: main.ts and the tests do (STYLE §1). */
export function createApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  app.use(healthRoutes());
  app.use(messageRoutes(deps));
  app.use(modelRoutes(deps));
  app.use(adminRoutes(deps));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
