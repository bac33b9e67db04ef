import type { RequestListener } from 'node:http';
import express from 'express';
import type { GatewayDeps } from '../deps';
import { adminRoutes } from './admin';
import { dashboardRoutes } from './dashboard';
import { GatewayError } from '../../../shared/src/errors';
import { errorHandler, notFound, sendError } from './errors';
import { healthRoutes } from './health';
import { messageHandler } from './messages';
import { modelRoutes } from './models';

/**
 * The gateway's request listener: the model routes on node:http directly, everything else (health,
 * `/v1/models`, admin, the dashboard, 404) through express. Never listens: serve.ts and the tests do (docs/style.md §1).
 */
export function createApp(deps: GatewayDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  app.use(healthRoutes(deps));
  app.use(modelRoutes(deps));
  app.use(adminRoutes(deps));
  app.use(dashboardRoutes());
  app.use(notFound);
  app.use(errorHandler(deps.log));
  const messages = messageHandler(deps);
  return (req, res) => {
    if (req.url?.includes('%') && !decodable(req.url)) {
      // Decoders disagree on `%zz` or `%C0` (kept, dropped, an exception): refused, so no layer reads it differently.
      sendError(
        res,
        new GatewayError('invalid_request_error', 'The request path has a malformed percent-escape: "%" must start UTF-8 encoded as "%XX" hex pairs.'),
        { log: deps.log },
      );
      return;
    }
    if (!messages(req, res)) app(req, res);
  };
}

function decodable(url: string): boolean {
  const q = url.indexOf('?');
  try {
    decodeURIComponent(q < 0 ? url : url.slice(0, q));
    return true;
  } catch {
    return false;
  }
}
