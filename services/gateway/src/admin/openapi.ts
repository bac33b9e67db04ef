import { z } from 'zod';
import { ADMIN_ROUTES, type AdminRoute } from './routes';
import { adminSchemas } from './schemas';
import { SCOPES } from './scopes';

/**
 * The admin API's OpenAPI 3.1 document, generated from the route table and the zod schemas
 * (`z.toJSONSchema` emits JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Served at
 * `/admin/openapi.json`.
 */
type Json = Record<string, unknown>;

const REF = (id: string) => `#/components/schemas/${id}`;
const ERROR_STATUSES: Record<string, string> = {
  400: 'Invalid request: the message names the JSON path of each problem.',
  401: 'No key, or a key that is unknown, revoked or expired.',
  403: "The key lacks the route's scope, or acts outside its workspace.",
  404: 'No such object.',
  409: 'Conflict: the id exists, the object is in use, or the version is stale.',
};

function components(requestIds: Set<string>): Record<string, Json> {
  const gen = (io: 'input' | 'output') => z.toJSONSchema(adminSchemas, { io, uri: REF, unrepresentable: 'any' }).schemas as Record<string, Json>;
  const input = gen('input');
  const output = gen('output');
  const out: Record<string, Json> = {};
  for (const id of Object.keys(output)) {
    // Requests are described as clients send them (defaults optional), responses as they come back.
    const { $schema: _s, $id: _i, ...schema } = (requestIds.has(id) ? input : output)[id];
    out[id] = schema;
  }
  return out;
}

function idOf(schema: z.ZodType | undefined): string | undefined {
  return schema ? adminSchemas.get(schema)?.id : undefined;
}

function inline(schema: z.ZodType): Json {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

function parameters(r: AdminRoute): Json[] {
  const path = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const query =
    r.query instanceof z.ZodObject
      ? Object.entries(r.query.shape as Record<string, z.ZodType>).map(([name, s]) => ({
          name,
          in: 'query',
          required: !s.safeParse(undefined).success,
          ...(s.description ? { description: s.description } : {}),
          schema: inline(s),
        }))
      : [];
  return [...path, ...query];
}

function operation(r: AdminRoute): Json {
  const bodyId = idOf(r.body);
  const responses: Json = {};
  for (const [status, schema] of Object.entries(r.responses)) {
    const id = idOf(schema);
    responses[status] = {
      description: status === '204' ? 'Done; no body.' : 'OK',
      ...(id ? { content: { 'application/json': { schema: { $ref: REF(id) } } } } : {}),
    };
  }
  for (const [status, description] of Object.entries(ERROR_STATUSES)) {
    responses[status] = { description, content: { 'application/json': { schema: { $ref: REF('Error') } } } };
  }
  return {
    operationId: `${r.method}_${r.path.replace(/^\/admin\/v1\//, '').replace(/[/:]+/g, '_')}`,
    summary: r.summary,
    description: `${r.scope ? `Scope: \`${r.scope}\`.` : 'Any valid key.'}${r.organisationOnly ? ' Organisation keys only.' : ' Organisation keys: any workspace; workspace keys: their own workspace.'}`,
    tags: [r.path.split('/')[3]],
    'x-gatehouse-scope': r.scope ?? null,
    'x-gatehouse-organisation-only': r.organisationOnly,
    parameters: parameters(r),
    ...(bodyId ? { requestBody: { required: !r.body!.safeParse({}).success, content: { 'application/json': { schema: { $ref: REF(bodyId) } } } } } : {}),
    responses,
  };
}

let cached: Json | undefined;

/**
 * Built once per process (the routes and schemas are constants). No `servers`: OpenAPI then resolves
 * paths against the URL the document was fetched from, which is the gateway.
 */
export function openApiDocument(): Json {
  return (cached ??= build());
}

function build(): Json {
  const paths: Record<string, Json> = {};
  for (const r of ADMIN_ROUTES) {
    const p = r.path.replace(/:(\w+)/g, '{$1}');
    paths[p] = { ...(paths[p] ?? {}), [r.method]: operation(r) };
  }
  const requestIds = new Set(ADMIN_ROUTES.map((r) => idOf(r.body)).filter((id): id is string => Boolean(id)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse admin API',
      version: '1',
      description: [
        'Workspaces, API keys, routing configs, providers, the audit log and usage totals.',
        'Authenticate with an admin key: `Authorization: Bearer <key>` (or `x-api-key`, `x-gatehouse-api-key`).',
        'Every route names one scope. Organisation keys act across workspaces; workspace keys only inside their own.',
        '',
        '| scope | grants |',
        '|---|---|',
        ...Object.entries(SCOPES).map(([s, d]) => `| \`${s}\` | ${d} |`),
      ].join('\n'),
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
    components: {
      schemas: components(requestIds),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A Gatehouse key (`gth_…`).' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
  };
}
