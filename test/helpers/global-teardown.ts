import { rmSync } from 'node:fs';
import { type EmulatorGlobals, killGroups } from './global-setup';

/** Jest globalTeardown: stops the emulators globalSetup started (whole process groups). */
export default async function globalTeardown(): Promise<void> {
  const pids = (globalThis as EmulatorGlobals).__GATEHOUSE_EMULATOR_PIDS__ ?? [];
  killGroups(pids, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  killGroups(pids.filter(alive), 'SIGKILL');
  pids.length = 0; // nothing left for the exit hook to signal
  for (const log of (globalThis as EmulatorGlobals).__GATEHOUSE_EMULATOR_LOGS__ ?? []) rmSync(log, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
