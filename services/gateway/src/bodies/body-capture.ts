import type { ServerResponse } from 'node:http';
import type { Logger } from '../../../shared/src/log';
import type { BodyStore, CapturedBody } from './body-store';

export interface BodyCapture {
  store: BodyStore;
  /**
   * Copies the request body and everything written to `res` (up to the limit each), and stores both
   * once the response is over, off the request path. False when too many captures are still being
   * written: this request goes uncaptured rather than holding more memory. `request.body` is read
   * when the response is over, so a caller may replace it meanwhile (with a redacted body).
   */
  capture(requestId: string, request: { contentType?: string; body: Buffer }, res: ServerResponse): boolean;
  /** Waits for the writes in progress (shutdown, tests). */
  idle(): Promise<void>;
}

export interface BodyCaptureOptions {
  /** Each body is cut at this many bytes. */
  maxBytes: number;
  /** Captures being written at once, at most. */
  maxPending?: number;
}

export function createBodyCapture(store: BodyStore, log: Logger, opts: BodyCaptureOptions): BodyCapture {
  const maxPending = opts.maxPending ?? 256;
  const pending = new Set<Promise<void>>();
  const cut = (chunks: Buffer[], size: number, contentType: string): CapturedBody => {
    const all = Buffer.concat(chunks);
    return { content_type: contentType, text: all.subarray(0, opts.maxBytes).toString('utf8'), truncated: size > opts.maxBytes };
  };
  return {
    store,
    capture(requestId, request, res) {
      if (pending.size >= maxPending) {
        log.warn('body capture skipped: too many captures still being written', { requestId, pending: pending.size });
        return false;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const tee = (chunk: unknown, encoding?: unknown) => {
        if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
        if (size < opts.maxBytes) chunks.push(buf.subarray(0, opts.maxBytes - size));
        size += buf.length;
      };
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.write = ((chunk: unknown, ...rest: unknown[]) => {
        tee(chunk, rest[0]);
        return write(chunk, ...rest);
      }) as ServerResponse['write'];
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        tee(chunk, rest[0]);
        return end(chunk, ...rest);
      }) as ServerResponse['end'];
      res.once('close', () => {
        const requestBody = cut([request.body], request.body.length, request.contentType ?? 'application/json');
        const responseBody = cut(chunks, size, String(res.getHeader('content-type') ?? 'application/octet-stream'));
        const done = Promise.all([store.put(requestId, 'request', requestBody), store.put(requestId, 'response', responseBody)]).then(
          () => undefined,
          (err: unknown) => log.error('body capture failed; the request log shows no bodies for it', { requestId, err: String(err) }),
        );
        pending.add(done);
        void done.finally(() => pending.delete(done));
      });
      return true;
    },
    async idle() {
      await Promise.all([...pending]);
    },
  };
}
