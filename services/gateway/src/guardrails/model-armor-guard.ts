import { GatewayError } from '../../../shared/src/errors';
import type { CompiledGuardrail } from './compile';
import type { ModelArmor } from './model-armor';
import type { TextSite } from './text-sites';
import { denial, type Verdict, verdict } from './verdict';

/**
 * The Model Armor checks of a request's guardrails (docs/model-armor.md), over the same text the
 * built-in detectors scan, joined into one: the prompt (`input`, sanitizeUserPrompt) or a whole answer
 * (`output`, sanitizeModelResponse). Each matching filter is a verdict with the guardrail's action
 * (`model_armor:pi_and_jailbreak`, `model_armor:sdp`, …). A call that fails or times out refuses the
 * request (503) unless the check has `fail_open`, which records a `model_armor:unavailable` flag
 * instead. Guardrails without Model Armor checks cost one array length read each.
 */
export async function modelArmorGuard(
  guards: readonly CompiledGuardrail[],
  where: 'input' | 'output',
  sites: () => TextSite[],
  armor: ModelArmor,
): Promise<{ verdicts: Verdict[]; denied?: GatewayError }> {
  const checks = guards.flatMap((g) => g.modelArmor.map((c) => ({ g, c })));
  if (!checks.length) return { verdicts: [] };
  const text = sites()
    .map((s) => s.text)
    .join('\n\n');
  const location = where === 'input' ? 'messages' : 'content';
  const kind = where === 'input' ? 'prompt' : 'response';
  const results = await Promise.all(
    checks.map(({ g, c }) =>
      armor.sanitize(c.template, kind, text, c.timeoutMs).then(
        (filters) => filters.map((f) => verdict(g, location, `model_armor:${f}`, where)),
        (err: unknown) => {
          if (c.failOpen) return [{ ...verdict(g, location, 'model_armor:unavailable', where), action: 'flag' as const }];
          throw new GatewayError(
            'api_error',
            `Guardrail "${g.id}" could not get an answer from Model Armor, so the ${where === 'input' ? 'request was not sent' : 'answer was withheld'}; try again.`,
            {
              status: 503,
              retryable: false,
              cause: err,
            },
          );
        },
      ),
    ),
  );
  const verdicts = results.flat();
  return verdicts.some((v) => v.action === 'deny') ? { verdicts, denied: denial(where === 'input' ? 'Input' : 'Output', verdicts) } : { verdicts };
}
