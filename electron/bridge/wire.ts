/**
 * The WebSocket transport's frames, as text JSON: requests `{id, method, params}`, answers
 * `{id, result}` (result is the contract's Result), pushes `{topic, payload}`. IPC carries
 * the same objects without the envelope text.
 */
import type { BridgeFailure, Result, TopicName, TopicPayloads } from '../contract.js';
import { failure } from './errors.js';

export type RequestId = string | number;

export interface WireRequest {
  id: RequestId;
  method: unknown;
  params: unknown;
}

export interface WireResponse {
  /** null when the frame was too broken to carry an id. */
  id: RequestId | null;
  result: Result<unknown>;
}

export interface WirePush<T extends TopicName = TopicName> {
  topic: T;
  payload: TopicPayloads[T];
}

const MAX_ID_LENGTH = 64;

function isRequestId(v: unknown): v is RequestId {
  return (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH);
}

export function encodePush<T extends TopicName>(topic: T, payload: TopicPayloads[T]): string {
  const msg: WirePush<T> = { topic, payload };
  return JSON.stringify(msg);
}

export function encodeResponse(id: RequestId | null, result: Result<unknown>): string {
  const msg: WireResponse = { id, result };
  return JSON.stringify(msg);
}

/** Parses one request frame; a frame that isn't one yields the failure to answer with. */
export function parseWireRequest(text: string): WireRequest | { id: RequestId | null; error: BridgeFailure } {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { id: null, error: failure('bad-request', 'frame is not JSON') };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return { id: null, error: failure('bad-request', 'frame is not an object') };
  }
  const { id, method, params } = msg as Record<string, unknown>;
  if (!isRequestId(id)) return { id: null, error: failure('bad-request', 'frame has no valid id') };
  return { id, method, params };
}
