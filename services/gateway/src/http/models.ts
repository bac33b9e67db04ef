import { Router } from 'express';
import { keyFromHeaders } from '../auth/keys';
import type { GatewayDeps } from '../deps';
import { checkModelAccess } from '../policy/model-access';

/** `GET /v1/models` in Anthropic's list format: the catalog's models this key may use. */
export function modelRoutes(deps: GatewayDeps): Router {
  const r = Router();
  r.get('/v1/models', async (req, res) => {
    const key = await deps.keys.authenticate(keyFromHeaders(req.headers));
    const workspace = key.workspace_id ? deps.workspaces.get(key.workspace_id) : undefined;
    const rules = [
      { owner: 'key', patterns: key.allowed_models },
      { owner: 'workspace', patterns: workspace?.defaults.allowed_models },
    ];
    const data = deps.catalog
      .list()
      .filter((m) => {
        try {
          checkModelAccess([m.id, ...m.aliases], rules);
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
