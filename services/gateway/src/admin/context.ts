import type { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors';
import type { Catalog } from '../../../shared/src/catalog';
import type { Logger } from '../../../shared/src/log';
import type { Store } from '../../../shared/src/store/port';
import type { BodyStore } from '../bodies/body-store';
import { formatPath } from '../routing/config-schema';
import type { Actor } from './authorize';

/** What an admin handler gets: the store, the authenticated actor, a wall clock, the request's ids. */
export interface AdminContext {
  store: Store;
  /** Names in negotiated prices must be catalog models. */
  catalog: Catalog;
  actor: Actor;
  /** Wall-clock milliseconds (expiry, grace periods, audit times), injected for tests. */
  now: () => number;
  requestId: string;
  log: Logger;
  auditRetentionDays: number;
  /** `POST /admin/v1/keys`: how messages name the operation. */
  what: string;
  /** Captured request and response bodies (workspaces with `capture_bodies`), when configured. */
  bodies?: BodyStore;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A body that is text (CSV) rather than JSON. */
  contentType?: string;
  headers?: Record<string, string>;
}
export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const noContent = (): Reply => ({ status: 204 });

export const iso = (ms: number): string => new Date(ms).toISOString();

export function badRequest(message: string): GatewayError {
  return new GatewayError('invalid_request_error', message);
}

/**
 * A default `config_id` must name a config that exists (keys and workspaces alike) and that
 * `workspaceId` may use: an organisation-shared one, or one the workspace owns. Organisation keys
 * (no workspace) may use any config, as on the request path.
 */
export async function requireConfig(ctx: AdminContext, configId: string | null | undefined, workspaceId: string | undefined): Promise<void> {
  if (!configId) return;
  const config = await ctx.store.configs.get(configId);
  if (!config) throw badRequest(`defaults.config_id: no config "${configId}". Create it first (configs apply).`);
  if (config.workspace_id !== undefined && workspaceId !== undefined && config.workspace_id !== workspaceId) {
    throw new GatewayError(
      'permission_error',
      `defaults.config_id: config "${configId}" belongs to workspace "${config.workspace_id}"; workspace "${workspaceId}" may use only its own configs and organisation-shared ones.`,
    );
  }
}

export function notFound(what: string, id: string): GatewayError {
  return new GatewayError('not_found_error', `No ${what} "${id}".`);
}

export function conflict(message: string): GatewayError {
  return new GatewayError('conflict_error', message);
}

/** Parses with a zod schema; a 400 naming the JSON path of every problem otherwise. Values are never echoed. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 20).map((i) => {
    const path = formatPath(i.path as PropertyKey[]);
    if (i.code === 'unrecognized_keys')
      return `${path ? `${path}: ` : ''}unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    const message = i.code === 'invalid_type' && /received undefined$/.test(i.message) ? 'required' : i.message;
    return `${path || '(body)'}: ${message}`;
  });
  return badRequestThrow(`Invalid ${where}: ${problems.join('; ')}.`);
}

function badRequestThrow(message: string): never {
  throw badRequest(message);
}
