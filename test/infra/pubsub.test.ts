import { DEFAULT_PREFIX, PUSH_PATHS, TOPICS } from '../../services/shared/src/bus/topics';
import { GatewayEnv } from '../../services/shared/src/env';
import { containerEnv, loadTerraform, resource } from '../helpers/terraform';

const TOPIC_RESOURCES: Record<keyof typeof TOPICS, string> = { usage: 'usage', usageDeadLetter: 'usage_dead_letter', alerts: 'alerts' };

describe('Pub/Sub in infra/ matches the names the code uses (bus/topics.ts)', () => {
  it('declares a topic for every topic the code names, and no other', async () => {
    const tf = await loadTerraform();
    const names = Object.fromEntries(Object.entries(tf.resource.google_pubsub_topic).map(([r, b]) => [r, b.name]));
    expect(names).toEqual(Object.fromEntries(Object.entries(TOPICS).map(([k, id]) => [TOPIC_RESOURCES[k as keyof typeof TOPICS], `\${var.prefix}${id}`])));
  });

  it("defaults to the code's prefix, so the env defaults name Terraform's topics", async () => {
    const tf = await loadTerraform();
    expect(tf.variable.prefix.default).toBe(DEFAULT_PREFIX);
    expect(GatewayEnv.parse({}).GATEHOUSE_USAGE_TOPIC).toBe(DEFAULT_PREFIX + TOPICS.usage);
  });

  it('tells each service the topic it publishes to', async () => {
    const tf = await loadTerraform();
    expect(containerEnv(resource(tf, 'google_cloud_run_v2_service', 'gateway')).fixed.GATEHOUSE_USAGE_TOPIC).toBe('${google_pubsub_topic.usage.name}');
    expect(containerEnv(resource(tf, 'google_cloud_run_v2_service', 'worker')).fixed.DEAD_LETTER_TOPIC).toBe('${google_pubsub_topic.usage_dead_letter.name}');
  });

  it('pushes usage to the worker route with an OIDC token the worker verifies, retries, then dead-letters', async () => {
    const tf = await loadTerraform();
    const sub = resource(tf, 'google_pubsub_subscription', 'usage_push');
    const workerEnv = containerEnv(resource(tf, 'google_cloud_run_v2_service', 'worker')).fixed;
    expect(sub.topic).toBe('${google_pubsub_topic.usage.id}');
    const push = sub.push_config[0];
    expect(push.push_endpoint).toBe(`\${google_cloud_run_v2_service.worker.uri}${PUSH_PATHS.usage}`);
    expect(push.oidc_token[0].service_account_email).toBe('${google_service_account.push.email}');
    expect(workerEnv.PUSH_SERVICE_ACCOUNT).toBe('${google_service_account.push.email}');
    expect(push.oidc_token[0].audience).toBe(workerEnv.PUSH_AUDIENCE);
    expect(resource(tf, 'google_cloud_run_v2_service', 'worker').custom_audiences).toEqual([workerEnv.PUSH_AUDIENCE]);
    expect(sub.retry_policy[0]).toEqual({ minimum_backoff: expect.any(String), maximum_backoff: expect.any(String) });
    expect(sub.dead_letter_policy[0].dead_letter_topic).toBe('${google_pubsub_topic.usage_dead_letter.id}');
  });
});
