// Builds the dashboard bundle (dist/dashboard) when it is missing or older than its sources, so that
// `npm start` and the test suite serve the dashboard of the checkout they run; `npm run build`
// always builds it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const root = join(here, '..', '..');
const built = join(root, 'dist', 'dashboard', 'index.html');

const newest = (path) => (statSync(path).isDirectory() ? Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f)))) : statSync(path).mtimeMs);

const sources = Math.max(
  newest(join(here, 'src')),
  newest(join(here, 'index.html')),
  newest(join(here, 'favicon.svg')),
  newest(join(here, 'vite.config.mts')),
  newest(join(root, 'package-lock.json')),
);
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(here, 'vite.config.mts')], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}
