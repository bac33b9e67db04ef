import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGuardrail } from '../../services/gateway/src/guardrails/compile';
import { parseGuardrailSpec } from '../../services/gateway/src/guardrails/definition';
import { guardInput } from '../../services/gateway/src/guardrails/input-guard';
import { RequestBody } from '../../services/gateway/src/providers/request-body';
import { parseConfig } from '../../services/gateway/src/routing/config-schema';
import { guardedClaudeCodeBody } from '../helpers/guarded-body';

function guardrail(spec: unknown, id = 'g') {
  const parsed = parseGuardrailSpec(spec);
  if (!parsed.spec) throw new Error(JSON.stringify(parsed.issues));
  return compileGuardrail(parsed.spec, id);
}

const KEY = 'test-redaction-key-0123456789';
const { raw, secret, thinkingRaw } = guardedClaudeCodeBody();
const request = (bytes = raw, metadata = {}) => ({ body: RequestBody.parse(bytes), size: bytes.length, metadata });

describe('input guardrails on a Claude Code request', () => {
  it('redact replaces the tool_result secret and changes no other byte; the signed thinking block stays byte-identical', () => {
    const out = guardInput([guardrail({ action: 'redact', checks: ['secrets'] })], request(), KEY);
    const bytes = out.body.bytes().toString('utf8');
    const original = raw.toString('utf8');
    const placeholder = /\[REDACTED:aws_access_key_id:[0-9a-f]{8}\]/.exec(bytes)![0];
    // Exactly the matched bytes changed: the secret's first occurrence after the thinking block.
    const at = original.indexOf(`AWS_ACCESS_KEY_ID=${secret}`) + 'AWS_ACCESS_KEY_ID='.length;
    expect(bytes).toBe(original.slice(0, at) + placeholder + original.slice(at + secret.length));
    expect(bytes).toContain(thinkingRaw);
    expect(bytes).toContain('"signature":"EqQBCkYIBxgCKkBsig/nature+with/slashes=="');
    expect(out.verdicts).toEqual([{ id: 'g', action: 'redact', location: 'input:messages[3].content[0].content', detector: 'aws_access_key_id' }]);
    expect(JSON.stringify(out.verdicts)).not.toContain(secret);
  });

  it('gives the same secret the same placeholder in every request (a session keeps its prompt cache)', () => {
    const g = [guardrail({ action: 'redact', checks: ['aws_access_key_id'] })];
    const a = guardInput(g, request(), KEY).body.bytes();
    const b = guardInput(g, request(), KEY).body.bytes();
    expect(a.equals(b)).toBe(true);
    expect(guardInput(g, request(), 'another-key-0123456789abc').body.bytes().equals(a)).toBe(false);
  });

  it('deny names the guardrail, the detector and where it matched, never the text', () => {
    const out = guardInput([guardrail({ id: 'no-secrets', action: 'deny', checks: ['secrets'] }, 'no-secrets')], request(), KEY);
    expect(out.denied?.status).toBe(400);
    expect(out.denied?.message).toBe(
      'Input guardrail "no-secrets" denied the request: aws_access_key_id in messages[3].content[0].content. The matched text is not repeated here.',
    );
    expect(out.denied?.message).not.toContain(secret);
  });

  it('flag records and sends the client bytes unchanged', () => {
    const out = guardInput([guardrail({ action: 'flag', checks: ['secrets', 'pii'] })], request(), KEY);
    expect(out.body.bytes()).toBe(raw);
    expect(out.verdicts.map((v) => v.detector)).toContain('aws_access_key_id');
  });

  it('finds nothing in the same request without the secret (no false positive on a Claude Code body)', () => {
    const clean = Buffer.from(raw.toString('utf8').split(secret).join('nothing-here'));
    const out = guardInput([guardrail({ action: 'deny', checks: ['secrets', 'pii'] })], request(clean), KEY);
    expect(out.verdicts).toEqual([]);
  });

  it('required metadata keys and a maximum input size are request-level checks', () => {
    const out = guardInput(
      [
        guardrail({
          action: 'deny',
          checks: [
            { type: 'required_metadata', keys: ['team'] },
            { type: 'max_input_size', bytes: 1000 },
          ],
        }),
      ],
      request(raw, { user: 'a' }),
      KEY,
    );
    expect(out.verdicts.map((v) => `${v.detector}@${v.location}`)).toEqual(['required_metadata:team@input:metadata', 'max_input_size@input:body']);
    expect(out.denied).toBeDefined();
  });

  it('word and RE2 regex deny lists honour their allow lists', () => {
    const body = Buffer.from(
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Project Falcon ships; falconry is fine; ticket ACME-1234 and ACME-0000' }] }),
    );
    const out = guardInput(
      [
        guardrail({
          action: 'redact',
          checks: [
            { type: 'words', words: ['project falcon'] },
            { type: 'regex', patterns: ['ACME-\\d{4}'], allow: ['ACME-0000'] },
          ],
        }),
      ],
      request(body),
      KEY,
    );
    const text = (out.body.json.messages as any)[0].content as string;
    expect(text).toMatch(/^\[REDACTED:words:[0-9a-f]{8}\] ships; falconry is fine; ticket \[REDACTED:regex:[0-9a-f]{8}\] and ACME-0000$/);
  });
});

