import type { IncomingMessage } from 'node:http';
import { header } from './request-context';

/** The Cloud Trace span a request arrived in, as its log lines must name it to join the trace. */
export interface TraceContext {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits (Cloud Logging's `spanId` form). */
  spanId?: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/(\d{1,20}))?(?:;o=([01]))?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * W3C `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header), else Google's
 * `x-cloud-trace-context: TRACE/SPAN;o=1` (span in decimal; Google's front end adds it on Cloud Run).
 * Malformed values are ignored, as the W3C spec asks: the request simply starts no joined trace.
 */
export function traceContext(req: IncomingMessage): TraceContext | undefined {
  const tp = TRACEPARENT.exec(header(req, 'traceparent')?.trim() ?? '');
  if (tp && tp[1] !== 'ff' && tp[2] !== ZERO_TRACE && tp[3] !== ZERO_SPAN) {
    return { traceId: tp[2], spanId: tp[3], sampled: (Number.parseInt(tp[4], 16) & 1) === 1 };
  }
  const ct = CLOUD_TRACE.exec(header(req, 'x-cloud-trace-context')?.trim() ?? '');
  if (!ct || ct[1] === ZERO_TRACE) return undefined;
  const span = ct[2] === undefined ? undefined : BigInt(ct[2]);
  const spanId = span !== undefined && span > 0n && span < 2n ** 64n ? span.toString(16).padStart(16, '0') : undefined;
  return { traceId: ct[1].toLowerCase(), ...(spanId ? { spanId } : {}), sampled: ct[3] === '1' };
}
