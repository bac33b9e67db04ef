import { BudgetAlert } from '../../services/shared/src/budget/alert';
import { budgetFixture } from '../helpers/budget';
import { createAlertSink } from '../../services/worker/src/alerts/alert-sink';
import { type HttpFake, sendJson, startHttpFake } from '../fakes/http-fake';
import { capturingLogger } from '../helpers/log';

const budget = (webhook_url?: string) => budgetFixture({ webhook_url });

const alert: BudgetAlert = BudgetAlert.parse({
  version: 1,
  alert_id: 'team-web|2025-06-01T00:00:00.000Z|80',
  budget_id: 'team-web',
  budget_name: 'Team web',
  scope: { type: 'metadata', key: 'team', value: 'web' },
  metric: 'cost',
  threshold: 80,
  usage: 412_500_000,
  limit: 500_000_000,
  state: 'warning',
  window_start: '2025-06-01T00:00:00.000Z',
  window_end: '2025-07-01T00:00:00.000Z',
  time: '2025-06-20T10:00:00.000Z',
});

describe('budget alert delivery', () => {
  let hook: HttpFake;
  let answers: number[] = [];
  beforeAll(async () => {
    hook = await startHttpFake(async (_req, res) => {
      const status = answers.shift() ?? 200;
      if (status === 0) return void (await hook.sleep(10_000)); // never answers
      sendJson(res, status, { ok: status === 200 });
    });
  });
  afterAll(() => hook.close());
  beforeEach(() => {
    hook.reset();
    answers = [];
  });

  it('writes a WARNING line with stable fields, publishes, and posts Slack-compatible JSON to the webhook', async () => {
    const { log, lines } = capturingLogger({ service: 'worker' });
    const published: Array<[BudgetAlert, Record<string, string>]> = [];
    const sink = createAlertSink({ log, publish: async (a, attrs) => void published.push([a, attrs]) });
    sink.deliver(alert, budget(`${hook.url}/services/T/B/x`));
    await sink.idle();
    // (the logging library adds one diagnostic entry of its own)
    expect(lines.filter((l) => l.message)).toEqual([
      expect.objectContaining({
        severity: 'WARNING',
        message: 'budget threshold reached',
        budgetId: 'team-web',
        threshold: 80,
        usage: 412_500_000,
        limit: 500_000_000,
        alertId: alert.alert_id,
      }),
    ]);
    expect(published).toEqual([[alert, { budget_id: 'team-web', threshold: '80', version: '1' }]]);
    expect(hook.calls).toHaveLength(1);
    expect(hook.calls[0].path).toBe('/services/T/B/x');
    expect(hook.calls[0].body).toEqual({
      text: 'Gatehouse budget "Team web" reached 80% of its limit: $412.50 of $500.00; resets 2025-07-01T00:00:00.000Z.',
      gatehouse_alert: alert,
    });
  });

  it('retries a webhook that fails or does not answer in time, then gives up with an error line', async () => {
    const { log, lines } = capturingLogger({ service: 'worker' });
    const sink = createAlertSink({ log, webhookTimeoutMs: 200, retryBaseMs: 10, webhookAttempts: 3 });
    answers = [503, 0, 200];
    sink.deliver(alert, budget(hook.url));
    await sink.idle();
    expect(hook.calls).toHaveLength(3);
    expect(lines.filter((l) => l.severity === 'ERROR')).toEqual([]);

    answers = [500, 500, 500];
    sink.deliver(alert, budget(hook.url));
    await sink.idle();
    expect(hook.calls).toHaveLength(6);
    expect(lines.at(-1)).toMatchObject({ severity: 'ERROR', message: 'budget alert webhook failed', attempts: 3, failure: 'HTTP 500' });
  });

  it('does not retry a webhook that refuses the request (4xx)', async () => {
    const { log, lines } = capturingLogger({ service: 'worker' });
    const sink = createAlertSink({ log, retryBaseMs: 10 });
    answers = [404];
    sink.deliver(alert, budget(hook.url));
    await sink.idle();
    expect(hook.calls).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ message: 'budget alert webhook failed', failure: 'HTTP 404' });
  });

  it('returns before the webhook answers: delivery never blocks aggregation', async () => {
    const sink = createAlertSink({ log: capturingLogger().log, webhookTimeoutMs: 300, webhookAttempts: 1 });
    answers = [0];
    const started = Date.now();
    sink.deliver(alert, budget(hook.url));
    expect(Date.now() - started).toBeLessThan(100);
    await sink.idle();
  });
});
