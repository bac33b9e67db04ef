import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ALL_SCOPES } from '../../services/gateway/src/admin/scopes';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import type { Fake } from '../fakes/script';
import { ARTIFACTS, launchBrowser, type TestBrowser } from '../helpers/browser';
import { eventually } from '../helpers/emulators';
import { DEV_KEY, devSeed, inferenceKey, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';
import { usageEventFixture } from '../helpers/usage-event';
import { startWorkloadIdentity } from '../helpers/workload-identity';
import { call } from './admin-fixtures';

/**
 * The dashboard in Debian's chromium against a gateway with known traffic: what it shows must be what
 * the admin API says, and what it does must take effect (a revoked key fails at once).
 */
const ADMIN = 'gth_dash_admin_0123456789abcdef0123456789ab';
const KEYS_READER = 'gth_dash_reader_0123456789abcdef0123456789a';
const WEB_KEY = 'gth_dash_web_0123456789abcdef0123456789abcd';
const TRACE = 'trace-dashboard-1';
const SESSION = '5f0c2a4e-6d1b-4c1e-9a3f-2b7d8e9f0a1b';
let metadata: FakeMetadata;
let vertex: Fake;
let gw: TestGateway;
let browser: TestBrowser;
let page: Page & { problems: string[] };

beforeAll(async () => {
  [metadata, vertex, browser] = await Promise.all([startWorkloadIdentity(), startFakeVertex({ token: FAKE_METADATA_TOKEN }), launchBrowser()]);
  gw = await startGateway({
    seed: {
      ...devSeed(
        { vertex: vertex.url },
        {
          api_keys: [
            { key: ADMIN, name: 'platform-admin', type: 'organisation', kind: 'user', scopes: [...ALL_SCOPES], status: 'active', defaults: {} },
            inferenceKey(WEB_KEY, 'web-ci', 'dev', { defaults: { config_id: 'default', metadata: { team: 'web' } } }),
            { key: KEYS_READER, name: 'auditor', type: 'workspace', workspace_id: 'dev', kind: 'user', scopes: ['keys.read'], status: 'active', defaults: {} },
          ],
        },
      ),
      budgets: [
        {
          id: 'dev-monthly',
          name: 'Dev team, monthly',
          scope: { type: 'workspace', workspace_id: 'dev' },
          metric: 'cost',
          limit: 50_000,
          period: { kind: 'month', time_zone: 'Europe/Paris' },
          thresholds: [50, 80, 100],
        },
      ],
    },
  });
  // Known traffic: three requests of one Claude Code session (one traced), two from team web (its key's metadata), one failing upstream.
  const ask = (headers: Record<string, string>, model = 'claude-sonnet-4-6') =>
    fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEV_KEY, 'anthropic-version': '2023-06-01', ...headers },
      body: JSON.stringify({ model, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    }).then((r) => r.arrayBuffer());
  await ask({ 'x-claude-code-session-id': SESSION, 'x-gatehouse-trace-id': TRACE });
  await ask({ 'x-claude-code-session-id': SESSION });
  await ask({ 'x-claude-code-session-id': SESSION }, 'claude-haiku-4-5');
  await ask({ 'x-api-key': WEB_KEY });
  await ask({ 'x-api-key': WEB_KEY }, 'claude-haiku-4-5');
  await ask({}, 'error-500');
  await gw.waitForEvents(6);
  // The worker's logs and rollups are written a moment after the events.
  await eventually(async () => expect((await admin(`/logs?from=${hourAgo()}`)).body.data).toHaveLength(6), 10_000);
  page = await browser.page();
}, 90_000);
afterAll(() => closeAll(browser, gw, vertex, metadata));

