import { randomBytes } from 'node:crypto';

/** What globalSetup found: an emulator's variable is set only when it answered on loopback. */
export function firestoreAvailable(): boolean {
  return Boolean(process.env.FIRESTORE_EMULATOR_HOST);
}

export function pubsubAvailable(): boolean {
  return Boolean(process.env.PUBSUB_EMULATOR_HOST);
}

/**
 * A project id no other test file uses: emulator data is isolated per project, and the Pub/Sub
 * emulator has no reset. Lowercase letters, digits and hyphens, like a real project id.
 */
export function uniqueProjectId(tag: string): string {
  const safeTag = tag.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `test-${process.env.JEST_WORKER_ID ?? '0'}-${Date.now()}-${safeTag}-${randomBytes(3).toString('hex')}`;
}

/** `describe` when `cond` holds, `describe.skip` otherwise (globalSetup already said why, loudly). */
export function describeIf(cond: boolean): jest.Describe {
  return cond ? describe : describe.skip;
}

/** Polls `check` until it stops throwing (or returns true), for effects that arrive asynchronously. */
export async function eventually(check: () => unknown | Promise<unknown>, timeoutMs = 5000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await check()) !== false) return;
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
