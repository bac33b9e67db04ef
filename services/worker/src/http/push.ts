import express, { Router } from 'express';
import { PUSH_PATHS } from '../../../shared/src/bus/topics';
import { decodeUsageEvent } from '../../../shared/src/usage-event';
import type { WorkerDeps } from '../deps';

interface PushBody {
  message?: { data?: string; messageId?: string; attributes?: Record<string, string> };
  subscription?: string;
}

/**
 * Pub/Sub push endpoint (docs/style.md §9). 2xx acks; anything else is a nack and Pub/Sub redelivers, so the
 * handler must be idempotent — the store applies each event id once. Malformed events are
 * dead-lettered and counted, never silently dropped.
 */
export function pushRoutes(deps: WorkerDeps): Router {
  const r = Router();
  r.post(PUSH_PATHS.usage, express.json({ limit: '10mb' }), async (req, res) => {
    if (deps.verifyPush) {
      try {
        await deps.verifyPush(req.headers.authorization);
      } catch (err) {
        deps.log.warn('rejected push: bad OIDC token', { err: (err as Error).message });
        res.status(401).json({ error: 'invalid push token' });
        return;
      }
    }
    const body = req.body as PushBody;
    const data = body?.message?.data;
    const event = data ? decodeUsageEvent(Buffer.from(data, 'base64').toString('utf8')) : undefined;
    if (!event) {
      await deps.deadLetter(data ?? JSON.stringify(body ?? null), 'malformed usage event');
      res.status(204).end();
      return;
    }
    let applied: boolean;
    try {
      applied = await deps.aggregator.apply(event);
    } catch {
      res.status(503).json({ error: 'usage commit failed; redeliver' }); // a nack (the aggregator logged why)
      return;
    }
    deps.log.debug('usage event applied', { eventId: event.event_id, duplicate: !applied });
    res.status(204).end();
  });
  return r;
}
