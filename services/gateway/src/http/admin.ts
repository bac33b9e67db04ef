import express, { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express';
import { GatewayError } from '../../../shared/src/errors';
import { requireOrganisation, requireScope } from '../admin/authorize';
import { type AdminContext, parseInput } from '../admin/context';
import { openApiDocument } from '../admin/openapi';
import { ADMIN_ROUTES, type AdminRoute } from '../admin/routes';
import { keyFromHeaders } from '../auth/keys';
import type { GatewayDeps } from '../deps';

export interface AdminRouteOptions {
  /** Wall-clock milliseconds; tests inject one to step through expiry and grace periods. */
  clock?: () => number;
}

/** Admin bodies are small JSON documents (a config is at most 64 KiB). */
const ADMIN_BODY_LIMIT = '1mb';

/**
 * `/admin/v1/…` (the route table in admin/routes.ts) and `/admin/openapi.json`. Each request:
 * authenticate (401) → the route's scope (403) → organisation-level? (403) → validate (400) →
 * the handler, which checks the workspace of what it touches (403) and renders Anthropic-shaped errors
 * through the app's one error handler.
 */
export function adminRoutes(deps: GatewayDeps, opts: AdminRouteOptions = {}): Router {
  const clock = opts.clock ?? Date.now;
  const r = Router();
  const json = express.json({ limit: ADMIN_BODY_LIMIT });
  // body-parser's parse errors quote the body, which may hold a secret: answer without echoing it.
  const body: RequestHandler = (req, res, next) =>
    json(req, res, (err?: { type?: string }) => {
      if (err?.type === 'entity.parse.failed') return next(new GatewayError('invalid_request_error', 'Request body is not valid JSON.'));
      next(err);
    });

  r.get('/admin/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  for (const route of ADMIN_ROUTES) {
    r[route.method](route.path, body, (req: Request, res: Response) => serve(deps, clock, route, req, res));
  }

  r.use('/admin', (req: Request, _res: Response, next: NextFunction) => {
    next(new GatewayError('not_found_error', `No admin route for ${req.method} ${req.originalUrl.split('?')[0]}. The admin API is described at /admin/openapi.json.`));
  });
  return r;
}

async function serve(deps: GatewayDeps, clock: () => number, route: AdminRoute, req: Request, res: Response): Promise<void> {
  const requestId = `req_gth_${deps.newId()}`;
  const started = clock();
  const what = `${route.method.toUpperCase()} ${route.path}`;
  const log = deps.log.child({ requestId });
  res.locals.requestId = requestId;
  res.locals.log = log;
  res.set('x-gatehouse-request-id', requestId);
  let keyId: string | undefined;
  res.once('finish', () => log.info('admin request', { method: req.method, route: route.path, status: res.statusCode, keyId, latencyMs: clock() - started }));

  const actor = await deps.keys.authenticate(keyFromHeaders(req.headers), clock());
  keyId = actor.key_id;
  if (actor.type === 'workspace' && deps.workspaces.get(actor.workspace_id ?? '')?.status === 'archived') {
    throw new GatewayError('permission_error', `Workspace "${actor.workspace_id}" is archived: its keys cannot administer it. Use an organisation key.`);
  }
  requireScope(actor, route.scope, what);
  if (route.organisationOnly) requireOrganisation(actor, what);
  const ctx: AdminContext = {
    store: deps.store,
    actor,
    now: clock,
    requestId,
    log,
    auditRetentionDays: deps.env.GATEHOUSE_AUDIT_RETENTION_DAYS,
    what,
  };
  const input = {
    params: req.params as Record<string, string>,
    query: route.query ? parseInput(route.query, req.query, 'query') : undefined,
    body: route.body ? parseInput(route.body, req.body ?? {}, 'request body') : undefined,
  };
  const reply = await route.handle(ctx, input);
  if (reply.body === undefined) res.status(reply.status).end();
  else res.status(reply.status).json(reply.body);
}
