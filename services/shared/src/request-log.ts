import { z } from 'zod';
import { UsageEvent } from './usage-event';

/**
 * One request as the logs show it: the usage event under its request id, without bodies. Written by
 * the worker (never on the request path), kept `GATEHOUSE_LOG_RETENTION_DAYS` (TTL on `expires_at`).
 */
export const RequestLog = UsageEvent.omit({ version: true, request_id: true }).extend({
  /** The request id (`x-gatehouse-request-id`): the log's id. */
  id: z.string(),
  cost_usd: z.number(),
  list_cost_micros: z.number().int(),
  priced: z.boolean(),
  expires_at: z.string().describe('when the log is deleted (ISO, UTC)'),
});
export type RequestLog = z.infer<typeof RequestLog>;

/** How long request logs are kept unless GATEHOUSE_LOG_RETENTION_DAYS says otherwise. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** The log of one usage event. Pure: `retentionMs` after the request started it expires. */
export function requestLogOf(e: UsageEvent, retentionMs: number): RequestLog {
  const { version: _version, request_id, ...rest } = e;
  return {
    ...rest,
    id: request_id,
    cost_usd: e.cost_micros / 1e6,
    list_cost_micros: e.list_cost_micros ?? e.cost_micros,
    priced: e.priced ?? true,
    expires_at: new Date(Date.parse(e.timestamp) + retentionMs).toISOString(),
  };
}
