import { EventEmitter } from 'node:events';

/**
 * An abort signal in the form undici also accepts: an emitter with `aborted` and an `abort` event.
 * The gateway makes one per request (the client going away) and one per upstream attempt (that, or
 * the attempt's timeout); an AbortController costs tens of microseconds each on Node 20, and the
 * EventTarget listeners on it more, on every request's critical path.
 */
export class AbortEmitter extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }

  /** Resolves after `ms`, or as soon as this is aborted. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.once('abort', done);
      if (this.aborted) done();
    });
  }
}
