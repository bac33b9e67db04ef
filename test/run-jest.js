// Runs jest and ends with the plain `N passed, N failed` line CI reads (jest prints no such line).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const out = '.jest-results.json';
fs.rmSync(out, { force: true });
// gaxios (google-auth-library) loads its fetch with a dynamic import, which jest's VM only allows with this flag.
// Google's clients must not see this machine's gcloud configuration: with a ~/.config/gcloud present
// (any gcloud command makes one), the workload-identity tests' token requests failed after ~2 s.
const gcloudConfig = fs.mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'gatehouse-gcloud-'));
const env = {
  ...process.env,
  CLOUDSDK_CONFIG: gcloudConfig,
  METADATA_SERVER_DETECTION: 'none',
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings`.trim(),
};
const r = spawnSync('npx', ['jest', '--json', `--outputFile=${out}`, ...process.argv.slice(2)], { stdio: 'inherit', env });
let line = '0 passed, 1 failed (jest produced no results)';
if (fs.existsSync(out)) {
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  const failedSuites = j.numFailedTestSuites - j.testResults.filter((t) => t.assertionResults.some((a) => a.status === 'failed')).length;
  line = `${j.numPassedTests} passed, ${j.numFailedTests + Math.max(0, failedSuites)} failed, ${j.numPendingTests} skipped`;
}
fs.rmSync(gcloudConfig, { recursive: true, force: true });
console.log(line);
process.exit(r.status ?? 1);
