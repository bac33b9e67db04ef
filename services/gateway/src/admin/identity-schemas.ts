import { z } from 'zod';
import { Identity, IdentityMapping, IdentityMatch } from '../../../shared/src/identity/entity';
import { adminSchemas, MetadataInput } from './schemas';
import { ScopeSchema } from './scopes';

/** Admin shapes of sign-in with an identity token (issue 19), registered for openapi.ts like schemas.ts's. */
const named = <T extends z.ZodType>(id: string, schema: T, description?: string): T => {
  adminSchemas.add(schema, { id, description });
  return schema;
};

export const IdentityMappingPut = named(
  'IdentityMappingPut',
  z
    .object({
      match: IdentityMatch.describe('{"email": …}, {"domain": …} or {"claim": "groups", "value": …}; the most specific match wins'),
      workspace_id: z.string().min(1),
      scopes: z.array(ScopeSchema).default(['completions']),
      allowed_models: z.array(z.string().min(1)).optional(),
      defaults: z.object({ config_id: z.string().optional(), metadata: MetadataInput.optional() }).strict().default({}),
    })
    .strict(),
);
export const IdentityMappingView = named('IdentityMapping', IdentityMapping, 'Who an identity token admits, and what it grants them.');
export const IdentityMappingList = named('IdentityMappingList', z.object({ data: z.array(IdentityMappingView) }));
export const IdentityView = named('Identity', Identity, 'A person signed in with an identity token; stands in for a key in usage, budgets and the audit log.');
export const IdentityList = named('IdentityList', z.object({ data: z.array(IdentityView) }));
export const IdentityListQuery = z.object({ workspace_id: z.string().optional() }).strict();