const hourAgo = () => new Date(Date.now() - 3600_000).toISOString();
const admin = (path: string, method = 'GET', body?: unknown) => call(gw, ADMIN, method, `/admin/v1${path}`, body);
const rows = (p: Page) => p.locator('table.logs tbody tr');
/** Waits until `l` matches `n` elements (the page renders after its API calls answer). */
const count = (l: Locator, n: number) => eventually(async () => expect(await l.count()).toBe(n), 10_000, 50);
const text = async (l: Locator) => {
  await l.first().waitFor();
  return (await l.first().textContent()) ?? '';
};
const contains = (l: Locator, want: string | RegExp) => eventually(async () => expect(await text(l)).toMatch(want), 10_000, 50);

async function signIn(p: Page, key: string) {
  await p.goto(`${gw.url}/dashboard`);
  await p.fill('input[name=key]', key);
  await p.click('button[type=submit]');
  await p.locator('nav .who').waitFor();
}

async function openLogs(p: Page, fill: Record<string, string>) {
  await p.goto(`${gw.url}/dashboard/logs`);
  await p.locator('form.filters').waitFor();
  for (const [name, value] of Object.entries(fill)) await p.fill(`form.filters [name=${name}]`, value);
  await p.click('form.filters button[type=submit]');
}

it('is served with a strict Content-Security-Policy, cached assets, and works without fetching anything off the gateway', async () => {
  const res = await fetch(`${gw.url}/dashboard/keys`);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-cache');
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) expect(csp).toContain(d);
  const html = await res.text();
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|style=|https?:\/\//); // no inline script or style, no absolute URL
  const asset = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)![1];
  const js = await fetch(gw.url + asset);
  expect(js.status).toBe(200);
  expect(js.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
  expect((await fetch(`${gw.url}/dashboard/assets/nope.js`)).status).toBe(404);

  const hosts = new Set<string>();
  page.on('request', (r) => hosts.add(new URL(r.url()).host));
  await signIn(page, ADMIN);
  expect([...hosts]).toEqual([new URL(gw.url).host]);
});

it('keeps the key in session storage only, never in a URL; refuses a bad key and signs out a revoked one with the API error', async () => {
  // The key, and beside it the key's own view (name and scopes) so a reload renders at once.
  expect(await page.evaluate(() => sessionStorage.getItem('gatehouse.admin-key'))).toBe(ADMIN);
  expect(await page.evaluate((key) => Object.values(sessionStorage).filter((v) => v.includes(key)), ADMIN)).toEqual([ADMIN]);
  expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(ADMIN);
  expect(page.url()).not.toContain(ADMIN);
  await page.reload();
  expect(await text(page.locator('nav .who strong'))).toBe('platform-admin');

  const other = await browser.page();
  await other.goto(`${gw.url}/dashboard`);
  await other.fill('input[name=key]', 'gth_not_a_real_key_0123456789abcdef0123456789');
  await other.click('button[type=submit]');
  await contains(other.locator('[role=alert]'), /authentication_error \(HTTP 401\)/);

  // Signed in with a key that is then revoked: the next load signs out, with the API's error.
  const made = await admin('/keys', 'POST', { name: 'short-lived', type: 'organisation', scopes: ['keys.read'] });
  await signIn(other, made.body.secret);
  expect((await admin(`/keys/${made.body.key_id}/revoke`, 'POST')).status).toBe(200);
  await eventually(async () => expect((await call(gw, made.body.secret, 'GET', '/admin/v1/me')).status).toBe(401));
  await other.reload();
  await contains(other.locator('.signin [role=alert]'), /authentication_error \(HTTP 401\)/);
  expect(await other.evaluate(() => sessionStorage.length)).toBe(0);
  await other.close();
});

