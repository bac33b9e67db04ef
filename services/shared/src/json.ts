/** JSON text as a value, or undefined when it is not JSON: for bodies and events that may be anything. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A JSON object, or undefined for anything else (malformed text, an array, a string, null). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const v = parseJson(text);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
