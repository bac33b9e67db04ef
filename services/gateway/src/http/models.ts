import { Router } from 'express';
import { authenticateCaller, checkCatalogModel } from '../auth/caller';
import type { GatewayDeps } from '../deps';

/** `GET /v1/models` in Anthropic's list format: the catalog's models this key may use. */
export function modelRoutes(deps: GatewayDeps): Router {
  const r = Router();
  r.get('/v1/models', async (req, res) => {
    const caller = await authenticateCaller(deps, req.headers);
    const data = deps.catalog
      .list()
      .filter((m) => {
        try {
          checkCatalogModel(caller, m);
          return true;
        } catch {
          return false;
        }
      })
      .map((m) => ({ type: 'model', id: m.id, display_name: m.display_name, created_at: m.created_at }));
    res.json({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  });
  return r;
}