it('shows on the Overview the totals the analytics API answers', async () => {
  await measureFirstRender();
  await page.locator('[data-stat=cost][data-value]').waitFor();
  const q = new URLSearchParams({ from: hourAgo(), to: new Date().toISOString(), granularity: 'hour' });
  const api = (await admin(`/analytics/timeseries?${q}`)).body;
  const shown = async (stat: string) => Number(await page.locator(`[data-stat=${stat}]`).getAttribute('data-value'));
  expect(api.totals.requests).toBe(6);
  expect(await shown('requests')).toBe(api.totals.requests);
  expect(await shown('cost')).toBe(api.totals.cost_micros);
  expect(await shown('error-rate')).toBe(api.totals.errors);
  const t = api.totals;
  expect(await shown('tokens')).toBe(t.input + t.output + t.cache_write_5m + t.cache_write_1h + t.cache_read);
  await count(page.locator('.chart canvas'), 4);
  await count(page.locator('.card', { hasText: 'Top models' }).locator('tbody tr'), 3);
  await contains(page.locator('.card', { hasText: 'Top teams' }), 'web');
  await browser.screenshot(page, 'dashboard', 'overview');
});

it('filters the logs by trace id and by metadata, as the log search does, and exports them as CSV', async () => {
  await openLogs(page, { trace_id: TRACE });
  await count(rows(page), 1);
  expect(await rows(page).first().getAttribute('data-request-id')).toBe((await admin(`/logs?trace_id=${TRACE}`)).body.data[0].id);

  await openLogs(page, { metadata: 'team=web' });
  const want = (await admin('/logs?metadata.team=web')).body.data.map((l: { id: string }) => l.id);
  expect(want).toHaveLength(2);
  await count(rows(page), 2);
  expect(await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-request-id')))).toEqual(want);
  expect(page.url()).toContain('metadata=team%3Dweb');
  // The CSV export of the same search: a header and the two rows.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('form.filters button:has-text("Export CSV")')]);
  const csv = readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\n');
  expect(csv).toHaveLength(3);
  expect(csv.slice(1).map((line) => want.find((id: string) => line.includes(id)))).toEqual(want);
  await browser.screenshot(page, 'dashboard', 'logs-metadata');
});

it("opens a Claude Code session's requests together, and a request's attempts and timings", async () => {
  await openLogs(page, {});
  await count(rows(page), 6);
  await page.check('form.filters [name=grouped]');
  await count(page.locator(`section.session-group[data-session="${SESSION}"] tbody tr`), 3);
  await page.locator(`section.session-group[data-session="${SESSION}"] header button`).click();
  await contains(page.locator('[data-testid=session-summary]'), '3 requests');
  await count(page.locator('table.logs tbody tr'), 3);
  expect(page.url()).toContain(`session_id=${SESSION}`);

  await rows(page).first().click();
  const panel = page.locator('aside.panel');
  await count(panel.locator('table.attempts tbody tr'), 1);
  await contains(panel, 'vertex-prod');
  await contains(panel, 'time to first byte');
  await browser.screenshot(page, 'dashboard', 'logs-session');
});

it('creates a key and shows its secret once; revoked, a request with it fails', async () => {
  await page.goto(`${gw.url}/dashboard/keys`);
  await page.fill('.create-key [name=name]', 'ci-bot');
  await page.fill('.create-key [name=workspace_id]', 'dev');
  await page.click('.create-key button[type=submit]');
  const secret = await page.locator('.secret input').inputValue();
  expect(secret).toMatch(/^gth_[0-9A-Za-z]{49}$/);
  await browser.screenshot(page, 'dashboard', 'keys-secret');
  expect((await call(gw, secret, 'GET', '/v1/models')).status).toBe(200);

  await page.click('.secret button:has-text("Done")');
  await count(page.locator('.secret'), 0);
  await page.reload();
  const row = page.locator('tr[data-key-name="ci-bot"]');
  await contains(row, 'active');
  expect(await page.content()).not.toContain(secret);

  await row.locator('button:has-text("Revoke")').click();
  await row.locator('button:has-text("Confirm revoke")').click();
  await contains(row, 'revoked');
  await eventually(async () => expect((await call(gw, secret, 'GET', '/v1/models')).status).toBe(401));
});

it('shows the problems the API finds in a config at their JSON paths', async () => {
  await page.goto(`${gw.url}/dashboard/configs`);
  await page.click('[data-config-id=default]');
  const invalid = JSON.stringify(
    { strategy: { mode: 'fallback' }, targets: [{ provider: '@vertex-prod' }, { provider: '@vertex-prod', weight: -1 }], retry: { attempts: 99 } },
    null,
    2,
  );
  await page.fill('textarea[name=config]', invalid);
  await page.click('.editor button:has-text("Save")');
  const problem = page.locator('.problems li[data-path="retry.attempts"]');
  await problem.waitFor();
  // The line the path's value is on, marked in the gutter too.
  const line = invalid.split('\n').findIndex((l) => l.includes('"attempts"')) + 1;
  expect(await text(problem.locator('.line'))).toBe(`line ${line}`);
  await count(page.locator('.code .gutter .bad', { hasText: String(line) }), 1);
  await page.locator('.problems li[data-path="targets[1].weight"]').waitFor();
  await browser.screenshot(page, 'dashboard', 'config-error');
  // Nothing was stored.
  expect((await admin('/configs/default')).body).toMatchObject({ version: 1, config: { provider: '@vertex-prod' } });
});

it("hides what the signed-in key's scopes do not allow", async () => {
  const p = await browser.page();
  await signIn(p, KEYS_READER);
  await count(p.locator('nav span.disabled'), 5);
  expect(await p.locator('nav span.disabled').allTextContents()).toEqual(['Overview', 'Logs', 'Budgets', 'Configs', 'Providers']);
  await p.goto(`${gw.url}/dashboard/keys`);
  await p.locator('tr[data-key-name="dev"]').waitFor();
  await count(p.locator('.create-key'), 0);
  await count(p.locator('button:has-text("Revoke")'), 0);
  await p.goto(`${gw.url}/dashboard/logs`);
  await contains(p.locator('[role=alert]'), '"logs.view" scope');
  await p.close();
});

it('shows budgets as progress bars with their window end', async () => {
  await page.goto(`${gw.url}/dashboard/budgets`);
  const card = page.locator('[data-budget=dev-monthly]');
  await contains(card, 'Dev team, monthly');
  await eventually(async () => {
    await page.reload();
    await contains(card, /resets in/);
  }, 10_000);
  const status = (await admin('/budgets/dev-monthly')).body.status;
  expect(Number(await card.locator('[role=progressbar]').getAttribute('aria-valuenow'))).toBe(Math.round((status.usage / status.limit) * 100));
});

it("shows the budgets' alert history, as the API lists it, in the chosen time zone", async () => {
  // A request that takes the dev budget past 50% and 80% of its $0.05: the worker fires both alerts.
  await gw.pipeline.aggregator.apply(
    usageEventFixture({
      event_id: 'budget-alerts',
      request_id: 'req_gth_budget_alerts',
      workspace_id: 'dev',
      timestamp: new Date().toISOString(),
      cost_micros: 42_000,
    }),
  );
  await gw.pipeline.aggregator.flush();
  const fired = (await admin('/budget-alerts')).body.data as Array<{ threshold: number; time: string }>;
  expect(fired.map((a) => a.threshold)).toEqual([80, 50]);
  await page.goto(`${gw.url}/dashboard/budgets`);
  const history = page.locator('table.alerts tbody tr');
  await count(history, 2);
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await contains(page.locator('section.card h2:has-text("Alert history")'), zone);
  const cells = await history.first().locator('td').allTextContents();
  expect(cells.slice(1, 4)).toEqual(['Dev team, monthly', '80%', expect.stringMatching(/^\$0\.0\d+ of \$0\.05/)]);
  // The time as the browser shows it in its zone, to the second.
  const shown = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(fired[0].time));
  expect(cells[0]).toContain(shown);
  await browser.screenshot(page, 'dashboard', 'budgets');
});

