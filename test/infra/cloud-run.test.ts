import type { ZodType } from 'zod';
import { CloudRunGatewayEnv, WorkerEnv } from '../../services/shared/src/env';
import { allResources, containerEnv, loadTerraform, resource } from '../helpers/terraform';

/** The names the schema reports missing when parsing `env`: what it requires of Terraform. */
function missing(schema: ZodType, env: Record<string, string>): string[] {
  const r = schema.safeParse(env);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

// The gateway's startup probe is its readiness view (first snapshot in); the worker has no listeners.
describe.each([
  ['gateway', CloudRunGatewayEnv, '/readyz'],
  ['worker', WorkerEnv, '/healthz'],
] as const)('the %s Cloud Run service', (name, schema, startupPath) => {
  it('sets every variable its env schema requires', async () => {
    const tf = await loadTerraform();
    const { fixed } = containerEnv(resource(tf, 'google_cloud_run_v2_service', name));
    // What an empty environment lacks, read from the schema rather than listed here.
    const required = missing(schema, {}).map((line) => line.split(':')[0]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((v) => !(v in fixed))).toEqual([]);
    // Terraform's values (expressions are strings; a variable as its default) pass the schema,
    // conditional requirements included.
    const values = Object.fromEntries(
      Object.entries(fixed).map(([k, v]) => {
        const variable = /^\$\{var\.(\w+)\}$/.exec(v)?.[1];
        return [k, variable && tf.variable[variable]?.default !== undefined ? String(tf.variable[variable].default) : v];
      }),
    );
    expect(missing(schema, values)).toEqual([]);
  });

  it('sets only variables its env schema declares', async () => {
    const { fixed, optional } = containerEnv(resource(await loadTerraform(), 'google_cloud_run_v2_service', name));
    expect([...Object.keys(fixed), ...optional].filter((v) => !(v in schema.shape))).toEqual([]);
  });

  it('probes its health routes, runs its own service account, and leaves images to Cloud Build', async () => {
    const svc = resource(await loadTerraform(), 'google_cloud_run_v2_service', name);
    const container = svc.template[0].containers[0];
    expect(container.startup_probe[0].http_get[0].path).toBe(startupPath);
    expect(container.liveness_probe[0].http_get[0].path).toBe('/healthz');
    expect(svc.template[0].service_account).toBe(`\${google_service_account.${name}.email}`);
    expect(svc.template[0].max_instance_request_concurrency).toBeDefined();
    expect(svc.template[0].scaling[0]).toEqual({ min_instance_count: expect.any(String), max_instance_count: expect.any(String) });
    expect(container.resources[0].limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(svc.lifecycle[0].ignore_changes).toContain('${template[0].containers[0].image}');
  });
});

describe('who may call the services', () => {
  it('the gateway is public (every request carries its key) and keeps CPU outside requests', async () => {
    const gw = resource(await loadTerraform(), 'google_cloud_run_v2_service', 'gateway');
    expect(gw.ingress).toBe('INGRESS_TRAFFIC_ALL');
    expect(gw.invoker_iam_disabled).toBe(true);
    expect(gw.template[0].containers[0].resources[0].cpu_idle).toBe(false);
  });

  it('the worker is internal, checks IAM, and only the push identity may invoke it', async () => {
    const tf = await loadTerraform();
    const worker = resource(tf, 'google_cloud_run_v2_service', 'worker');
    expect(worker.ingress).toBe('INGRESS_TRAFFIC_INTERNAL_ONLY');
    expect(worker.invoker_iam_disabled).not.toBe(true);
    const grants = allResources(tf)
      .filter(([addr]) => /_iam_(member|binding|policy)\./.test(addr))
      .filter(([, b]) => JSON.stringify(b).includes('google_cloud_run_v2_service.worker'))
      .map(([, b]) => ({ role: b.role, members: b.members ?? [b.member], policy: b.policy_data }));
    expect(grants).toEqual([{ role: 'roles/run.invoker', members: ['${google_service_account.push.member}'], policy: undefined }]);
    const publicGrants = allResources(tf).filter(([, b]) => /allUsers|allAuthenticatedUsers/.test(JSON.stringify(b)));
    expect(publicGrants.map(([addr]) => addr)).toEqual([]);
  });
});
