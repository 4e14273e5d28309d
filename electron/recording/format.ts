/**
 * The session recording format (.sbrec): JSON lines, one header line then one line per wire
 * event, appended as they happen. A crash can cut only the last line, and the reader skips a
 * line it cannot read (counted), so a recording of a session that died still replays up to
 * where it died. Short keys keep a line small; times are ms since the header's `started`.
 */
import type { WireDir, WireEventKind, WireFrame, WireStatus } from '../net/wire-tap.js';

export const RECORDING_FORMAT = 'switchboard-wire';
export const RECORDING_VERSION = 1;
export const RECORDING_EXT = '.sbrec';

export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  version: number;
  venue: string;
  /** demo, sandbox or live, when the app knew it. */
  mode?: string;
  /** Wall-clock ms of the first line; every event's `t` counts from here. */
  started: number;
  /** The app version that wrote it. */
  app: string;
  /** What was masked before writing (docs/recording.md). */
  redacted: string;
}

/** One wire event as written: the WireFrame with short keys. */
interface EventLine {
  /** ms since started, 0.01 ms steps. */
  t: number;
  c: string;
  ch?: string;
  /** i | o */
  d: 'i' | 'o';
  /** Absent for 'frame'. */
  k?: Exclude<WireEventKind, 'frame'>;
  x?: string;
  /** base64 */
  b?: string;
  s?: [number | string, string];
  n?: number;
  /** 1: arrived in the same turn of the event loop as the line before (one socket read). */
  j?: 1;
}

/** A recorded event, read back: a WireFrame with its time relative to the start. */
export interface RecordedEvent {
  /** ms since the recording started. */
  t: number;
  connection: string;
  channel?: string;
  dir: WireDir;
  kind: WireEventKind;
  text?: string;
  bytes?: Uint8Array;
  status?: WireStatus;
  call?: number;
  /**
   * Arrived in the same event-loop turn as the event before it on the same connection (frames
   * of one socket read): replay hands them over in one go too, since adapters batch per turn.
   */
  joined?: boolean;
}

export interface Recording {
  header: RecordingHeader;
  events: RecordedEvent[];
  /** Lines that could not be read (a crash-cut tail, a damaged line): skipped, counted. */
  skipped: number;
}

export class RecordingFormatError extends Error {
  override readonly name = 'RecordingFormatError';
}

export function headerLine(h: RecordingHeader): string {
  return `${JSON.stringify(h)}\n`;
}

/** One event's line; `text` is already redacted by the caller. */
export function eventLine(f: WireFrame, started: number, text: string | undefined, joined = false): string {
  const line: EventLine = { t: Math.round((f.at - started) * 100) / 100, c: f.connection, d: f.dir === 'in' ? 'i' : 'o' };
  if (f.channel !== undefined) line.ch = f.channel;
  if (f.kind !== 'frame') line.k = f.kind;
  if (text !== undefined) line.x = text;
  if (f.bytes !== undefined) line.b = Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength).toString('base64');
  if (f.status !== undefined) line.s = [f.status.code, f.status.detail];
  if (f.call !== undefined) line.n = f.call;
  if (joined) line.j = 1;
  return `${JSON.stringify(line)}\n`;
}

const KINDS = new Set<string>(['open', 'close', 'error']);

function readEvent(v: unknown): RecordedEvent | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.t !== 'number' || !Number.isFinite(o.t) || typeof o.c !== 'string' || (o.d !== 'i' && o.d !== 'o')) return undefined;
  if (o.k !== undefined && !(typeof o.k === 'string' && KINDS.has(o.k))) return undefined;
  const e: RecordedEvent = { t: o.t, connection: o.c, dir: o.d === 'i' ? 'in' : 'out', kind: (o.k as WireEventKind | undefined) ?? 'frame' };
  if (o.ch !== undefined) {
    if (typeof o.ch !== 'string') return undefined;
    e.channel = o.ch;
  }
  if (o.x !== undefined) {
    if (typeof o.x !== 'string') return undefined;
    e.text = o.x;
  }
  if (o.b !== undefined) {
    if (typeof o.b !== 'string') return undefined;
    e.bytes = Buffer.from(o.b, 'base64');
  }
  if (o.s !== undefined) {
    const s = o.s;
    if (!Array.isArray(s) || s.length !== 2 || (typeof s[0] !== 'number' && typeof s[0] !== 'string') || typeof s[1] !== 'string') return undefined;
    e.status = { code: s[0] as number | string, detail: s[1] };
  }
  if (o.j === 1) e.joined = true;
  if (o.n !== undefined) {
    if (typeof o.n !== 'number' || !Number.isInteger(o.n)) return undefined;
    e.call = o.n;
  }
  return e;
}

function readHeader(line: string): RecordingHeader {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new RecordingFormatError('the first line is not JSON: not a Switchboard recording');
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (o.format !== RECORDING_FORMAT) throw new RecordingFormatError(`not a Switchboard recording (format ${JSON.stringify(o.format)})`);
  if (o.version !== RECORDING_VERSION) throw new RecordingFormatError(`recording version ${String(o.version)}; this app reads ${RECORDING_VERSION}`);
  if (typeof o.venue !== 'string' || typeof o.started !== 'number' || typeof o.app !== 'string') {
    throw new RecordingFormatError('the header lacks venue, started or app');
  }
  const h: RecordingHeader = {
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    venue: o.venue,
    started: o.started,
    app: o.app,
    redacted: typeof o.redacted === 'string' ? o.redacted : '',
  };
  if (typeof o.mode === 'string') h.mode = o.mode;
  return h;
}

/** Reads a whole recording; an unreadable header throws, an unreadable event line is skipped and counted. */
export function parseRecording(text: string): Recording {
  const lines = text.split('\n');
  const first = lines[0];
  if (first === undefined || first.trim() === '') throw new RecordingFormatError('empty file: not a Switchboard recording');
  const header = readHeader(first);
  const events: RecordedEvent[] = [];
  let skipped = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    let e: RecordedEvent | undefined;
    try {
      e = readEvent(JSON.parse(line));
    } catch {
      e = undefined;
    }
    if (e) events.push(e);
    else skipped++;
  }
  return { header, events, skipped };
}