it('searches the logs over a custom from/to range, entered in the time zone it names', async () => {
  await page.goto(`${gw.url}/dashboard/logs`);
  await page.selectOption('form.filters [name=since]', 'custom');
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await contains(page.locator('form.filters label:has([name=from])'), zone);
  // Wall-clock times in the browser's zone, to the second, as a datetime-local input takes them.
  const wall = (t: number) =>
    page.evaluate((at) => {
      const d = new Date(at);
      return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    }, t);
  const search = async (from: number, to: number) => {
    await page.fill('form.filters [name=from]', await wall(from));
    await page.fill('form.filters [name=to]', await wall(to));
    const sent = page.waitForRequest((r) => r.url().includes('/admin/v1/logs?'));
    await page.click('form.filters button[type=submit]');
    return new URL((await sent).url()).searchParams;
  };
  // An hour that ended before any traffic: nothing.
  const now = Date.now();
  const empty = await search(now - 3 * 3600_000, now - 2 * 3600_000);
  expect(empty.get('from')).toBe(new Date(Math.floor((now - 3 * 3600_000) / 1000) * 1000).toISOString());
  await contains(page.locator('main'), 'No requests match.');
  // The last hour: what the API answers for the same instants.
  const sent = await search(now - 3600_000, now + 60_000);
  const want = (await admin(`/logs?from=${sent.get('from')}&to=${sent.get('to')}&limit=100`)).body.data as Array<{ id: string }>;
  expect(want.length).toBeGreaterThan(0);
  await count(rows(page), want.length);
  expect(new URL(page.url()).searchParams.get('since')).toBe('custom');
  expect(new URL(page.url()).searchParams.get('to')).toBe(sent.get('to'));
  await browser.screenshot(page, 'dashboard', 'logs-custom-range');
});

