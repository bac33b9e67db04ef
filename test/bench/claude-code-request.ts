import { seededRandom } from '../helpers/random';
/**
 * A Claude-Code-shaped `POST /v1/messages` for the bench: the shape Claude Code 2.1.x sends
 * (three system blocks with cache_control on the last two, a dozen tools whose JSON schemas are most
 * of the bytes, a `role: "system"` message after the first user turn, tool_use / tool_result history,
 * adaptive thinking, context_management, output_config), padded with a file read in the history to
 * the size asked for. Deterministic: the same size always gives the same bytes (the cache case needs
 * identical bodies).
 */

const WORDS = (
  'the agent reads files and runs commands in the working directory before it edits code so that every change ' +
  'is grounded in what exists already prefer small focused edits keep tests green report what was verified and ' +
  'what was not never guess a path when a search can find it use absolute paths quote arguments with spaces ' +
  'when a command fails read the error and fix the cause rather than retrying blindly the user sees descriptions ' +
  'not raw commands so describe each action plainly include line numbers when quoting code and keep answers short'
).split(' ');

function prose(rand: () => number, chars: number): string {
  const out: string[] = [];
  let len = 0;
  let sentence = 0;
  while (len < chars) {
    let w = WORDS[Math.floor(rand() * WORDS.length)];
    if (sentence === 0) w = w[0].toUpperCase() + w.slice(1);
    sentence++;
    const end = sentence > 8 && rand() < 0.15;
    const piece = end ? `${w}.${rand() < 0.2 ? '\n\n' : ' '}` : `${w} `;
    if (end) sentence = 0;
    out.push(piece);
    len += piece.length;
  }
  return out.join('').slice(0, chars);
}

function sourceFile(rand: () => number, chars: number): string {
  const lines: string[] = [];
  let len = 0;
  for (let n = 1; len < chars; n++) {
    const ident = WORDS[Math.floor(rand() * WORDS.length)];
    const kind = rand();
    const code =
      kind < 0.2
        ? `export function ${ident}${n}(input: string): string {`
        : kind < 0.5
          ? `  const ${ident}_${n} = await deps.${ident}.get(input, { timeoutMs: ${Math.floor(rand() * 1000)} });`
          : kind < 0.7
            ? `  // ${prose(rand, 60 + Math.floor(rand() * 40)).trim()}`
            : kind < 0.85
              ? `  if (!${ident}_${n - 1}) throw new Error('${ident} missing for ' + input);`
              : '}';
    const line = `${String(n).padStart(6)}\t${code}`;
    lines.push(line);
    len += line.length + 1;
  }
  return lines.join('\n');
}

const TOOL_NAMES = [
  'Agent',
  'Bash',
  'Edit',
  'Glob',
  'Grep',
  'Read',
  'Write',
  'NotebookEdit',
  'WebFetch',
  'WebSearch',
  'TodoWrite',
  'Skill',
  'ToolSearch',
  'SendMessage',
];

function tool(rand: () => number, name: string, descChars: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const nProps = 2 + Math.floor(rand() * 5);
  for (let i = 0; i < nProps; i++) {
    const prop = `${WORDS[Math.floor(rand() * WORDS.length)]}_${i}`;
    const r = rand();
    properties[prop] =
      r < 0.4
        ? { description: prose(rand, 80 + Math.floor(rand() * 400)), type: 'string' }
        : r < 0.6
          ? { description: prose(rand, 60 + Math.floor(rand() * 120)), type: 'number' }
          : r < 0.8
            ? { description: prose(rand, 60 + Math.floor(rand() * 120)), type: 'boolean' }
            : {
                description: prose(rand, 80 + Math.floor(rand() * 200)),
                type: 'array',
                items: {
                  type: 'object',
                  properties: { content: { type: 'string', minLength: 1 }, status: { type: 'string', enum: ['pending', 'in_progress', 'completed'] } },
                  required: ['content', 'status'],
                  additionalProperties: false,
                },
              };
    if (rand() < 0.5) required.push(prop);
  }
  return {
    name,
    description: prose(rand, descChars),
    input_schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties,
      required,
      additionalProperties: false,
    },
  };
}

