import { allResources, type Block, loadTerraform, ref, type Terraform } from '../helpers/terraform';

/**
 * Least privilege, exactly: each service account holds these roles, on these resources, and no
 * others (`project` is a project-level grant). A new grant is a deliberate edit here.
 */
const EXPECTED: Record<string, string[]> = {
  gateway: [
    'roles/aiplatform.user on project',
    'roles/datastore.user on project',
    'roles/logging.logWriter on project',
    'roles/modelarmor.user on project', // only with var.model_armor (infra/model-armor.tf)
    'roles/pubsub.publisher on google_pubsub_topic.usage',
    'roles/secretmanager.secretAccessor on google_secret_manager_secret.provider',
    'roles/storage.objectUser on google_storage_bucket.bodies',
  ],
  worker: [
    'roles/datastore.user on project',
    'roles/logging.logWriter on project',
    'roles/pubsub.publisher on google_pubsub_topic.alerts',
    'roles/pubsub.publisher on google_pubsub_topic.usage_dead_letter',
  ],
  push: ['roles/run.invoker on google_cloud_run_v2_service.worker'],
  build: [
    'roles/artifactregistry.writer on google_artifact_registry_repository.images',
    'roles/iam.serviceAccountUser on google_service_account.gateway',
    'roles/iam.serviceAccountUser on google_service_account.worker',
    'roles/logging.logWriter on project',
    'roles/run.developer on project',
    'roles/storage.objectViewer on google_storage_bucket.build_source',
  ],
};

/** The resource an IAM member grant is on, as `type.name` (or `project`); for_each grants name the collection. */
function target(block: Block): string {
  if ('project' in block && !['topic', 'subscription', 'secret_id', 'name'].some((k) => k in block)) return 'project';
  const arg = ['topic', 'subscription', 'secret_id', 'name', 'repository', 'bucket', 'service_account_id', 'table_id'].find((k) => k in block);
  const expr = ref(arg && block[arg].includes('each.') ? block.for_each : block[arg ?? '']);
  return expr.split('.').slice(0, 2).join('.');
}

function grantsByAccount(tf: Terraform): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [addr, block] of allResources(tf)) {
    if (!/_iam_member\./.test(addr)) continue;
    const account = /^google_service_account\.(\w+)\.member$/.exec(ref(block.member))?.[1];
    // `for_each = toset(["roles/a", …])` with `role = each.value`: one grant per role listed.
    const roles = block.role === '${each.value}' ? [...String(block.for_each).matchAll(/"(roles\/[^"]+)"/g)].map((m) => m[1]) : [block.role];
    if (account) (out[account] ??= []).push(...roles.map((role) => `${role} on ${target(block)}`));
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

describe('service accounts', () => {
  it('each holds exactly the roles it needs', async () => {
    const tf = await loadTerraform();
    expect(grantsByAccount(tf)).toEqual(EXPECTED);
    expect(Object.keys(tf.resource.google_service_account).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('are granted only additively (no binding or policy resource that would take roles from others)', async () => {
    const tf = await loadTerraform();
    expect(
      allResources(tf)
        .map(([addr]) => addr)
        .filter((a) => /_iam_(binding|policy)\./.test(a)),
    ).toEqual([]);
  });
});
