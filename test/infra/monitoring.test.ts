import { BUDGET_ALERT_LOG } from '../../services/worker/src/alerts/alert-sink';
import { REQUEST_DONE_LOG } from '../../services/gateway/src/usage/emit';
import { loadTerraform, resource } from '../helpers/terraform';

describe('monitoring in infra/ matches the log lines the code writes', () => {
  it('counts budget alerts by the message the worker logs', async () => {
    const metric = resource(await loadTerraform(), 'google_logging_metric', 'budget_alerts');
    expect(metric.filter).toContain(`jsonPayload.message="${BUDGET_ALERT_LOG}"`);
  });

  it('counts requests, errors, latency and cost from the line the gateway writes per request', async () => {
    const tf = await loadTerraform();
    expect(tf.locals.request_done_filter).toContain(`jsonPayload.message="${REQUEST_DONE_LOG}"`);
    for (const name of ['requests', 'request_errors', 'request_latency', 'request_cost']) {
      expect(resource(tf, 'google_logging_metric', name).filter).toContain('${local.request_done_filter}');
    }
    expect(resource(tf, 'google_logging_metric', 'request_latency').value_extractor).toBe('EXTRACT(jsonPayload.usage_event.latency_ms)');
    expect(resource(tf, 'google_logging_metric', 'request_cost').value_extractor).toBe('EXTRACT(jsonPayload.usage_event.cost_micros)');
  });
});
