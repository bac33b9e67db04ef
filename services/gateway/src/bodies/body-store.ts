/**
 * Where captured request and response bodies go (workspaces with `defaults.capture_bodies`): a local
 * folder in local mode, a Cloud Storage bucket in production. Bodies never go to Firestore or the
 * logs.
 */
export type BodyPart = 'request' | 'response';

export interface CapturedBody {
  content_type: string;
  /** The body as UTF-8 text (SSE for a streamed answer), cut at the capture limit. */
  text: string;
  truncated: boolean;
}

export interface BodyStore {
  put(requestId: string, part: BodyPart, body: CapturedBody): Promise<void>;
  /** Undefined when nothing was stored (or it has expired). */
  get(requestId: string, part: BodyPart): Promise<CapturedBody | undefined>;
}

/** The object (or file) name of one body: request ids are `req_gth_<uuid>`, safe in both. */
export function bodyObjectName(requestId: string, part: BodyPart): string {
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(requestId)) throw new Error(`not a request id: ${JSON.stringify(requestId)}`);
  return `bodies/${requestId}/${part}.json`;
}
