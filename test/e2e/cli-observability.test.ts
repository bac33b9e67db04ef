import { type Ran, runGatehouse } from '../helpers/cli-run';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { newestFirst, traffic } from '../helpers/traffic';
import { adminSeed, ROLE_KEYS } from './admin-fixtures';

/** `gatehouse logs …` and `gatehouse analytics …` in-process against a gateway holding seeded traffic. */
let gw: TestGateway;
// Two days ago, so the logs are well inside their 30 days.
const start = Date.parse(`${new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10)}T00:00:00.000Z`);
const EVENTS = traffic(30, start);
const from = new Date(start).toISOString().slice(0, 10);
const to = new Date(start + 2 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  gw = await startGateway({ seed: adminSeed() });
  await Promise.all(EVENTS.map((e) => gw.pipeline.aggregator.apply(e)));
});
afterAll(() => gw.close());

function cli(argv: string[], key: string = ROLE_KEYS.org): Promise<Ran> {
  return runGatehouse(argv, { GATEHOUSE_URL: gw.url, GATEHOUSE_ADMIN_KEY: key });
}

it('searches logs by trace and metadata, page by page with --all', async () => {
  const byTrace = await cli(['logs', 'search', '--trace', 'trace-3', '--from', from, '--to', to, '--json']);
  expect(byTrace.code).toBe(0);
  expect(byTrace.json.data.map((l: { id: string }) => l.id)).toEqual(newestFirst(EVENTS.filter((e) => e.trace_id === 'trace-3')));
  const all = await cli(['logs', 'search', '--metadata', 'team=web', '--limit', '4', '--all', '--from', from, '--to', to, '--json']);
  expect(all.json.data.map((l: { id: string }) => l.id)).toEqual(newestFirst(EVENTS.filter((e) => e.metadata.team === 'web')));
  expect(all.json.next_cursor).toBeNull();
  const table = await cli(['logs', 'search', '--limit', '2', '--from', from, '--to', to]);
  expect(table.out.split('\n')[0]).toMatch(/^TIME\s+REQUEST\s+KEY\s+MODEL/);
  expect(table.out).toMatch(/More: --cursor \S+/);
});

it('exports every matching log as one CSV with one header', async () => {
  const csv = await cli(['logs', 'search', '--workspace', 'beta', '--limit', '3', '--all', '--csv', '--from', from, '--to', to]);
  const lines = csv.out.trim().split('\r\n');
  expect(lines.filter((l) => l.startsWith('timestamp,'))).toHaveLength(1);
  expect(lines).toHaveLength(1 + EVENTS.filter((e) => e.workspace_id === 'beta').length);
});

it('shows one log with its attempts and cost', async () => {
  const e = EVENTS[7];
  const res = await cli(['logs', 'get', e.request_id]);
  expect(res.code).toBe(0);
  expect(res.out).toContain(`request:`);
  expect(res.out).toContain(e.request_id);
  expect(res.out).toMatch(/session:\s+session-3/);
  expect((await cli(['logs', 'get', 'req_gth_missing'])).code).toBe(1);
});

it('groups and charts analytics, as tables, JSON and CSV', async () => {
  const g = await cli(['analytics', 'groups', '--by', 'workspace', '--from', from, '--to', to, '--json']);
  for (const ws of ['alpha', 'beta']) {
    expect(g.json.data.find((d: { value: string }) => d.value === ws).requests).toBe(EVENTS.filter((e) => e.workspace_id === ws).length);
  }
  const text = await cli(['analytics', 'groups', '--by', 'model', '--from', from, '--to', to]);
  expect(text.out).toMatch(/^MODEL\s+REQUESTS\s+ERRORS\s+COST/);
  const series = await cli(['analytics', 'timeseries', '--from', from, '--to', to, '--granularity', 'hour', '--csv']);
  const rows = series.out.trim().split('\r\n');
  expect(rows).toHaveLength(1 + 72);
  const total = rows.slice(1).reduce((n, r) => n + Number(r.split(',')[1]), 0);
  expect(total).toBe(EVENTS.length);
});

it('scopes a workspace key to its workspace and explains bad flags', async () => {
  const own = await cli(['logs', 'search', '--from', from, '--to', to, '--limit', '1000', '--json'], ROLE_KEYS.wsAlpha);
  expect(new Set(own.json.data.map((l: { workspace_id: string }) => l.workspace_id))).toEqual(new Set(['alpha']));
  const other = await cli(['analytics', 'groups', '--by', 'model', '--workspace', 'beta'], ROLE_KEYS.wsAlpha);
  expect(other.code).toBe(1);
  expect(other.err).toMatch(/403/);
  expect((await cli(['logs', 'search', '--metadata', 'team'])).code).toBe(2);
  expect((await cli(['analytics', 'groups'])).code).toBe(2);
});
