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
 * An issue in our own words, never the request's: zod's messages may quote what it was given
 * (and unknown keys name the caller's text, which can be a secret pasted in the wrong place).
 * So only the schema's side of an issue is used — expected types, bounds, allowed values,
 * and the messages of our own refinements. Paths hold only the schema's own keys (every
 * object is strict, so parsing never descends into an unknown one).
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${article(issue.expected)}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `is longer than ${String(issue.maximum)} characters`
        : issue.origin === 'array' || issue.origin === 'set'
          ? `has more than ${String(issue.maximum)} items`
          : `is above ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `is shorter than ${String(issue.minimum)} characters`
        : issue.origin === 'array' || issue.origin === 'set'
          ? `has fewer than ${String(issue.minimum)} items`
          : `is below ${String(issue.minimum)}`;
    case 'invalid_format':
      if (issue.format !== 'regex') return `is not a valid ${issue.format}`;
      // A pattern we named ('must be base64') says it best; zod's own text would show the pattern.
      return issue.message.startsWith('Invalid') ? 'holds characters or a shape this field does not allow' : issue.message;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_value':
      // The schema's own options (venue ids, intervals), never the value given.
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return issue.keys.length === 1 ? 'has an unknown field' : `has ${issue.keys.length} unknown fields`;
    case 'invalid_union':
      return 'matches none of the accepted shapes';
    case 'invalid_key':
    case 'invalid_element':
      return 'holds an entry this field does not allow';
    case 'custom':
      // Our refinements' own messages (contract.ts, credentials.ts).
      return issue.message;
    default:
      return 'is not valid';
  }
}

function article(type: string): string {
  if (type === 'int') return 'a whole number';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

export function validateRequest(method: unknown, payload: unknown): ValidRequest | BridgeFailure {
  if (!isMethodName(method)) {
    // Never the name itself: the caller's text does not come back, not even part of it.
    return failure('unknown-method', typeof method === 'string' ? 'no method of that name' : `the method name is ${describeType(method)}, not a string`);
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
    const text = `${method}: ${where} ${issue ? describeIssue(issue) : 'is not valid'}`;
    return failure('bad-request', redact(text.slice(0, MAX_MESSAGE_LENGTH)));
  }
  return { ok: true, method, request: parsed.data };
}
