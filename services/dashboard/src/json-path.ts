/**
 * Problems the admin API reports in a config, placed in the text being edited. The API answers an
 * invalid config with one 400 whose message lists every problem as `path: message`, joined by "; "
 * (services/gateway/src/routing/config-schema.ts `configError`; body-level ones come from
 * admin/context.ts `parseInput` with the path under `config.`), e.g.
 * `Invalid routing config (2 problems): targets[0].weight: …; retry.attempts: …`.
 */
export interface Problem {
  /** `targets[0].retry.attempts`; "" for the config itself. */
  path: string;
  message: string;
  /** 1-based line of the value at `path` in the edited text, when found. */
  line?: number;
}

const PATH = String.raw`(?:\(config\)|\(body\)|[A-Za-z0-9_$-]+(?:\[\d+\]|\.[A-Za-z0-9_$-]+)*)`;

export function problemsOf(message: string, text: string): Problem[] {
  const body = message
    .replace(/^Invalid routing config \(\d+ problems?\): /, '')
    .replace(/^Invalid request body: /, '')
    .replace(/\.$/, '');
  const lines = valueLines(text);
  return body.split(new RegExp(`; (?=${PATH}: |and \\d+ more$)`)).map((part) => {
    const m = new RegExp(`^(${PATH}): (.*)$`, 's').exec(part);
    if (!m) return { path: '', message: part };
    const path = m[1].startsWith('(') ? '' : m[1].replace(/^config\.?/, '');
    return { path, message: m[2], line: lines.get(path) ?? nearest(lines, path) };
  });
}

/** The line of the closest enclosing value that exists (a missing field is reported at its object). */
function nearest(lines: Map<string, number>, path: string): number | undefined {
  for (let p = path; p; p = p.replace(/(\[\d+\]|\.?[^.[]+)$/, '')) if (lines.has(p)) return lines.get(p);
  return lines.get('');
}

/** Every value's path in a JSON text, with the line it starts on. Empty when the text is not JSON. */
export function valueLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  let line = 1;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) if (text[i++] === '\n') line++;
  };
  const str = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    out.set(path, line);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const k = str();
        ws();
        i++; // ':'
        value(path ? `${path}.${k}` : k);
        ws();
        if (text[i++] !== ',') return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i++] !== ',') return;
      }
    }
    if (c === '"') return void str();
    while (i < text.length && /[^,\]}\s]/.test(text[i])) i++;
  };
  try {
    JSON.parse(text);
    value('');
  } catch {
    out.clear();
  }
  return out;
}
