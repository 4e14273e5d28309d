/**
 * Turning a frame's payload into what the inspector shows: JSON re-indented without being
 * re-encoded (a Kraken price keeps every digit it was sent with), protobuf through the venue's
 * decoder, everything through the app's one redactor, then cut to size. Runs when a view
 * reads, never when the frame crosses.
 */
import type { WireFrame } from '../net/wire-tap.js';
import type { BytesDecoder } from './types.js';

/** Shown of one frame's text; the rest is cut and the frame marked truncated. */
export const MAX_SHOWN_CHARS = 64 * 1024;
/** A channel name longer than this is not a channel name. */
export const MAX_CHANNEL_CHARS = 128;
/** Of a status detail (a close reason, a gRPC message). */
export const MAX_DETAIL_CHARS = 500;

export interface FrameText {
  channel?: string;
  text?: string;
  truncated?: true;
  note?: string;
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * The channel of a parsed JSON frame: Kraken WS v2 names it in `channel` (data) or in the
 * params/result of a method (subscribe → the subscribed channel), else the method (ping,
 * add_order); a JSON-RPC style `method` elsewhere.
 */
export function channelOfJson(v: unknown): string | undefined {
  if (!isRecord(v)) return undefined;
  const inner = (k: string): string | undefined => {
    const o = v[k];
    return isRecord(o) ? str(o.channel) : undefined;
  };
  return str(v.channel) ?? inner('params') ?? inner('result') ?? str(v.method) ?? str(v.event);
}

/**
 * JSON text re-indented by two spaces, token for token: strings and numbers are copied as they
 * were sent. The text must already be known to parse.
 */
export function reindent(json: string): string {
  let out = '';
  let depth = 0;
  let i = 0;
  const n = json.length;
  const newline = (): string => `\n${'  '.repeat(depth)}`;
  while (i < n) {
    const c = json[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < n && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      out += json.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      i++;
      continue;
    }
    if (c === '{' || c === '[') {
      // An empty object or array stays on its line.
      let j = i + 1;
      while (j < n && /\s/.test(json[j]!)) j++;
      if (json[j] === (c === '{' ? '}' : ']')) {
        out += c === '{' ? '{}' : '[]';
        i = j + 1;
        continue;
      }
      depth++;
      out += c + newline();
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') out += `,${newline()}`;
    else if (c === ':') out += ': ';
    else out += c;
    i++;
  }
  return out;
}

/** Bytes as spaced hex, for a binary frame nobody can decode. */
function hex(bytes: Uint8Array, max: number): string {
  let s = '';
  for (let i = 0; i < Math.min(bytes.length, max); i++) s += (i ? ' ' : '') + bytes[i]!.toString(16).padStart(2, '0');
  return bytes.length > max ? `${s} …` : s;
}

/** JSON for a decoded protobuf message: 64-bit integers arrive as strings, bytes as base64. */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2) ?? 'null';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The frame as the inspector shows it, redacted by `redact` (the app's one redactor) before it
 * is cut, so a cut never leaves half a secret that the redactor would no longer recognise.
 */
export function frameText(frame: WireFrame, bytes: Uint8Array | undefined, decode: BytesDecoder | undefined, redact: (s: string) => string): FrameText {
  const out: FrameText = {};
  let channel = frame.channel;
  let text: string | undefined;
  if (frame.text !== undefined) {
    let parsed: unknown;
    let isJson = false;
    try {
      parsed = JSON.parse(frame.text);
      isJson = true;
    } catch {
      // REST query strings, an HTML error page: shown as they came.
    }
    if (isJson) {
      channel ??= channelOfJson(parsed);
      text = reindent(frame.text);
    } else text = frame.text;
  } else if (bytes !== undefined) {
    try {
      const value = decode?.({ venue: frame.venue, channel, dir: frame.dir, bytes });
      if (value === undefined) {
        out.note = `${bytes.length} bytes this app has no decoder for`;
        text = hex(bytes, 256);
      } else text = toJson(value);
    } catch (err) {
      out.note = `could not decode: ${errorText(err)}`;
      text = hex(bytes, 256);
    }
  }
  if (channel !== undefined) out.channel = redact(channel).slice(0, MAX_CHANNEL_CHARS);
  if (out.note !== undefined) out.note = redact(out.note).slice(0, MAX_DETAIL_CHARS);
  if (text !== undefined) {
    const shown = redact(text);
    if (shown.length > MAX_SHOWN_CHARS) {
      out.text = shown.slice(0, MAX_SHOWN_CHARS);
      out.truncated = true;
    } else out.text = shown;
  }
  return out;
}
