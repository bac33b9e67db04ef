import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { generateKeySecret, hashKey } from '../../services/gateway/src/auth/keys';
import { describeIf, eventually, firestoreAvailable, pubsubAvailable, uniqueProjectId } from '../helpers/emulators';
import { freePort } from '../helpers/listen';
import { loadTerraform, resource } from '../helpers/terraform';
import { GATEWAY_CONTAINER_ENV, GATEWAY_NODE_FLAGS } from '../bench/processes';

/**
 * No Docker engine runs here, so the images' entry points are run the way the images would run
 * them: the final stage's CMD read from each Dockerfile, in a directory laid out as that stage
 * copies it (the compiled dist/, production dependencies from `npm ci --omit=dev`, package.json),
 * with Cloud Run's kind of environment, against the emulators.
 */
const ROOT = join(__dirname, '..', '..');
const SERVICES = ['gateway', 'worker'] as const;

interface Started {
  url: string;
  output: () => string;
}

interface FinalStage {
  from: string;
  user?: string;
  env: Record<string, string>;
  copies: string[];
  command: string[];
}

/** The last stage of a Dockerfile: the image that runs. CMD/ENTRYPOINT must be exec form (JSON), which gets SIGTERM. */
function finalStage(service: string): FinalStage & { stages: number; args: Record<string, string> } {
  const text = readFileSync(join(ROOT, 'services', service, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  for (const l of lines.filter((l) => /^ARG \w+=/.test(l))) {
    const [k, v] = l.slice(4).split('=');
    args[k] = v;
  }
  const starts = lines.flatMap((l, i) => (l.startsWith('FROM ') ? [i] : []));
  const stage = lines.slice(starts[starts.length - 1]);
  const json = (instr: string) => {
    const l = stage.filter((s) => s.startsWith(`${instr} `)).pop();
    return l ? (JSON.parse(l.slice(instr.length + 1)) as string[]) : [];
  };
  const env: Record<string, string> = {};
  for (const l of stage.filter((s) => s.startsWith('ENV '))) {
    for (const [, k, v] of l.slice(4).matchAll(/(\w+)=(\S+)/g)) env[k] = v;
  }
  return {
    stages: starts.length,
    args,
    from: stage[0].slice(5).replace(/\$\{(\w+)\}/g, (_m, k: string) => args[k] ?? ''),
    user: stage
      .filter((s) => s.startsWith('USER '))
      .pop()
      ?.slice(5),
    env,
    copies: stage.filter((s) => s.startsWith('COPY ')).map((s) => basename(s.split(/\s+/).slice(-2)[0])),
    command: [...json('ENTRYPOINT'), ...json('CMD')],
  };
}

describe.each(SERVICES)('the %s Dockerfile', (service) => {
  const stage = finalStage(service);

  it('is multi-stage, on a slim Node LTS image, and runs as a non-root user', () => {
    expect(stage.stages).toBeGreaterThanOrEqual(2);
    expect(stage.from).toMatch(/^node:(\d*[02468])-slim$/);
    expect(stage.user).toBe('node');
    expect(stage.env.NODE_ENV).toBe('production');
  });

  it("ships dist/, production dependencies and package.json, and runs node on the compiled entry point with npm start's flags", () => {
    expect(stage.copies.sort()).toEqual(['dist', 'node_modules', 'package.json']);
    expect(stage.command[0]).toBe('node');
    expect(stage.command[stage.command.length - 1]).toBe(`dist/${service}/src/main.js`);
    const startFlags = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string).match(/--[\w-]+(?:=\S+)?/g) ?? [];
    if (service === 'gateway') expect(stage.command.slice(1, -1)).toEqual(startFlags);
  });
});

describe("the gateway container's memory settings", () => {
  const stage = finalStage('gateway');
  const flags = stage.command.slice(1, -1);

  it('caps the old generation well under the Cloud Run instance memory, leaving room for the rest', async () => {
    const cap = Number(flags.find((f) => f.startsWith('--max-old-space-size='))?.split('=')[1]);
    const memory = (await loadTerraform()).variable.gateway_memory.default as string;
    const mib = Number(/^(\d+)(Gi|Mi)$/.exec(memory)?.[1]) * (memory.endsWith('Gi') ? 1024 : 1);
    expect(cap).toBeGreaterThan(0);
    expect(cap).toBeLessThanOrEqual(0.75 * mib);
  });

  it('is what the bench measures: the same node flags and environment', () => {
    expect(GATEWAY_NODE_FLAGS).toEqual(flags);
    for (const [k, v] of Object.entries(GATEWAY_CONTAINER_ENV)) expect(stage.env[k]).toBe(v);
  });
});

it('keeps node_modules, dist and tests out of the build context (.dockerignore)', () => {
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  expect(ignore[0]).toBe('**'); // everything, then only what the build reads
  expect(ignore.filter((l) => l.startsWith('!'))).toEqual(['!package.json', '!package-lock.json', '!tsconfig.json', '!services/**']);
});

describeIf(firestoreAvailable() && pubsubAvailable())('container entry points on the emulators', () => {
  let app: string;
  const children: ChildProcess[] = [];
  const key = generateKeySecret();
  let gateway: Promise<Started>;
  let worker: Promise<Started>;

  beforeAll(async () => {
    // One image layout for both services, built once per run.
    app = mkdtempSync(join(tmpdir(), 'gatehouse-image-'));
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, f), join(app, f));
    const run = (cmd: string, args: string[], cwd: string) =>
      new Promise<void>((resolve, reject) => {
        let out = '';
        const c = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
        c.stdout.on('data', (d) => (out += d));
        c.stderr.on('data', (d) => (out += d));
        c.on('error', reject);
        c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
      });
    // Side by side, about 25 s each on a loaded machine. The Dockerfile's `npm run build` also
    // type-checks; `npm test` has done that already, so the emit here skips it (same JavaScript).
    await Promise.all([
      run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], app),
      run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'services/tsconfig.json', '--noCheck', '--outDir', join(app, 'dist')], ROOT),
    ]);
    // `npm run build` writes the dashboard bundle beside the compiled services (jest's globalSetup built it).
    cpSync(join(ROOT, 'dist', 'dashboard'), join(app, 'dist', 'dashboard'), { recursive: true });
    // Both boot at once; each test awaits its own (allSettled: a failed boot fails its test, not this hook).
    gateway = start('gateway', { GOOGLE_CLOUD_PROJECT: uniqueProjectId('image-gateway'), GATEHOUSE_BOOTSTRAP_KEY_HASH: hashKey(key) });
    worker = start('worker', {
      GOOGLE_CLOUD_PROJECT: uniqueProjectId('image-worker'),
      PUSH_AUDIENCE: 'https://worker.example/pubsub',
      PUSH_SERVICE_ACCOUNT: 'push@project.iam.gserviceaccount.com',
    });
    await Promise.allSettled([gateway, worker]);
  }, 240_000);

  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (app) rmSync(app, { recursive: true, force: true });
  });

  /** Starts the Dockerfile's command in the image layout with `env` (and the Dockerfile's ENV), as Cloud Run would. */
  async function start(service: string, env: Record<string, string>): Promise<Started> {
    const { command, env: imageEnv } = finalStage(service);
    const port = await freePort();
    let output = '';
    const child = spawn(command[0], command.slice(1), {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        ...imageEnv,
        PORT: String(port),
        FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST!,
        PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST!,
        METADATA_SERVER_DETECTION: 'none',
        ...env,
      },
    });
    children.push(child);
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const url = `http://127.0.0.1:${port}`;
    // The probe Terraform gives Cloud Run, on the route Terraform names.
    const probe = (await loadTerraform()).resource.google_cloud_run_v2_service[service].template[0].containers[0].startup_probe[0].http_get[0].path;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${output}`);
        expect((await fetch(url + probe)).status).toBe(200);
      },
      30_000,
      100,
    );
    return { url, output: () => output };
  }

  it('the gateway boots on Firestore and Pub/Sub and serves the admin API with the bootstrap key', async () => {
    expect(existsSync(join(app, 'dist', 'gateway', 'src', 'main.js'))).toBe(true);
    const { url, output } = await gateway;
    const res = await fetch(`${url}/admin/v1/workspaces`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expect.objectContaining({ data: [] }));
    const denied = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(denied.status).toBe(401);
    expect(output()).not.toContain(key);
    expect((await fetch(`${url}/dashboard`)).status).toBe(200);
  });

  it('the worker boots with push verification on and refuses a push without a token', async () => {
    const tf = await loadTerraform();
    const pushPath = resource(tf, 'google_pubsub_subscription', 'usage_push').push_config[0].push_endpoint.replace(/^\$\{[^}]*\}/, '');
    const { url } = await worker;
    const res = await fetch(url + pushPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: { data: '' } }),
    });
    expect(res.status).toBe(401);
  });
});
