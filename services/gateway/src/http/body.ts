import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../../../shared/src/errors';

/**
 * Reads a model request's body into one Buffer of at most `limit` bytes (GATEHOUSE_MAX_BODY_BYTES).
 * A body that is too large is refused as soon as its declared or received size says so; the rest is
 * left for node to discard, so the connection stays usable.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') return Promise.reject(unsupportedEncoding(encoding));
  if (Number(req.headers['content-length']) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (err?: GatewayError) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) stop(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => stop();
    const onAbort = () => stop(abortedUpload());
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onClose);
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('request_too_large', `Request body is larger than the gateway's limit of ${limit} bytes (GATEHOUSE_MAX_BODY_BYTES).`);
}

/** The errors any body reader gives (the admin routes' body-parser included). */
export function unsupportedEncoding(encoding: string): GatewayError {
  return new GatewayError('invalid_request_error', `Unsupported request encoding "${encoding}": send the body as uncompressed UTF-8 JSON.`);
}

export function abortedUpload(): GatewayError {
  return new GatewayError('invalid_request_error', 'Client aborted the request while sending it.', { status: 499 });
}
