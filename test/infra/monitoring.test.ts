import { BUDGET_ALERT_LOG } from '../../services/worker/src/alerts/alert-sink';
import { loadTerraform, resource } from '../helpers/terraform';

describe('monitoring in infra/ matches the log lines the code writes', () => {
  it('counts budget alerts by the message the worker logs', async () => {
    const metric = resource(await loadTerraform(), 'google_logging_metric', 'budget_alerts');
    expect(metric.filter).toContain(`jsonPayload.message="${BUDGET_ALERT_LOG}"`);
  });
});