it('lists providers with where their credentials live, never a secret', async () => {
  await page.goto(`${gw.url}/dashboard/providers`);
  const row = page.locator('tr[data-provider=vertex-prod]');
  await contains(row, 'workload identity (ADC)');
  await contains(row, 'my-project / global');
});

/**
 * The dashboard's first render (README, Performance): navigation to the Overview until its charts are
 * drawn, with an empty browser cache and again with the assets cached. Written down, not asserted:
 * timing targets are not unit tests.
 */
async function measureFirstRender() {
  const cdp = await page.context().newCDPSession(page);
  const figures: Record<string, number> = {};
  for (const run of ['cold', 'warm']) {
    if (run === 'cold') await cdp.send('Network.clearBrowserCache');
    const started = Date.now();
    await page.goto(`${gw.url}/dashboard`);
    await page.locator('.chart canvas').first().waitFor();
    await count(page.locator('.chart canvas'), 4);
    figures[`${run}_ms`] = Date.now() - started;
  }
  await cdp.detach();
  mkdirSync(join(ARTIFACTS, 'dashboard'), { recursive: true });
  writeFileSync(join(ARTIFACTS, 'dashboard', 'first-render.json'), `${JSON.stringify(figures)}\n`);
}

/** A plausible working day of Claude Code traffic, fed to the worker as usage events: deterministic, spread over 24 hours. */
function dayOfTraffic(keys: { key_id: string; name: string }[], now: number) {
  let seed = 7;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const models = [
    { id: 'claude-sonnet-4-6', input: 3, output: 15, weight: 0.6 },
    { id: 'claude-opus-4-6', input: 5, output: 25, weight: 0.15 },
    { id: 'claude-haiku-4-5', input: 1, output: 5, weight: 0.25 },
  ];
  const teams = ['web', 'platform', 'data', 'mobile'];
  const events = [];
  for (let h = 23; h >= 1; h--) {
    const hourStart = now - h * 3600_000;
    const local = new Date(hourStart).getUTCHours() + 1; // Paris in winter
    const busy = local >= 8 && local <= 19 ? 14 : 3;
    for (let i = 0; i < busy + Math.floor(rand() * busy); i++) {
      const r = rand();
      const model = r < 0.6 ? models[0] : r < 0.75 ? models[1] : models[2];
      const key = keys[Math.floor(rand() * keys.length)];
      const usage = {
        input: 200 + Math.floor(rand() * 4000),
        output: 150 + Math.floor(rand() * 1800),
        cache_write_5m: Math.floor(rand() * 3000),
        cache_write_1h: 0,
        cache_read: 10_000 + Math.floor(rand() * 60_000),
        web_search_requests: 0,
      };
      const failed = rand() < 0.03;
      const hit = !failed && rand() < 0.05;
      const cost = Math.round(
        usage.input * model.input + usage.output * model.output + usage.cache_write_5m * model.input * 1.25 + usage.cache_read * model.input * 0.1,
      );
      const latency = 800 + Math.floor(rand() * 9000);
      events.push(
        usageEventFixture({
          event_id: `day-${h}-${i}`,
          request_id: `req_gth_day${h}x${i}`,
          trace_id: `trace-day-${h}-${i}`,
          session_id: `session-${key.name}-${Math.floor(h / 3)}`,
          timestamp: new Date(hourStart + Math.floor(rand() * 3600_000)).toISOString(),
          status: failed ? 529 : 200,
          outcome: failed ? 'upstream_error' : 'success',
          ...(failed ? { error_type: 'overloaded_error' } : {}),
          workspace_id: 'dev',
          key_id: key.key_id,
          key_name: key.name,
          provider: 'vertex-prod',
          provider_kind: 'vertex',
          model_requested: model.id,
          model_upstream: model.id,
          usage: failed || hit ? { ...usage, output: failed ? 0 : usage.output } : usage,
          cost_micros: failed || hit ? 0 : cost,
          latency_ms: hit ? 2 : latency,
          ttfb_ms: hit ? 1 : Math.floor(latency / 5),
          metadata: { team: teams[Math.floor(rand() * teams.length)] },
          attempts: [
            {
              target: 'vertex-prod',
              provider: 'vertex-prod',
              status: failed ? 529 : 200,
              latency_ms: latency,
              ...(failed ? { error_type: 'overloaded_error' } : {}),
            },
          ],
          cache: { status: hit ? 'HIT' : 'MISS', saved_micros: hit ? cost : 0 },
        }),
      );
    }
  }
  return events;
}