describe('guardrail definitions', () => {
  it.each<[string, unknown, unknown]>([
    [
      'Portkey deny words',
      { 'default.contains': { operator: 'none', words: ['x'] }, deny: true },
      { action: 'deny', checks: [{ type: 'words', words: ['x'] }] },
    ],
    [
      'Portkey regex, not denying: flag',
      { 'default.regexMatch': { rule: 'a+' }, deny: false },
      { action: 'flag', checks: [{ type: 'regex', patterns: ['a+'] }] },
    ],
    ['Portkey PII with redact', { 'portkey.pii': { redact: true } }, { action: 'redact', checks: ['pii'] }],
    [
      'Portkey required metadata',
      { 'default.requiredMetadataKeys': { metadataKeys: ['team'] }, deny: true },
      { action: 'deny', checks: [{ type: 'required_metadata', keys: ['team'] }] },
    ],
    [
      'a Gatehouse detector via its plugin name',
      { 'gatehouse.email': { allow: ['a@b.co'] }, deny: true },
      { action: 'deny', checks: [{ type: 'email', allow: ['a@b.co'] }] },
    ],
  ])('accepts %s', (_name, input, want) => {
    expect(parseGuardrailSpec(input).spec).toEqual(want);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown detector', { checks: ['passports'] }, /unknown detector "passports"/],
    ['an unsupported Portkey check', { 'aporia.validateProject': {}, deny: true }, /not supported by Gatehouse/],
    ['a "contains any" check', { 'default.contains': { operator: 'any', words: ['x'] } }, /operator "any" is not supported/],
    ['redacting a metadata check', { action: 'redact', checks: [{ type: 'required_metadata', keys: ['a'] }] }, /nothing to redact/],
    ['an invalid RE2 pattern', { checks: [{ type: 'regex', patterns: ['(?<=a)b'] }] }, /RE2/],
  ])('refuses %s', (_name, input, message) => {
    const r = parseGuardrailSpec(input);
    expect(r.spec).toBeUndefined();
    expect(r.issues.map((i) => i.message).join('\n')).toMatch(message);
  });
});

describe('the README', () => {
  it('has guardrail config examples that parse as written', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Guardrails'), readme.indexOf('## Outages'));
    const block = /```jsonc\n([\s\S]*?)```/.exec(section)![1];
    const configs = block.split('\n').filter((l) => l.startsWith('{'));
    expect(configs).toHaveLength(6);
    for (const c of configs) expect(parseConfig(c)).toMatchObject({ ok: true });
  });
});
