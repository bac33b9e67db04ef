import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's chromium driven by playwright-core (no browser download; `.ci/run` installs the package
 * when missing). One browser per test file, with a fresh profile; nothing it loads may leave
 * loopback (no QUIC, no background fetches, no component updates).
 */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab at 1440×900 (a laptop screen) that records console errors, CSP violations and failed requests. */
  page(): Promise<Page & { problems: string[] }>;
  /** Saves a screenshot (of the whole page unless `fullPage` is false) under test-artifacts/<folder>/<name>.png. */
  screenshot(page: Page, folder: string, name: string, fullPage?: boolean): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium; .ci/run does).`);
  const profile = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 900 },
    timezoneId: 'Europe/Paris',
    locale: 'en-GB',
  });
  return {
    context,
    async page() {
      const page = Object.assign(await context.newPage(), { problems: [] as string[] });
      // A failed request is reported once, with its URL (Chrome's console line for it names none).
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(m.text());
      });
      page.on('response', (r) => {
        if (r.status() >= 400) page.problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
      });
      page.on('pageerror', (e) => page.problems.push(e.message));
      return page;
    },
    async screenshot(page, folder, name, fullPage = true) {
      const dir = join(ARTIFACTS, folder);
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${name}.png`);
      await page.screenshot({ path, fullPage });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
