import type { BedrockProvider, CredentialRef } from '../../../../shared/src/entities';
import { decodeBedrockStream } from '../../streaming/bedrock-event-stream';
import { singly } from '../../streaming/sse';
import { withoutRefusedThinking } from '../thinking-signature';
import type { ProviderAdapter } from '../types';
import { bedrockError } from './errors';
import { signBedrockRequest } from './sign';
import { toBedrockRequest } from './to-upstream';

export { decodeBedrockStream, type DecodeOptions } from '../../streaming/bedrock-event-stream';
export { bedrockError, BEDROCK_ERRORS } from './errors';
export { signBedrockRequest, type AwsCredentials } from './sign';
export { toBedrockRequest, BEDROCK_ANTHROPIC_VERSION } from './to-upstream';

/**
 * Bedrock: the body transform, SigV4 with keys resolved per request, the exception table, and its AWS
 * event-stream decoded into Anthropic events (one event per frame).
 */
export function bedrockAdapter(resolveSecret: (ref: CredentialRef) => Promise<string>): ProviderAdapter<BedrockProvider> {
  return {
    toUpstream: toBedrockRequest,
    async authorize(up, p) {
      const { access_key_id, secret_access_key, session_token } = p.credentials;
      const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
        resolveSecret(access_key_id),
        resolveSecret(secret_access_key),
        session_token ? resolveSecret(session_token) : Promise.resolve(undefined),
      ]);
      // Secret Manager values are often saved with a trailing newline; AWS keys never contain whitespace.
      return signBedrockRequest(up, p.region, {
        accessKeyId: accessKeyId.trim(),
        secretAccessKey: secretAccessKey.trim(),
        ...(sessionToken?.trim() ? { sessionToken: sessionToken.trim() } : {}),
      });
    },
    toError: bedrockError,
    decodeStream: (body) => singly(decodeBedrockStream(body)),
    repair: withoutRefusedThinking,
  };
}
