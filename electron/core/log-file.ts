/**
 * The log file a trader can send us: `<dataDir>/logs/switchboard.log`, rotated by size
 * (switchboard.1.log is the newest old file; past `keep` the oldest is deleted), readable by
 * its owner only (folder 0700, files 0600: lines are redacted, but they still say what was
 * traded).
 *
 * Appends are synchronous, one write per line. Logs here are events (connections, orders,
 * failures), not ticks, and the hub already thins floods; a write syscall per line is cheap at
 * that rate. In exchange nothing sits in a buffer: the lines just before a crash, a SIGKILL or
 * process.exit are the ones we most need, and they are already on disk.
 */
import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Logger, LogWrite } from './log.js';
import { createLogger, setLogFileLocation } from './log.js';

export const LOG_FILE_NAME = 'switchboard.log';
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_KEEP = 3;

export interface LogFileOptions {
  /** The folder; created 0700 if missing. */
  dir: string;
  /** Rotate before a line would take the file past this size. */
  maxBytes?: number;
  /** Old files kept besides the current one. */
  keep?: number;
}

export class RotatingLogFile {
  readonly dir: string;
  readonly file: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  #fd: number | undefined;
  #size = 0;
  /** Lines lost to a failing disk; logging never throws into the code that logs. */
  failedWrites = 0;

  constructor(opts: LogFileOptions) {
    this.dir = opts.dir;
    this.file = path.join(opts.dir, LOG_FILE_NAME);
    this.#maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#keep = Math.max(0, Math.floor(opts.keep ?? DEFAULT_KEEP));
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // A folder made earlier, or by someone else's umask, is tightened too.
    chmodSync(this.dir, 0o700);
    this.#open();
  }

  /** switchboard.log, switchboard.1.log … switchboard.<keep>.log */
  nameOf(index: number): string {
    return path.join(this.dir, index === 0 ? LOG_FILE_NAME : `switchboard.${index}.log`);
  }

  readonly write: LogWrite = (line) => {
    if (this.#fd === undefined) return;
    const bytes = Buffer.from(line, 'utf8');
    try {
      if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) this.#rotate();
      if (this.#fd === undefined) throw new Error('log file closed by a failed rotation');
      writeSync(this.#fd, bytes);
      this.#size += bytes.length;
    } catch (err) {
      // Said once on stderr, where someone running the app may see it; then only counted.
      if (this.failedWrites++ === 0) process.stderr.write(`switchboard: cannot write ${this.file}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  };

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #open(): void {
    const fd = openSync(this.file, 'a', 0o600);
    try {
      chmodSync(this.file, 0o600);
      this.#size = fstatSync(fd).size;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.#fd = fd;
  }

  #rotate(): void {
    this.close();
    try {
      // Oldest first, so each rename lands on a name already moved away; bounded by keep.
      rmSync(this.nameOf(this.#keep), { force: true });
      for (let i = this.#keep - 1; i >= 0; i--) {
        try {
          renameSync(this.nameOf(i), this.nameOf(i + 1));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    } finally {
      // A rotation that failed part-way still leaves a file to write to (the same one, growing).
      this.#open();
    }
  }
}

export interface AppLog {
  /** The root logger; components take children of it. */
  log: Logger;
  /** The folder the app can open, and the file error messages name. */
  folder: string;
  file: string;
  close(): void;
}

export interface AppLogOptions {
  dataDir: string;
  component: string;
  /** Lines to stderr as well (development); stdout is never used. */
  stderr: boolean;
  maxBytes?: number;
  keep?: number;
}

/** The app's log: the rotating file in `<dataDir>/logs`, and stderr when asked. */
export function openAppLog(opts: AppLogOptions): AppLog {
  const file = new RotatingLogFile({
    dir: path.join(opts.dataDir, 'logs'),
    ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
    ...(opts.keep !== undefined ? { keep: opts.keep } : {}),
  });
  const write: LogWrite = opts.stderr
    ? (line) => {
        file.write(line);
        process.stderr.write(line);
      }
    : file.write;
  setLogFileLocation(file.file);
  return { log: createLogger(opts.component, write), folder: file.dir, file: file.file, close: () => file.close() };
}

/**
 * Development unless told otherwise: `NODE_ENV=production` keeps stderr quiet. Read as
 * `process.env.NODE_ENV` literally, so the release bundles (scripts/build-main.ts defines it)
 * are production whatever the environment says.
 */
export function logToStderr(): boolean {
  return process.env.NODE_ENV !== 'production';
}