export const SESSION_ID = '6d09f3e0-d822-4596-a86c-22cfb522181a';

/** The request body, about `targetBytes` long once serialised (within a few bytes). */
export function claudeCodeBody(targetBytes: number, seed = 1): Record<string, unknown> {
  const rand = seededRandom(seed);
  // Tool schemas are 60–75% of a first request (docs/claude-code.md §3).
  const toolBytes = Math.floor(targetBytes * 0.6);
  const tools = TOOL_NAMES.map((name) => tool(rand, name, Math.floor(toolBytes / TOOL_NAMES.length) - 900));
  const body: Record<string, unknown> = {
    model: 'claude-opus-5-5',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: `<system-reminder>\n${prose(rand, 600)}\n</system-reminder>\n` },
          { type: 'text', text: 'find where the retry budget is computed and make it honour retry-after-ms' },
        ],
      },
      { role: 'system', content: `# Environment\n - Primary working directory: /home/dev/project\n - Platform: linux\n${prose(rand, 2500)}` },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: prose(rand, 160) },
          { type: 'tool_use', id: 'toolu_01BenchRead000000000001', name: 'Read', input: { file_path: '/home/dev/project/src/routing/retry.ts' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_01BenchRead000000000001', content: '', cache_control: { type: 'ephemeral' } }],
      },
    ],
    system: [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332.0b8; cc_entrypoint=sdk-cli;' },
      { type: 'text', text: "You are a Claude agent, built on Anthropic's Claude Agent SDK.", cache_control: { type: 'ephemeral' } },
      { type: 'text', text: prose(rand, Math.floor(targetBytes * 0.1)), cache_control: { type: 'ephemeral' } },
    ],
    tools,
    metadata: {
      user_id: JSON.stringify({ device_id: '818c04500141974416cf9e9fd6d5c7259f1f41f2a75b15af6fd7eb607acb316e', account_uuid: '', session_id: SESSION_ID }),
    },
    max_tokens: 128000,
    thinking: { type: 'adaptive', display: 'omitted' },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    output_config: { effort: 'medium' },
    stream: true,
  };
  // Pad with the file the model read: the history is where a session's bytes grow.
  const result = (body.messages as { content: { content: string }[] }[])[3].content[0];
  const base = JSON.stringify(body).length;
  const file = sourceFile(rand, Math.max(0, targetBytes - base));
  result.content = file;
  // JSON escaping (tabs, newlines, quotes) makes the text longer on the wire: trim to size.
  const over = JSON.stringify(body).length - targetBytes;
  if (over > 0) result.content = file.slice(0, Math.max(0, file.length - over));
  return body;
}

/** The headers Claude Code sends with every model call (docs/claude-code.md §2), minus the auth. */
export const CLAUDE_CODE_HEADERS: Record<string, string> = {
  accept: 'application/json',
  'content-type': 'application/json',
  'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)',
  'x-claude-code-session-id': SESSION_ID,
  'x-stainless-arch': 'x64',
  'x-stainless-lang': 'js',
  'x-stainless-os': 'Linux',
  'x-stainless-package-version': '0.128.0',
  'x-stainless-retry-count': '0',
  'x-stainless-runtime': 'node',
  'x-stainless-runtime-version': 'v26.12.1',
  'x-stainless-timeout': '600',
  'anthropic-beta':
    'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,per-turn-control-2026-07-01,mid-conversation-tool-changes-2026-07-01,thinking-token-count-2026-05-13,advanced-tool-use-2025-11-20,effort-2025-11-24',
  'anthropic-dangerous-direct-browser-access': 'true',
  'anthropic-version': '2023-06-01',
  'x-app': 'cli',
};
