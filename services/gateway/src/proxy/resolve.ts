import { LRUCache } from 'lru-cache';
import type { ApiKey, Metadata, Workspace } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import type { GatewayDeps } from '../deps';
import { checkConfigAccess } from '../policy/provider-access';
import { configError, parseConfig, type RoutingConfig } from '../routing/config-schema';
import { INLINE_LIMITS } from '../routing/config-normalise';
import type { ResolvedTarget } from '../routing/flatten';
import { type PlanContext, type PlannedTarget, planRoute } from '../routing/plan';
import type { RequestBody } from '../providers/request-body';

export interface ResolveInput {
  configHeader?: string;
  providerHeader?: string;
  key: ApiKey;
  workspace?: Workspace;
  metadata: Metadata;
  body: RequestBody;
  headers: Record<string, string>;
  sessionId?: string;
}

/** Inline configs repeat on every request of a session: validate each distinct one once. */
const inlineConfigs = new LRUCache<string, RoutingConfig>({ max: 1000 });

/** The targets a request tries, planned from its config (`resolveConfig`). */
export function resolvePlan(deps: GatewayDeps, input: ResolveInput, config: RoutingConfig): PlannedTarget[] {
  const planned = planRoute(config, new RequestPlanContext(deps.random, deps.breakers, input), { defaultProvider: input.providerHeader?.trim() || undefined });
  if (!planned.ok) throw new GatewayError('invalid_request_error', configError(planned.issues));
  return planned.targets;
}

/**
 * What one request's conditions and draws read. A class, so that the lazy `params` is a getter on
 * the prototype: built as an object literal with its own getter (a dictionary-mode object in V8),
 * the context had V8 promote each request's objects, its body included, into the old generation, and
 * at 2,000 req/s the gateway ran a full collection every ~0.4 s instead of about once per 10,000
 * requests (`--trace-gc`; README, Performance).
 */
export class RequestPlanContext implements PlanContext {
  readonly metadata: Metadata;
  readonly headers: Record<string, string>;
  readonly random: () => number;
  readonly stickyKey?: string;
  private readonly body: RequestBody;
  private readonly breakers: GatewayDeps['breakers'];

  constructor(random: () => number, breakers: GatewayDeps['breakers'], input: ResolveInput) {
    this.metadata = input.metadata;
    this.headers = input.headers;
    this.random = random;
    this.stickyKey = input.sessionId;
    this.body = input.body;
    this.breakers = breakers;
  }

  /** Parsed only if a condition reads `params.*`. */
  get params(): Record<string, unknown> {
    return this.body.json;
  }

  isOpen(_targetId: string, target: ResolvedTarget): boolean {
    return this.breakers.isOpen(breakerKey(target));
  }
}

/**
 * The config a request uses, first match wins: a config in the header (inline JSON or a stored id),
 * a provider in the header, the key's default config, the workspace's default config. Resolved
 * before routing, so that input guardrails run first.
 */
export function resolveConfig({ configs }: Pick<GatewayDeps, 'configs'>, input: ResolveInput): RoutingConfig {
  const header = input.configHeader?.trim();
  if (header) return header.startsWith('{') ? inlineConfig(header) : storedConfig(configs, input, header, 'x-gatehouse-config header');
  const provider = input.providerHeader?.trim();
  if (provider) return providerConfig(provider);
  if (input.key.defaults.config_id) return storedConfig(configs, input, input.key.defaults.config_id, `key "${input.key.name}" default`);
  if (input.workspace?.defaults.config_id) return storedConfig(configs, input, input.workspace.defaults.config_id, `workspace "${input.workspace.id}" default`);
  throw new GatewayError(
    'invalid_request_error',
    'No route for this request: send `x-gatehouse-provider: @<slug>` or `x-gatehouse-config: <id or JSON>`, or give the key a default config.',
  );
}

/** Breakers are per provider and model, shared by every config that routes there. */
export function breakerKey(t: { provider: string; model?: string }): string {
  return `${t.provider}/${t.model ?? ''}`;
}

const providerConfigs = new LRUCache<string, RoutingConfig>({ max: 1000 });

/** `x-gatehouse-provider: @slug` is the config `{ "provider": "@slug" }`, built once per slug. */
function providerConfig(slug: string): RoutingConfig {
  let config = providerConfigs.get(slug);
  if (!config) providerConfigs.set(slug, (config = { provider: `@${slug.replace(/^@/, '')}` }));
  return config;
}

function inlineConfig(json: string): RoutingConfig {
  const cached = inlineConfigs.get(json);
  if (cached) return cached;
  let value: unknown;
  try {
    // Text past the size limit is refused by parseConfig without being parsed.
    value = json.length > INLINE_LIMITS.bytes ? json : JSON.parse(json);
  } catch (err) {
    throw new GatewayError('invalid_request_error', `x-gatehouse-config is not valid JSON: ${(err as Error).message}.`);
  }
  const parsed = parseConfig(value, INLINE_LIMITS);
  if (!parsed.ok) throw new GatewayError('invalid_request_error', configError(parsed.issues));
  inlineConfigs.set(json, parsed.config);
  return parsed.config;
}

function storedConfig(configs: GatewayDeps['configs'], input: ResolveInput, id: string, source: string): RoutingConfig {
  const config = configs.get(id);
  if (!config) throw new GatewayError('not_found_error', `Config "${id}" (from ${source}) does not exist.`);
  checkConfigAccess(config, input.key, id, source);
  if (!config.ok) throw new GatewayError('invalid_request_error', `Stored config "${id}" is invalid: ${configError(config.issues)}`);
  return config.config;
}
