/**
 * The WebSocket transport's frames, as text JSON: requests `{id, method, params}`, answers
 * `{id, result}` (result is the contract's Result), pushes `{topic, payload}`. IPC carries
 * the same objects without the envelope text.
 */
import type { BridgeFailure, PushBatch, Result, TopicName, TopicPayloads } from '../contract.js';
import type { Candle } from '../../common/domain.js';
import { seeTheLog } from '../core/log.js';
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
  if (topic === 'batch') return encodeBatch(payload as PushBatch);
  const msg: WirePush<T> = { topic, payload };
  return JSON.stringify(msg);
}

/** Text that needs no JSON escaping: what ids, intervals and decimal strings are made of. */
const PLAIN = /^[\w .:/|+-]*$/;

/**
 * Batches are the hot path: candles are written field by field, which costs about two thirds
 * of JSON.stringify (bench/bridge.ts). Any candle with a string that would need escaping, or
 * a field we don't know, goes through JSON.stringify; the result parses to the same value.
 */
function encodeBatch(b: PushBatch): string {
  let out = '{"topic":"batch","payload":{"candles":[';
  const cs = b.candles;
  for (let i = 0; i < cs.length; i++) {
    if (i > 0) out += ',';
    out += encodeCandle(cs[i]!);
  }
  const { candles: _candles, ...rest } = b;
  const tail = JSON.stringify(rest);
  return `${out}]${tail.length > 2 ? `,${tail.slice(1)}` : '}'}}`;
}

const CANDLE_FIELDS = 9;

function encodeCandle(c: Candle): string {
  if (
    PLAIN.test(c.venue) &&
    PLAIN.test(c.instrumentId) &&
    PLAIN.test(c.interval) &&
    PLAIN.test(c.open) &&
    PLAIN.test(c.high) &&
    PLAIN.test(c.low) &&
    PLAIN.test(c.close) &&
    PLAIN.test(c.volume) &&
    Number.isFinite(c.time) &&
    Object.keys(c).length === CANDLE_FIELDS
  ) {
    return `{"venue":"${c.venue}","instrumentId":"${c.instrumentId}","interval":"${c.interval}","time":${c.time},"open":"${c.open}","high":"${c.high}","low":"${c.low}","close":"${c.close}","volume":"${c.volume}"}`;
  }
  return JSON.stringify(c);
}

export function encodeResponse(id: RequestId | null, result: Result<unknown>): string {
  const msg: WireResponse = { id, result };
  try {
    return JSON.stringify(msg);
  } catch {
    // A value JSON can't carry (bigint, a cycle) is a bug of ours; the caller still gets an answer.
    return JSON.stringify({ id, result: failure('internal', `internal error; ${seeTheLog()}`) } satisfies WireResponse);
  }
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
