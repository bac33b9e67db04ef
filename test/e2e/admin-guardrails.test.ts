import { startGateway, type TestGateway } from '../helpers/gateway';
import { adminSeed, call, ROLE_KEYS } from './admin-fixtures';

/** The guardrails admin API: validated and versioned writes, deletes refused while in use, workspace defaults. */
let gw: TestGateway;
const V = '/admin/v1';

beforeAll(async () => {
  gw = await startGateway({ seed: adminSeed() });
});
afterAll(() => gw.close());

const org = (method: string, path: string, body?: unknown) => call(gw, ROLE_KEYS.org, method, `${V}${path}`, body);

it('refuses an invalid guardrail with a 400 naming each problem', async () => {
  const res = await org('POST', '/guardrails', { id: 'bad', guardrail: { action: 'redact', checks: ['passports', { type: 'regex', patterns: ['(?<=x)y'] }] } });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toMatch(/guardrail\.checks\.0: unknown detector "passports"/);
});

it('creates, versions, reads and lists a guardrail; Portkey shorthand is accepted', async () => {
  const created = await org('POST', '/guardrails', { id: 'pk', guardrail: { 'default.contains': { operator: 'none', words: ['falcon'] }, deny: true } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ id: 'pk', version: 1 });
  const stale = await org('PUT', '/guardrails/pk', { guardrail: { action: 'flag', checks: ['pii'] }, version: 7 });
  expect(stale.status).toBe(409);
  const put = await org('PUT', '/guardrails/pk', { guardrail: { action: 'flag', checks: ['pii'] }, version: 1 });
  expect(put.body).toMatchObject({ id: 'pk', version: 2, guardrail: { action: 'flag', checks: ['pii'] } });
  expect((await org('GET', '/guardrails/pk')).body.version).toBe(2);
  expect((await org('GET', '/guardrails')).body.data.map((g: { id: string }) => g.id)).toContain('pk');
  expect((await org('DELETE', '/guardrails/pk')).status).toBe(204);
  expect((await org('GET', '/guardrails/pk')).status).toBe(404);
});

it('workspace default guardrails: set by an organisation key only, must exist, and the guardrail cannot be deleted while used', async () => {
  await org('POST', '/guardrails', { id: 'ws-default', guardrail: { action: 'deny', checks: ['secrets'] } });
  expect((await org('PATCH', '/workspaces/alpha', { defaults: { input_guardrails: ['nope'] } })).status).toBe(400);
  const byWorkspace = await call(gw, ROLE_KEYS.wsAlpha, 'PATCH', `${V}/workspaces/alpha`, { defaults: { input_guardrails: null } });
  expect(byWorkspace.status).toBe(403);
  expect(byWorkspace.body.error.message).toMatch(/input_guardrails/);
  const set = await org('PATCH', '/workspaces/alpha', { defaults: { input_guardrails: ['ws-default'] } });
  expect(set.status).toBe(200);
  expect(set.body.defaults.input_guardrails).toEqual(['ws-default']);
  const del = await org('DELETE', '/guardrails/ws-default');
  expect(del.status).toBe(409);
  expect(del.body.error.message).toBe('Guardrail "ws-default" is used by workspace "alpha"; change those first.');
});
