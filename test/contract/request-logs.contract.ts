import { type RequestLog, requestLogOf } from '../../services/shared/src/request-log';
import type { LogSearch } from '../../services/shared/src/store/log-search';
import type { Store } from '../../services/shared/src/store/port';
import type { UsageEvent } from '../../services/shared/src/usage-event';
import { usageEventFixture } from '../helpers/usage-event';

const RETENTION_MS = 30 * 86_400_000;

export function logAt(timestamp: string, request_id: string, over: Partial<UsageEvent> = {}): RequestLog {
  return requestLogOf(usageEventFixture({ timestamp, request_id, ...over }), RETENTION_MS);
}

/** Newest first, ties by request id: the order the port promises, computed here from the logs alone. */
const ordered = (logs: RequestLog[]) =>
  [...logs].sort((a, b) => (a.timestamp !== b.timestamp ? (a.timestamp < b.timestamp ? 1 : -1) : a.id < b.id ? -1 : 1)).map((l) => l.id);

const WEEK = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-07T23:59:59.999Z' };

/**
 * Request log storage, whatever its layout (the Firestore adapter keeps logs by 6 hours, with links
 * for request ids, traces and sessions): searches across days, pages across a day's edge, and the
 * trace, session and id lookups. The clock of a memory store must sit in November 2026.
 */
export function requestLogsContract(name: string, make: () => Promise<Store>): void {
  describe(`request log storage: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(() => store.close());

    const write = (logs: RequestLog[]) => store.applyCounted(logs.map((log, i) => ({ event_id: `e-${log.id}-${i}`, deltas: [], log })));

    /** Every page of a search, `limit` at a time, each after the last log of the one before. */
    async function pages(q: Omit<LogSearch, 'limit'>, limit: number): Promise<string[][]> {
      const out: string[][] = [];
      for (let after: LogSearch['after']; ; ) {
        const page = await store.requestLogs.search({ ...q, ...(after ? { after } : {}), limit });
        if (!page.length) return out;
        out.push(page.map((l) => l.id));
        const last = page.at(-1)!;
        after = { timestamp: last.timestamp, id: last.id };
      }
    }

    it('pages across the edge of a day (and a partition) with no repeats or gaps, ties included', async () => {
      const logs = [
        logAt('2026-11-02T23:59:59.999Z', 'req-b'),
        logAt('2026-11-02T23:59:59.999Z', 'req-a'),
        logAt('2026-11-02T23:59:59.999Z', 'req-c'),
        logAt('2026-11-03T00:00:00.000Z', 'req-e'),
        logAt('2026-11-03T00:00:00.000Z', 'req-d'),
        logAt('2026-11-02T00:00:00.000Z', 'req-f'),
        logAt('2026-11-05T12:00:00.000Z', 'req-g'),
      ];
      await write(logs);
      for (const limit of [1, 2, 3, 100]) {
        const seen = await pages({ equal: {}, ...WEEK }, limit);
        expect(seen.flat()).toEqual(ordered(logs));
        expect(seen.every((p) => p.length <= limit)).toBe(true);
      }
      // A long range (past what the Firestore adapter reads day by day) finds the same.
      const year = await store.requestLogs.search({ equal: {}, from: '2026-01-01T00:00:00.000Z', to: '2026-12-31T23:59:59.999Z', limit: 100 });
      expect(year.map((l) => l.id)).toEqual(ordered(logs));
      // Both bounds are inclusive, to the millisecond.
      const edge = await store.requestLogs.search({ equal: {}, from: '2026-11-02T23:59:59.999Z', to: '2026-11-03T00:00:00.000Z', limit: 10 });
      expect(edge.map((l) => l.id)).toEqual(['req-d', 'req-e', 'req-a', 'req-b', 'req-c']);
      const none = await store.requestLogs.search({ equal: {}, from: '2026-11-04T00:00:00.000Z', to: '2026-11-05T11:59:59.999Z', limit: 10 });
      expect(none).toEqual([]);
    });

    it("finds a trace's and a session's logs across days, with other filters and by page", async () => {
      const logs = Array.from({ length: 12 }, (_, i) =>
        logAt(new Date(Date.parse('2026-11-02T20:00:00.000Z') + i * 3 * 3_600_000).toISOString(), `req-${String(i).padStart(2, '0')}`, {
          trace_id: i % 2 === 0 ? 'trace-even' : 'trace-odd',
          session_id: i % 3 === 0 ? 'session-x' : 'session-y',
          key_id: i < 6 ? 'key-early' : 'key-late',
        }),
      );
      await write(logs);
      const find = async (equal: LogSearch['equal'], range = WEEK) => (await store.requestLogs.search({ equal, ...range, limit: 100 })).map((l) => l.id);
      expect(await find({ trace_id: 'trace-even' })).toEqual(ordered(logs.filter((l) => l.trace_id === 'trace-even')));
      expect(await find({ session_id: 'session-x' })).toEqual(ordered(logs.filter((l) => l.session_id === 'session-x')));
      expect(await find({ trace_id: 'trace-even', session_id: 'session-x' })).toEqual(
        ordered(logs.filter((l) => l.trace_id === 'trace-even' && l.session_id === 'session-x')),
      );
      expect(await find({ trace_id: 'trace-odd', key_id: 'key-late' })).toEqual(
        ordered(logs.filter((l) => l.trace_id === 'trace-odd' && l.key_id === 'key-late')),
      );
      const day = { from: '2026-11-03T00:00:00.000Z', to: '2026-11-03T23:59:59.999Z' };
      expect(await find({ trace_id: 'trace-odd' }, day)).toEqual(
        ordered(logs.filter((l) => l.trace_id === 'trace-odd' && l.timestamp.startsWith('2026-11-03'))),
      );
      expect(await find({ trace_id: 'no-such-trace' })).toEqual([]);
      expect((await pages({ equal: { trace_id: 'trace-even' }, ...WEEK }, 2)).flat()).toEqual(ordered(logs.filter((l) => l.trace_id === 'trace-even')));
    });

    it('finds every log of a busy trace, past what one link names', async () => {
      // 260 logs with one trace id (a client that sends the same trace with every request), over two days.
      const logs = Array.from({ length: 260 }, (_, i) =>
        logAt(new Date(Date.parse('2026-11-03T22:00:00.000Z') + i * 60_000).toISOString(), `req-${String(i).padStart(3, '0')}`, {
          trace_id: 'trace-busy',
          status: i % 5 === 0 ? 529 : 200,
        }),
      );
      for (let i = 0; i < logs.length; i += 50) await write(logs.slice(i, i + 50));
      const all = await store.requestLogs.search({ equal: { trace_id: 'trace-busy' }, ...WEEK, limit: 1000 });
      expect(all.map((l) => l.id)).toEqual(ordered(logs));
      expect((await pages({ equal: { trace_id: 'trace-busy', status: 529 }, ...WEEK }, 20)).flat()).toEqual(ordered(logs.filter((l) => l.status === 529)));
    });

    it('gets a log by its request id, and nothing for an id never logged', async () => {
      const log = logAt('2026-11-04T08:30:00.000Z', 'req_gth_0b6f1c2e-4f7a-4a51-9d1e-1f2d3c4b5a69', { metadata: { team: 'web' } });
      await write([log, logAt('2026-11-04T08:30:00.000Z', 'req-other')]);
      expect(await store.requestLogs.get(log.id)).toEqual(log);
      expect(await store.requestLogs.get('req_gth_never')).toBeUndefined();
    });
  });
}
