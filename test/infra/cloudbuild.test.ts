import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTerraform, resource } from '../helpers/terraform';

/** cloudbuild.yaml names what infra/ creates: a renamed service or repository breaks the deploy, not just a doc. */
const ROOT = join(__dirname, '..', '..');
const yaml = readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8');
const substitution = (name: string) => new RegExp(`^  ${name}: (\\S+)$`, 'm').exec(yaml)?.[1];

describe('cloudbuild.yaml', () => {
  it("defaults to Terraform's region and prefix", async () => {
    const tf = await loadTerraform();
    expect(substitution('_REGION')).toBe(tf.variable.region.default);
    expect(substitution('_PREFIX')).toBe(tf.variable.prefix.default);
  });

  it.each(['gateway', 'worker'])('builds the %s from its Dockerfile, pushes it to the registry and deploys the service Terraform declares', async (service) => {
    const tf = await loadTerraform();
    const image = `\${_REGION}-docker.pkg.dev/$PROJECT_ID/\${_PREFIX}images/${service}:$BUILD_ID`;
    expect(resource(tf, 'google_artifact_registry_repository', 'images').repository_id).toBe('${var.prefix}images');
    expect(resource(tf, 'google_cloud_run_v2_service', service).name).toBe(`\${var.prefix}${service}`);
    expect(yaml).toContain(`'build', '-f', 'services/${service}/Dockerfile', '-t', '${image}', '.'`);
    expect(existsSync(join(ROOT, 'services', service, 'Dockerfile'))).toBe(true);
    expect(yaml).toContain(`args: ['push', '${image}']`);
    expect(yaml).toContain(`args: ['run', 'services', 'update', '\${_PREFIX}${service}', '--region=\${_REGION}', '--image=${image}']`);
  });

  it('tests before it builds', () => {
    expect(yaml).toMatch(/- id: test\n[\s\S]*node test\/run-jest\.js/);
    expect(yaml.match(/waitFor: \['test'\]/g)).toHaveLength(2);
  });
});
