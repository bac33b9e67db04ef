import type { GatewayError } from '../../../shared/src/errors';
import { RequestBody } from './request-body';
import type { InboundRequest, Repair } from './types';

/**
 * Thinking-signature safety (docs/design.md §6.3). A thinking block's `signature` is only valid with the
 * provider that produced it, so a conversation that moves to another provider (a fallback, a load
 * balancer, a config change — in this request or an earlier one of the session) is rejected with a
 * 400 such as Anthropic's "messages.1.content.0: Invalid `signature` in `thinking` block". The
 * gateway retries such a 400 once with the earlier turns' thinking blocks removed, which the API
 * accepts: thinking from previous turns is not needed to continue (it is stripped from context anyway).
 */

/** Whether an upstream 400 complains about a thinking block's signature. */
export function isThinkingSignatureError(err: GatewayError): boolean {
  return err.status === 400 && /signature/i.test(err.message) && /thinking/i.test(err.message);
}

type Block = { type?: unknown };
type Message = { role?: unknown; content?: unknown };

const isThinking = (b: unknown) => {
  const type = (b as Block | null)?.type;
  return type === 'thinking' || type === 'redacted_thinking';
};

/**
 * The body without the thinking blocks of its assistant turns, or undefined when it has none (a
 * retry would fail the same way). An assistant turn left empty is dropped (the API merges the
 * adjacent user turns). With `thinking` enabled, the API wants the last assistant turn of a tool
 * loop to start with a thinking block; once removed, that turn can only go with `thinking` off.
 */
export function withoutThinkingBlocks(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!Array.isArray(body.messages)) return undefined;
  let removed = false;
  const messages: unknown[] = [];
  for (const m of body.messages as Message[]) {
    if (m?.role === 'assistant' && Array.isArray(m.content) && m.content.some(isThinking)) {
      removed = true;
      const content = m.content.filter((b) => !isThinking(b));
      if (content.length) messages.push({ ...m, content });
      continue;
    }
    messages.push(m);
  }
  if (!removed) return undefined;
  const next: Record<string, unknown> = { ...body, messages };
  const last = [...messages].reverse().find((m) => (m as Message)?.role === 'assistant') as Message | undefined;
  const usesTools = Array.isArray(last?.content) && (last.content as Block[]).some((b) => b?.type === 'tool_use');
  if (next.thinking !== undefined && usesTools) delete next.thinking;
  return next;
}

/** Every provider's repair for a refused thinking signature: the request without earlier turns' thinking. */
export function withoutRefusedThinking(req: InboundRequest, err: GatewayError, done: ReadonlySet<string>): Repair | undefined {
  if (done.has('thinking-signature') || !isThinkingSignatureError(err)) return undefined;
  const body = withoutThinkingBlocks(req.body.json);
  return body && { name: 'thinking-signature', req: { ...req, body: RequestBody.of(body) } };
}
