/**
 * Where guardrails look (README, Guardrails): the text a person or a tool put into a request — the
 * system prompt, message text, `tool_result` content (where repository files and terminal output
 * arrive), tool-use inputs, plain-text documents — and, in an answer, its text and tool inputs. Never
 * `thinking` / `redacted_thinking` blocks (their signatures cover their bytes: a changed block makes
 * the next request fail), images, or tool schemas.
 */

export type JsonPath = (string | number)[];

/** One string a guardrail scans: where it sits in the body (JSON path from the root) and its text. */
export interface TextSite {
  path: JsonPath;
  text: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `['messages', 3, 'content', 0, 'text']` → `messages[3].content[0].text`. */
export function formatLocation(path: JsonPath): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** Every string inside a tool input, keys excepted. */
function walkStrings(v: unknown, path: JsonPath, out: TextSite[]): void {
  if (typeof v === 'string') out.push({ path, text: v });
  else if (Array.isArray(v)) v.forEach((x, i) => walkStrings(x, [...path, i], out));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) walkStrings(x, [...path, k], out);
}

/** The scanned parts of one content block; anything else (thinking, images, unknown types) is left alone. */
function blockSites(block: unknown, path: JsonPath, out: TextSite[]): void {
  if (!isObj(block)) return;
  switch (block.type) {
    case 'text':
      if (typeof block.text === 'string') out.push({ path: [...path, 'text'], text: block.text });
      return;
    case 'tool_result':
      contentSites(block.content, [...path, 'content'], out);
      return;
    case 'tool_use':
    case 'server_tool_use':
      walkStrings(block.input, [...path, 'input'], out);
      return;
    case 'document':
      if (isObj(block.source) && block.source.type === 'text' && typeof block.source.data === 'string')
        out.push({ path: [...path, 'source', 'data'], text: block.source.data });
      return;
  }
}

/** A `content` (or `system`) value: a string or a list of blocks. */
function contentSites(content: unknown, path: JsonPath, out: TextSite[]): void {
  if (typeof content === 'string') out.push({ path, text: content });
  else if (Array.isArray(content)) content.forEach((b, i) => blockSites(b, [...path, i], out));
}

/** The scanned strings of a Messages request, given its `system` and `messages` members. */
export function requestSites(system: unknown, messages: unknown): TextSite[] {
  const out: TextSite[] = [];
  contentSites(system, ['system'], out);
  if (Array.isArray(messages)) messages.forEach((m, i) => isObj(m) && contentSites(m.content, ['messages', i, 'content'], out));
  return out;
}

/** The scanned strings of a whole (non-streamed) Messages answer. */
export function answerSites(answer: unknown): TextSite[] {
  const out: TextSite[] = [];
  if (isObj(answer)) contentSites(answer.content, ['content'], out);
  return out;
}
