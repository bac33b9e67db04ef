import type { BedrockProvider } from '../../services/shared/src/entities';

/** A Bedrock provider as a seed file or the admin API defines one; its keys come from AWS_KEY and AWS_SECRET. */
export const BEDROCK_PROVIDER: BedrockProvider = {
  slug: 'bedrock-prod',
  kind: 'bedrock',
  region: 'us-east-1',
  profile_prefix: 'us',
  credentials: { access_key_id: { env: 'AWS_KEY' }, secret_access_key: { env: 'AWS_SECRET' } },
};
