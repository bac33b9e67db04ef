import type { AnthropicProvider, BedrockProvider, VertexProvider } from '../../services/shared/src/entities';
import { anthropicAdapter } from '../../services/gateway/src/providers/anthropic';
import { bedrockAdapter } from '../../services/gateway/src/providers/bedrock';
import { vertexAdapter } from '../../services/gateway/src/providers/vertex';
import { startFakeAnthropic } from '../fakes/fake-anthropic';
import { startFakeBedrock } from '../fakes/fake-bedrock';
import { startFakeVertex } from '../fakes/fake-vertex';
import { BEDROCK_PROVIDER } from '../helpers/providers';
import { providerAdapterContract } from './provider-adapter.contract';

// Credentials are the one I/O an adapter does (docs/style.md §5); here they are fixed values the fakes accept.
providerAdapterContract<VertexProvider>('vertex', {
  adapter: vertexAdapter({ googleToken: async () => 'ya29.contract-token' }),
  startFake: startFakeVertex,
  provider: (url) => ({ slug: 'vertex-test', kind: 'vertex', project_id: 'contract-project', region: 'us-east5', base_url: url, credentials: { adc: true } }),
  countsTokens: true,
  repairsBetas: true,
});

providerAdapterContract<AnthropicProvider>('anthropic', {
  adapter: anthropicAdapter({ secret: async () => 'sk-ant-contract' }),
  startFake: startFakeAnthropic,
  provider: (url) => ({ slug: 'anthropic-test', kind: 'anthropic', base_url: url, credentials: { env: 'ANTHROPIC_API_KEY' } }),
  countsTokens: true,
  repairsBetas: false,
});

providerAdapterContract<BedrockProvider>('bedrock', {
  adapter: bedrockAdapter(async (ref) => ('env' in ref ? `value-of-${ref.env}` : 'unexpected')),
  startFake: startFakeBedrock,
  provider: (url) => ({ ...BEDROCK_PROVIDER, base_url: url }),
  countsTokens: false,
  repairsBetas: false,
});
