import { readFileSync } from 'node:fs';
import { UsageError } from '../args';
import type { Run } from '../command';

/** Reads `-f file` as JSON. */
export function readJson(r: Run): { value: unknown; file: string } {
  const file = r.args.get('file');
  if (!file) throw new UsageError('-f <file.json> is required.');
  let text: string;
  try {
    text = (r.io.readFile ?? ((p) => readFileSync(p, 'utf8')))(file);
  } catch (err) {
    throw new UsageError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  try {
    return { value: JSON.parse(text), file };
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message.replace(/, ".*$/s, '')}.`);
  }
}
