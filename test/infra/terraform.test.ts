import { spawnSync } from 'node:child_process';
import { bindingsProviderVersion, blockSchema, unknownArguments } from '../helpers/provider-schema';
import { INFRA_DIR, loadTerraform } from '../helpers/terraform';

/**
 * The offline half of `terraform validate`: the Google provider cannot be downloaded on these
 * machines, so formatting is checked by the terraform binary and arguments against the provider's
 * schema as its generated bindings (@cdktf/provider-google) describe it.
 */
const terraformPresent = spawnSync('sh', ['-c', 'command -v terraform']).status === 0;
if (!terraformPresent) console.log('\n!!! terraform is not installed: `terraform fmt -check` is SKIPPED (the other infra checks still run)\n');

describe('infra/ Terraform', () => {
  (terraformPresent ? it : it.skip)('is formatted as `terraform fmt` writes it', () => {
    const r = spawnSync('terraform', ['fmt', '-check', '-recursive', '-list=true', INFRA_DIR], {
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' },
    });
    expect({ status: r.status, unformatted: r.stdout.trim(), errors: r.stderr.trim() }).toEqual({ status: 0, unformatted: '', errors: '' });
  });

  it('parses, and holds the files named for what they hold', async () => {
    const tf = await loadTerraform();
    expect(tf.files).toEqual(
      expect.arrayContaining([
        'versions.tf',
        'variables.tf',
        'apis.tf',
        'iam.tf',
        'firestore.tf',
        'pubsub.tf',
        'gateway.tf',
        'worker.tf',
        'monitoring.tf',
        'outputs.tf',
      ]),
    );
  });

  it('pins the Google provider to the version the schema bindings were generated from', async () => {
    const tf = await loadTerraform();
    const pins = tf.terraform.flatMap((t) => t.required_providers ?? []).map((p) => p.google);
    expect(pins).toEqual([{ source: 'hashicorp/google', version: bindingsProviderVersion() }]);
    expect(tf.terraform.map((t) => t.required_version)).toEqual([expect.stringMatching(/^>= 1\.\d+/)]);
  });

  it('gives every variable a type and a description', async () => {
    const tf = await loadTerraform();
    const lacking = Object.entries(tf.variable)
      .filter(([, v]) => !v.type || !(typeof v.description === 'string' && v.description.length > 10))
      .map(([name]) => name);
    expect(lacking).toEqual([]);
  });

  it('uses only arguments the pinned provider has, in every resource, data source and provider block', async () => {
    const tf = await loadTerraform();
    const problems: string[] = [];
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries(tf[kind])) {
        const schema = blockSchema(kind, type);
        if (!schema) {
          problems.push(`${kind} type ${type} does not exist in hashicorp/google ${bindingsProviderVersion()}`);
          continue;
        }
        for (const [name, block] of Object.entries(byName)) problems.push(...unknownArguments(block, schema, `${type}.${name}`));
      }
    }
    for (const [name, block] of Object.entries(tf.provider)) problems.push(...unknownArguments(block, blockSchema('provider', name)!, `provider.${name}`));
    expect(problems).toEqual([]);
  });

  it('reports a misspelled argument, nested or dynamic, and an unknown resource type', () => {
    const schema = blockSchema('resource', 'google_cloud_run_v2_service')!;
    const block = {
      name: 'x',
      lifecycle: [{}],
      template: [{ containers: [{ image: 'i', imagee: 'typo', dynamic: { env: [{ for_each: '${[]}', content: [{ name: 'A', valeu: 'typo' }] }] } }] }],
    };
    expect(unknownArguments(block, schema, 'svc')).toEqual(['svc.template.containers.imagee', 'svc.template.containers.env.valeu']);
    expect(blockSchema('resource', 'google_cloud_run_v3_service')).toBeUndefined();
  });

  it('outputs the gateway URL and a Claude Code settings.json snippet', async () => {
    const tf = await loadTerraform();
    expect(tf.output.gateway_url.value).toBe('${google_cloud_run_v2_service.gateway.uri}');
    expect(tf.output.claude_code_settings.value).toContain('ANTHROPIC_BASE_URL');
    expect(tf.output.claude_code_settings.value).toContain('google_cloud_run_v2_service.gateway.uri');
  });
});
