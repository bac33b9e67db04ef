import { LRUCache } from 'lru-cache';
import type { Catalog } from '../../../shared/src/catalog';
import { spellingsOf } from '../../../shared/src/catalog/model-names';
import type { Provider } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';

/** The model one target will call, as the access rules see it. */
export interface TargetModel {
  /** The id sent upstream (what the provider's adapter derives from the same name). */
  upstream: string;
  /** What access rules match: every spelling of the resolved catalog model, or the exact upstream id. */
  names: readonly string[];
}

// Only these Bedrock ARNs name their model in the resource id; the ids of application inference
// profiles, provisioned throughput and custom models are opaque, so the catalog cannot vouch for them.
const MODEL_NAMING_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:(?:inference-profile|foundation-model)\//;

// A request resolves each target's model; names repeat, so each is worked out once per provider and
// catalog. Both are replaced as whole objects when the store changes them, which drops their entries.
const memo = new WeakMap<Catalog, WeakMap<Provider, LRUCache<string, TargetModel | { refused: string }>>>();

/**
 * Resolves the name a client or config wrote to the model the provider will actually call. Access
 * rules are then checked against that model, never against the client's spelling: the catalog reads
 * names loosely (it peels ARN and resource-path prefixes off), so `claude-sonnet-4-5/claude-opus-4-1`
 * is Opus, whatever a `claude-sonnet-*` pattern makes of the string. A name the catalog does not know
 * is a 400 unless the provider allows uncatalogued ids; then the rules see the exact upstream id.
 */
export function resolveTargetModel(catalog: Catalog, provider: Provider, name: string): TargetModel {
  let byProvider = memo.get(catalog);
  if (!byProvider) memo.set(catalog, (byProvider = new WeakMap()));
  let names = byProvider.get(provider);
  if (!names) byProvider.set(provider, (names = new LRUCache({ max: 256 })));
  let hit = names.get(name);
  if (!hit) names.set(name, (hit = compute(catalog, provider, name)));
  if ('refused' in hit) throw new GatewayError('invalid_request_error', hit.refused);
  return hit;
}

function compute(catalog: Catalog, provider: Provider, name: string): TargetModel | { refused: string } {
  const opts = provider.kind === 'bedrock' ? { profilePrefix: provider.profile_prefix } : {};
  const upstream = catalog.providerModelId(provider.kind, name, opts);
  const opaqueArn = upstream.startsWith('arn:') && !MODEL_NAMING_ARN.test(upstream);
  const entry = opaqueArn ? undefined : catalog.resolve(name);
  if (entry) return { upstream, names: spellingsOf(entry) };
  if (provider.allow_uncatalogued_models) return { upstream, names: [upstream] };
  return {
    refused: `model: "${name.slice(0, 100)}" is not a model the catalog knows, and provider "@${provider.slug}" does not accept uncatalogued model ids (its allow_uncatalogued_models setting). Use a Claude model name such as "claude-sonnet-4-5" (GET /v1/models lists them).`,
  };
}
