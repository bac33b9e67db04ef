import {
  BreakerRegistry,
  canAttempt,
  CLOSED,
  countsAgainstUpstream,
  nextState,
  type BreakerEvent,
  type BreakerState,
} from '../../services/gateway/src/routing/breaker';
import { GatewayError } from '../../services/shared/src/errors';

const OPTS = { failureThreshold: 5, openMs: 30_000 };

describe('nextState', () => {
  it.each<[string, BreakerState, BreakerEvent, number, BreakerState]>([
    ['a failure counts', CLOSED, 'failure', 0, { status: 'closed', failures: 1 }],
    ['the 4th failure still closed', { status: 'closed', failures: 3 }, 'failure', 0, { status: 'closed', failures: 4 }],
    ['the 5th consecutive failure opens for 30 s', { status: 'closed', failures: 4 }, 'failure', 1000, { status: 'open', until: 31_000 }],
    ['a success resets the count', { status: 'closed', failures: 4 }, 'success', 0, CLOSED],
    ['an attempt on a closed breaker changes nothing', { status: 'closed', failures: 2 }, 'attempt', 0, { status: 'closed', failures: 2 }],
    ['an attempt while open changes nothing', { status: 'open', until: 31_000 }, 'attempt', 30_999, { status: 'open', until: 31_000 }],
    ['an attempt after the window starts the half-open probe', { status: 'open', until: 31_000 }, 'attempt', 31_000, { status: 'half-open', since: 31_000 }],
    ['the probe succeeds: closed', { status: 'half-open', since: 31_000 }, 'success', 31_500, CLOSED],
    ['the probe fails: open again for 30 s', { status: 'half-open', since: 31_000 }, 'failure', 31_500, { status: 'open', until: 61_500 }],
    [
      'a second attempt while the probe is out changes nothing',
      { status: 'half-open', since: 31_000 },
      'attempt',
      40_000,
      { status: 'half-open', since: 31_000 },
    ],
    ['a probe that never reported is replaced after 30 s', { status: 'half-open', since: 31_000 }, 'attempt', 61_000, { status: 'half-open', since: 61_000 }],
    ['a late failure while open keeps the window', { status: 'open', until: 31_000 }, 'failure', 5_000, { status: 'open', until: 31_000 }],
    ['a late success while open closes it', { status: 'open', until: 31_000 }, 'success', 5_000, CLOSED],
  ])('%s', (_name, state, event, now, want) => {
    expect(nextState(state, event, now, OPTS)).toEqual(want);
  });

  it('honours a custom threshold', () => {
    expect(nextState(CLOSED, 'failure', 0, { failureThreshold: 1, openMs: 10 })).toEqual({ status: 'open', until: 10 });
  });
});

describe('canAttempt', () => {
  it.each<[string, BreakerState, number, boolean]>([
    ['closed', { status: 'closed', failures: 4 }, 0, true],
    ['open inside the window', { status: 'open', until: 31_000 }, 30_999, false],
    ['open past the window admits a probe', { status: 'open', until: 31_000 }, 31_000, true],
    ['half-open with the probe out', { status: 'half-open', since: 31_000 }, 45_000, false],
    ['half-open with a lost probe', { status: 'half-open', since: 31_000 }, 61_000, true],
  ])('%s', (_name, state, now, want) => {
    expect(canAttempt(state, now, OPTS)).toBe(want);
  });
});

describe('BreakerRegistry', () => {
  function registry() {
    const clock = { t: 0 };
    return { clock, breakers: new BreakerRegistry({ now: () => clock.t }) };
  }

  it('opens after 5 consecutive failures, probes once after 30 s, and closes on success', () => {
    const { clock, breakers } = registry();
    for (let i = 0; i < 4; i++) breakers.record('vertex', 'failure');
    expect(breakers.isOpen('vertex')).toBe(false);
    breakers.record('vertex', 'failure');
    expect(breakers.isOpen('vertex')).toBe(true);
    expect(breakers.begin('vertex')).toBe(false);
    clock.t = 30_000;
    expect(breakers.isOpen('vertex')).toBe(false);
    expect(breakers.begin('vertex')).toBe(true); // the probe
    expect(breakers.begin('vertex')).toBe(false); // only one
    expect(breakers.isOpen('vertex')).toBe(true);
    breakers.record('vertex', 'success');
    expect(breakers.state('vertex')).toEqual(CLOSED);
    expect(breakers.begin('vertex')).toBe(true);
  });

  it('a failed probe opens it again', () => {
    const { clock, breakers } = registry();
    for (let i = 0; i < 5; i++) breakers.record('b', 'failure');
    clock.t = 30_000;
    breakers.begin('b');
    clock.t = 30_100;
    expect(breakers.record('b', 'failure')).toEqual({ status: 'open', until: 60_100 });
    expect(breakers.canAttempt('b')).toBe(false);
  });

  it('keeps targets apart, and successes in between reset the streak', () => {
    const { breakers } = registry();
    for (let i = 0; i < 4; i++) breakers.record('a', 'failure');
    breakers.record('a', 'success');
    for (let i = 0; i < 4; i++) breakers.record('a', 'failure');
    for (let i = 0; i < 5; i++) breakers.record('b', 'failure');
    expect([breakers.isOpen('a'), breakers.isOpen('b'), breakers.isOpen('c')]).toEqual([false, true, false]);
  });

  it('accepts the caller’s clock per call and custom options', () => {
    const breakers = new BreakerRegistry({ failureThreshold: 2, openMs: 100 });
    breakers.record('a', 'failure', 1000);
    breakers.record('a', 'failure', 1000);
    expect(breakers.canAttempt('a', 1099)).toBe(false);
    expect(breakers.canAttempt('a', 1100)).toBe(true);
  });

  it('isOpen works unbound, as planAttempts calls it', () => {
    const { breakers } = registry();
    const { isOpen } = breakers;
    for (let i = 0; i < 5; i++) breakers.record('x', 'failure');
    expect(isOpen('x')).toBe(true);
  });
});

describe('countsAgainstUpstream: only what says something about the upstream opens a shared breaker', () => {
  const FLOOR = 600_000;
  const err = (retryable: boolean, timedOutAfterMs?: number) =>
    new GatewayError(retryable ? 'api_error' : 'invalid_request_error', 'x', { retryable, timedOutAfterMs });
  it.each([
    ['an upstream 5xx / 529 / connection failure', err(true), true],
    ['a 4xx about the request', err(false), false],
    ['the client going away (499, not retryable)', new GatewayError('invalid_request_error', 'Client closed the request.', { status: 499 }), false],
    ["a client's own request_timeout below the floor", err(true, 1000), false],
    ["a timeout at the floor (the operator's UPSTREAM_TIMEOUT_MS)", err(true, FLOOR), true],
  ])('%s: %s', (_name, error, want) => {
    expect(countsAgainstUpstream(error, FLOOR)).toBe(want);
  });
});
