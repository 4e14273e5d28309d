/**
 * The one gate every request passes, whatever the transport: a known method name, a payload
 * small enough, and a payload the method's zod schema accepts. A request refused here has
 * touched no state.
 */
import type { z } from 'zod';
import { MAX_REQUEST_BYTES, isMethodName, requestSchemas } from '../contract.js';
import type { BridgeFailure, MethodName } from '../contract.js';
import { redact } from '../core/log.js';
import { failure } from './errors.js';

export interface ValidRequest {
  ok: true;
  method: MethodName;
  /** The schema's output (defaults applied, unknown keys refused). */
  request: unknown;
}

const MAX_MESSAGE_LENGTH = 200;

/** Bytes of the payload as JSON, or undefined when it can't be JSON (cycles, bigint). */
export function serializedSize(payload: unknown): number | undefined {
  try {
    const text = JSON.stringify(payload);
    return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * An issue in words that never quote the request: zod names unknown keys, and a key can be a
 * secret pasted in the wrong place. Paths hold only the schema's own keys (every object is
 * strict, so parsing never descends into an unknown one).
 */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.length === 1 ? 'unknown field' : `${issue.keys.length} unknown fields`;
  return issue.message;
}

export function validateRequest(method: unknown, payload: unknown): ValidRequest | BridgeFailure {
  if (!isMethodName(method)) {
    const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 64)) : typeof method;
    return failure('unknown-method', `unknown method ${shown}`);
  }
  const size = serializedSize(payload);
  if (size === undefined) return failure('bad-request', `${method}: payload is not plain JSON data`);
  if (size > MAX_REQUEST_BYTES) {
    return failure('too-large', `${method}: request of ${size} bytes exceeds ${MAX_REQUEST_BYTES}`);
  }
  // Methods without parameters may be called without a payload.
  const parsed = requestSchemas[method].safeParse(payload === undefined ? {} : payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'request';
    const text = `${method}: ${where}: ${issue ? describeIssue(issue) : 'invalid'}`;
    return failure('bad-request', redact(text.slice(0, MAX_MESSAGE_LENGTH)));
  }
  return { ok: true, method, request: parsed.data };
}
