import {
  backoffMs,
  DEFAULT_RETRY_STATUS_CODES,
  nextRetryDelay,
  retryAfterMs,
  retryDelayMs,
  shouldRetry,
  withinRetryBudget,
  type RetryDecisionInput,
} from '../../services/gateway/src/routing/retry';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const top = () => 0.999999; // the top of each jitter window
const mid = () => 0.5;

describe('backoff schedule (full jitter, base 250 ms, cap 30 s)', () => {
  it.each<[string, () => number, number[]]>([
    ['the ceiling doubles from 250 ms and stops at 30 s', top, [249, 499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]],
    ['a draw of 0.5 waits half the ceiling', mid, [125, 250, 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]],
    ['a draw of 0 retries at once', () => 0, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
  ])('%s', (_name, random, want) => {
    expect(want.map((_, attempt) => retryDelayMs(attempt, { random, now: NOW, useRetryAfter: false }))).toEqual(want);
  });

  it.each<[string, number, number, number | undefined, number]>([
    ['a lower cap', 5, 0.999999, 1000, 999],
    ['a negative attempt counts as the first', -3, 0.999999, undefined, 249],
    ['a huge attempt does not overflow', 1e9, 0.999999, undefined, 29999],
  ])('%s', (_name, attempt, u, maxDelayMs, want) => {
    expect(retryDelayMs(attempt, { random: () => u, now: NOW, useRetryAfter: false, maxDelayMs })).toBe(want);
  });

  it('backoffMs takes its own base', () => {
    expect(backoffMs(2, top, 100)).toBe(399);
  });
});

describe('retry-after hints', () => {
  it.each<[string, { retryAfterHeader?: string; retryAfterMsHeader?: string; retryAfterSeconds?: number; now?: number }, number | undefined]>([
    ['retry-after in seconds', { retryAfterHeader: '7' }, 7000],
    ['retry-after in fractional seconds', { retryAfterHeader: '1.5' }, 1500],
    ['retry-after 0', { retryAfterHeader: '0' }, 0],
    ['retry-after-ms', { retryAfterMsHeader: '1234' }, 1234],
    ['retry-after-ms wins over retry-after', { retryAfterMsHeader: '200', retryAfterHeader: '9' }, 200],
    ['retry-after as an HTTP date', { retryAfterHeader: 'Sun, 01 Mar 2026 12:00:12 GMT', now: NOW }, 12000],
    ['an HTTP date in the past', { retryAfterHeader: 'Sun, 01 Mar 2026 11:59:00 GMT', now: NOW }, 0],
    ['an HTTP date without a clock is ignored', { retryAfterHeader: 'Sun, 01 Mar 2026 12:00:12 GMT' }, undefined],
    ['a parsed retryAfterSeconds', { retryAfterSeconds: 3 }, 3000],
    ['headers win over a parsed value', { retryAfterHeader: '2', retryAfterSeconds: 3 }, 2000],
    ['garbage is ignored', { retryAfterHeader: 'soon', retryAfterMsHeader: '-5', now: NOW }, undefined],
    ['a bare number is seconds, never a year', { retryAfterHeader: '2026', now: NOW }, 2026000],
    ['nothing', {}, undefined],
  ])('%s', (_name, hint, want) => {
    expect(retryAfterMs(hint)).toBe(want);
  });

  it.each<[string, boolean, { retryAfterHeader?: string; retryAfterMsHeader?: string }, number]>([
    ['honoured when use_retry_after_header', true, { retryAfterHeader: '4' }, 4000],
    ['ignored otherwise (Portkey default)', false, { retryAfterHeader: '4' }, 125],
    ['capped at 30 s', true, { retryAfterHeader: '120' }, 30000],
    ['retry-after-ms capped too', true, { retryAfterMsHeader: '45000' }, 30000],
    ['no hint: backoff', true, {}, 125],
  ])('retryDelayMs: %s', (_name, useRetryAfter, hint, want) => {
    expect(retryDelayMs(0, { random: mid, now: NOW, useRetryAfter, ...hint })).toBe(want);
  });
});

describe('shouldRetry', () => {
  it.each<[number, readonly number[] | undefined, boolean]>([
    [429, undefined, true],
    [500, undefined, true],
    [504, undefined, true],
    [529, undefined, false],
    [400, undefined, false],
    [529, [529], true],
    [429, [], false],
  ])('status %d with codes %j → %s', (status, codes, want) => {
    expect(shouldRetry(status, codes)).toBe(want);
  });

  it('the default codes are Portkey’s', () => {
    expect(DEFAULT_RETRY_STATUS_CODES).toEqual([429, 500, 502, 503, 504]);
  });
});

describe('retry budget', () => {
  it.each<[number, number, number | undefined, boolean]>([
    [0, 60_000, undefined, true],
    [59_000, 1_000, undefined, true],
    [59_000, 1_001, undefined, false],
    [1_000, 1_000, 1_500, false],
  ])('waited %d + next %d within %s → %s', (waited, next, max, want) => {
    expect(withinRetryBudget(waited, next, max)).toBe(want);
  });
});

describe('nextRetryDelay: the whole decision', () => {
  const base: RetryDecisionInput = {
    attempt: 0,
    status: 429,
    retry: { attempts: 3, on_status_codes: [429, 500], use_retry_after_header: true },
    waitedMs: 0,
    random: mid,
    now: NOW,
  };

  it.each<[string, Partial<RetryDecisionInput>, number | undefined]>([
    ['first retry: backoff', {}, 125],
    ['third retry: backoff grows', { attempt: 2 }, 500],
    ['attempts used up', { attempt: 3 }, undefined],
    ['status not listed', { status: 503 }, undefined],
    ['a 2xx is never retried', { status: 200 }, undefined],
    ['no retries configured', { retry: { attempts: 0, on_status_codes: [429], use_retry_after_header: false } }, undefined],
    ['the server’s retry-after', { retryAfterHeader: '2' }, 2000],
    ['retry-after as a date', { retryAfterHeader: 'Sun, 01 Mar 2026 12:00:05 GMT' }, 5000],
    ['a retry-after above 30 s skips the retry (Portkey)', { retryAfterHeader: '31' }, undefined],
    [
      'retry-after ignored without use_retry_after_header',
      { retryAfterHeader: '31', retry: { attempts: 3, on_status_codes: [429], use_retry_after_header: false } },
      125,
    ],
    ['a wait that would pass the 60 s total', { waitedMs: 59_000, retryAfterHeader: '2' }, undefined],
    ['a wait that fits the rest of the budget', { waitedMs: 58_000, retryAfterHeader: '2' }, 2000],
    ['a smaller total budget', { maxTotalWaitMs: 100 }, undefined],
  ])('%s', (_name, over, want) => {
    expect(nextRetryDelay({ ...base, ...over })).toBe(want);
  });

  it('a full schedule for attempts: 3 stays within the caps', () => {
    let waited = 0;
    const delays: number[] = [];
    for (let attempt = 0; ; attempt++) {
      const d = nextRetryDelay({ ...base, attempt, waitedMs: waited, random: top });
      if (d === undefined) break;
      delays.push(d);
      waited += d;
    }
    expect(delays).toEqual([249, 499, 999]);
  });
});
