import type { Metadata } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';

export const METADATA_LIMITS = { maxKeys: 64, maxKeyLength: 128, maxValueLength: 512, maxHeaderBytes: 8192 } as const;

/**
 * Parses the `x-gatehouse-metadata` header: a JSON object of strings (numbers and booleans are
 * turned into strings). Anything else is a 400 that says what to fix.
 */
export function parseMetadataHeader(raw: string | undefined): Metadata {
  if (raw === undefined || raw.trim() === '') return {};
  const bad = (why: string) => new GatewayError('invalid_request_error', `x-gatehouse-metadata: ${why}`);
  if (Buffer.byteLength(raw) > METADATA_LIMITS.maxHeaderBytes) throw bad(`must be at most ${METADATA_LIMITS.maxHeaderBytes} bytes.`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw bad('must be a JSON object such as {"team":"frontend"}; the header is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('must be a JSON object such as {"team":"frontend"}.');
  const entries = Object.entries(value);
  if (entries.length > METADATA_LIMITS.maxKeys) throw bad(`at most ${METADATA_LIMITS.maxKeys} keys are allowed.`);
  const out: Metadata = {};
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > METADATA_LIMITS.maxKeyLength) throw bad(`key "${k.slice(0, 40)}" must be 1–${METADATA_LIMITS.maxKeyLength} characters.`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw bad(`value of "${k}" must be a string, number or boolean.`);
    const s = String(v);
    if (s.length > METADATA_LIMITS.maxValueLength) throw bad(`value of "${k}" must be at most ${METADATA_LIMITS.maxValueLength} characters.`);
    out[k] = s;
  }
  return out;
}

/**
 * Precedence, lowest first: workspace defaults, the request's header, the key's defaults. Values an
 * admin pins on a key win, so a developer cannot relabel their own spend.
 */
export function mergeMetadata(workspace: Metadata | undefined, request: Metadata, key: Metadata | undefined): Metadata {
  return { ...workspace, ...request, ...key };
}
