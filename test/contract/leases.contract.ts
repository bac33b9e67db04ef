import type { LeaseRequest } from '../../services/shared/src/rate-limit/entity';
import type { Store } from '../../services/shared/src/store/port';

const MINUTE = 60_000;
const start = Date.UTC(2030, 0, 1, 12, 0);
const lease = (over: Partial<LeaseRequest> = {}): LeaseRequest => ({
  limit_id: 'rpm',
  window_start: start,
  window_end: start + MINUTE,
  limit: 60,
  want: 10,
  ...over,
});

/** The rate limit lease port: whatever the callers and their interleaving, a window never hands out more than its limit. */
export function leasesContract(name: string, make: () => Promise<Store>): void {
  describe(`Store rate limit leases: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(() => store.close());

    it('grants what is asked until the limit, then the remainder, then nothing', async () => {
      const got = [];
      for (let i = 0; i < 8; i++) got.push(await store.leaseRateLimit(lease()));
      expect(got.map((g) => g.granted)).toEqual([10, 10, 10, 10, 10, 10, 0, 0]);
      expect(got.at(-1)!.total).toBe(60);
      expect((await store.leaseRateLimit(lease({ limit_id: 'rpm', limit: 65 }))).granted).toBe(5); // a raised limit grants the difference
    });

    it('never over-grants to concurrent callers (three instances asking at once)', async () => {
      const grants = await Promise.all(Array.from({ length: 30 }, () => store.leaseRateLimit(lease({ want: 7 }))));
      expect(grants.reduce((n, g) => n + g.granted, 0)).toBe(60);
    }, 30_000);

    it('keeps windows and limits apart', async () => {
      await store.leaseRateLimit(lease({ want: 60 }));
      expect((await store.leaseRateLimit(lease({ window_start: start + MINUTE, window_end: start + 2 * MINUTE }))).granted).toBe(10);
      expect((await store.leaseRateLimit(lease({ limit_id: 'other' }))).granted).toBe(10);
      expect((await store.leaseRateLimit(lease())).granted).toBe(0);
    });
  });
}
