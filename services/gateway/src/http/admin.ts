import express, { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express';
import { GatewayError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/log';
import { type Actor, requireOrganisation, requireScope } from '../admin/authorize';
import { type AdminContext, parseInput } from '../admin/context';
import { foldMetadataParams } from '../admin/observability-schemas';
import { openApiDocument } from '../admin/openapi';
import { ADMIN_ROUTES, type AdminRoute } from '../admin/routes';
import { authenticate } from '../auth/caller';
import type { GatewayDeps } from '../deps';
import { abortedUpload, unsupportedEncoding } from './body';

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
  // body-parser's errors become the client's; its parse errors quote the body, which may hold a
  // secret: answer without echoing it.
  const body: RequestHandler = (req, res, next) =>
    json(req, res, (err?: { type?: string; encoding?: string; charset?: string }) => {
      if (err?.type === 'entity.parse.failed') return next(new GatewayError('invalid_request_error', 'Request body is not valid JSON.'));
      if (err?.type === 'entity.too.large') return next(new GatewayError('request_too_large', `Admin request bodies are limited to ${ADMIN_BODY_LIMIT}.`));
      if (err?.type === 'encoding.unsupported') return next(unsupportedEncoding(err.encoding ?? 'unknown'));
      if (err?.type === 'charset.unsupported') return next(unsupportedEncoding(`charset=${err.charset ?? 'unknown'}`));
      if (err?.type === 'request.aborted') return next(abortedUpload());
      next(err);
    });

  r.get('/admin/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  for (const route of ADMIN_ROUTES) {
    // Authenticate before reading the body: a caller without a valid key costs no JSON parsing.
    r[route.method](
      route.path,
      (req: Request, res: Response, next: NextFunction) => authorise(deps, clock, route, req, res).then(() => next(), next),
      body,
      (req: Request, res: Response) => serve(deps, clock, route, req, res),
    );
  }

  r.use('/admin', (req: Request, _res: Response, next: NextFunction) => {
    next(
      new GatewayError(
        'not_found_error',
        `No admin route for ${req.method} ${req.originalUrl.split('?')[0]}. The admin API is described at /admin/openapi.json.`,
      ),
    );
  });
  return r;
}

/** Request id, the access log line, then 401 / 403 before anything else happens. */
async function authorise(deps: GatewayDeps, clock: () => number, route: AdminRoute, req: Request, res: Response): Promise<void> {
  const requestId = `req_gth_${deps.newId()}`;
  const started = clock();
  const log = deps.log.child({ requestId });
  res.locals.requestId = requestId;
  res.locals.log = log;
  res.set('x-gatehouse-request-id', requestId);
  res.once('finish', () =>
    log.info('admin request', {
      method: req.method,
      route: route.path,
      status: res.statusCode,
      keyId: (res.locals.actor as Actor | undefined)?.key_id,
      latencyMs: clock() - started,
    }),
  );
  const what = `${route.method.toUpperCase()} ${route.path}`;
  const actor = await authenticate(deps, req.headers, clock());
  res.locals.actor = actor;
  if (actor.type === 'workspace' && deps.workspaces.get(actor.workspace_id ?? '')?.status === 'archived') {
    throw new GatewayError('permission_error', `Workspace "${actor.workspace_id}" is archived: its keys cannot administer it. Use an organisation key.`);
  }
  if (route.scope) requireScope(actor, route.scope, what);
  if (route.organisationOnly) requireOrganisation(actor, what);
}

async function serve(deps: GatewayDeps, clock: () => number, route: AdminRoute, req: Request, res: Response): Promise<void> {
  const ctx: AdminContext = {
    store: deps.store,
    catalog: deps.catalog,
    actor: res.locals.actor as Actor,
    now: clock,
    requestId: res.locals.requestId as string,
    log: res.locals.log as Logger,
    auditRetentionDays: deps.env.GATEHOUSE_AUDIT_RETENTION_DAYS,
    what: `${route.method.toUpperCase()} ${route.path}`,
    bodies: deps.bodies?.store,
  };
  const input = {
    params: req.params as Record<string, string>,
    query: route.query ? parseInput(route.query, foldMetadataParams(req.query as Record<string, unknown>), 'query') : undefined,
    body: route.body ? parseInput(route.body, req.body ?? {}, 'request body') : undefined,
  };
  const reply = await route.handle(ctx, input);
  if (reply.headers) res.set(reply.headers);
  if (reply.contentType) res.status(reply.status).type(reply.contentType).send(reply.body);
  else if (reply.body === undefined) res.status(reply.status).end();
  else res.status(reply.status).json(reply.body);
}