it("draws a day's traffic readably (the README's screenshot)", async () => {
  const keys = (await admin('/keys')).body.data.filter((k: { type: string; scopes: string[] }) => k.type === 'workspace' && k.scopes.includes('completions'));
  const events = dayOfTraffic(keys, Date.now());
  for (const e of events) await gw.pipeline.aggregator.apply(e);
  await eventually(
    async () =>
      expect(
        (await admin(`/analytics/timeseries?from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date().toISOString()}`)).body.totals.requests,
      ).toBeGreaterThanOrEqual(events.length),
    10_000,
  );
  await page.goto(`${gw.url}/dashboard`);
  await count(page.locator('.chart canvas'), 4);
  expect(Number(await page.locator('[data-stat=requests]').getAttribute('data-value'))).toBeGreaterThanOrEqual(events.length);
  await browser.screenshot(page, 'dashboard', 'overview-day');
  await openLogs(page, {});
  await page.check('form.filters [name=grouped]');
  await page.locator('section.session-group').first().waitFor();
  await rows(page).nth(1).click();
  await page.locator('aside.panel table.attempts').waitFor();
  await browser.screenshot(page, 'dashboard', 'logs-day', false);
  // No page broke the Content-Security-Policy or threw; the one failed request is the invalid config's (the bad key's 401 was another tab).
  expect(page.problems).toEqual([`HTTP 400 PUT ${gw.url}/admin/v1/configs/default`]);
});
