/**
 * Session recorder: a consumer of the app's wire tap (net/wire-tap.ts) that appends every frame
 * in and out, with its time, to one file per venue under <dataDir>/recordings. Text passes the
 * app's one redactor first (a Kraken WS `token`, a REST answer's token, any registered secret);
 * protobuf bytes go as they are, since T-Invest's bearer token travels in call metadata, which
 * is no frame. Writing goes through a buffered stream: the tap's caller never waits on the disk.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import path from 'node:path';
import { redact as redactWithLogRedactor } from '../core/log.js';
import type { WireFrame, WireTaps } from '../net/wire-tap.js';
import { wallClock } from '../net/wire-tap.js';
import { RECORDING_EXT, RECORDING_FORMAT, RECORDING_VERSION, eventLine, headerLine } from './format.js';

/** The folder under the data folder that recordings go to. */
export const RECORDINGS_FOLDER = 'recordings';

/** What the header says was masked (docs/recording.md). */
export const REDACTION_NOTE = 'text frames through the app log redactor (tokens, keys, signatures, registered secrets); headers and gRPC metadata are not recorded';

export interface RecorderOptions {
  taps: Pick<WireTaps, 'attach'>;
  /** The folder recordings go to (created on start): <dataDir>/recordings. */
  dir: string;
  /** The app version, written in each header. */
  version: string;
  /** The mode each venue runs in, for the header. */
  modeOf?: (venue: string) => string | undefined;
  /** Only these venues; default every venue that sends a frame. */
  venues?: readonly string[];
  /** Default: the app's one redactor (core/log.ts). */
  redact?: (text: string) => string;
  /** A file that could not be written: told once per file, and recording of that venue stops. */
  onError?: (err: Error, file: string) => void;
}

export interface RecordingFile {
  venue: string;
  file: string;
  events: number;
  /** Bytes handed to the file so far (header included). */
  bytes: number;
}

export interface RecorderStatus {
  recording: boolean;
  /** Wall-clock ms the current (or last) recording started. */
  startedAt?: number;
  files: RecordingFile[];
}

interface Open {
  info: RecordingFile;
  stream: WriteStream;
  started: number;
  failed: boolean;
}

function stamp(ms: number): string {
  // 2026-12-06T17-08-25-123Z: sortable and safe in every file system.
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

export class SessionRecorder {
  private readonly opts: RecorderOptions;
  private readonly redact: (text: string) => string;
  private detach: (() => void) | undefined;
  private readonly open = new Map<string, Open>();
  private startedAt: number | undefined;
  private finished: RecordingFile[] = [];
  /** The connection of the last frame written in the current event-loop turn, if any. */
  private turnOf: string | undefined;
  private readonly endTurn = (): void => {
    this.turnOf = undefined;
  };

  constructor(opts: RecorderOptions) {
    this.opts = opts;
    this.redact = opts.redact ?? redactWithLogRedactor;
  }

  get recording(): boolean {
    return this.detach !== undefined;
  }

  /** Starts recording (a no-op while recording); files open with each venue's first frame. */
  start(): RecorderStatus {
    if (this.detach) return this.status();
    mkdirSync(this.opts.dir, { recursive: true });
    this.startedAt = wallClock();
    this.finished = [];
    this.detach = this.opts.taps.attach((f) => this.write(f));
    return this.status();
  }

  /** Stops and closes every file (flushed to disk when this resolves). */
  async stop(): Promise<RecorderStatus> {
    if (!this.detach) return this.status();
    this.detach();
    this.detach = undefined;
    const files = [...this.open.values()];
    this.open.clear();
    await Promise.all(
      files.map(
        (o) =>
          new Promise<void>((resolve) => {
            o.stream.end(() => resolve());
          }),
      ),
    );
    this.finished = files.map((o) => ({ ...o.info }));
    return this.status();
  }

  status(): RecorderStatus {
    const files = this.detach ? [...this.open.values()].map((o) => ({ ...o.info })) : this.finished;
    return { recording: this.detach !== undefined, ...(this.startedAt !== undefined ? { startedAt: this.startedAt } : {}), files };
  }

  private write(f: WireFrame): void {
    if (this.opts.venues && !this.opts.venues.includes(f.venue)) return;
    const o = this.open.get(f.venue) ?? this.openFile(f.venue, f.at);
    if (o.failed) return;
    const text = f.text === undefined ? undefined : this.redact(f.text);
    // Frames of one socket read come in one turn; adapters batch by turn, so replay must too.
    const key = `${f.venue}|${f.connection}|${f.dir}`;
    const joined = this.turnOf === key;
    if (this.turnOf === undefined) queueMicrotask(this.endTurn);
    this.turnOf = key;
    const line = eventLine(f.status ? { ...f, status: { code: f.status.code, detail: this.redact(f.status.detail) } } : f, o.started, text, joined);
    o.info.events++;
    o.info.bytes += Buffer.byteLength(line);
    o.stream.write(line);
  }

  private openFile(venue: string, at: number): Open {
    const started = at;
    const file = path.join(this.opts.dir, `${venue.replace(/[^\w-]/g, '_')}-${stamp(started)}${RECORDING_EXT}`);
    const stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
    const mode = this.opts.modeOf?.(venue);
    const header = headerLine({
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      venue,
      ...(mode !== undefined ? { mode } : {}),
      started,
      app: this.opts.version,
      redacted: REDACTION_NOTE,
    });
    const o: Open = { info: { venue, file, events: 0, bytes: Buffer.byteLength(header) }, stream, started, failed: false };
    stream.on('error', (err: Error) => {
      if (o.failed) return;
      o.failed = true;
      this.opts.onError?.(err, file);
    });
    stream.write(header);
    this.open.set(venue, o);
    return o;
  }
}
