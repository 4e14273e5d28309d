/**
 * The main process's logger. Every line is one JSON object — {time, level, component,
 * connection?, msg, detail?} — so a trader can send us the file and we can filter it. Every
 * line passes through redaction twice: each field before it is encoded (a secret quoted inside
 * a message would hide behind JSON's escaped quotes), then the line as a whole (a secret that
 * is only recognisable by the key beside it). Registered secrets are masked wherever they
 * appear, and so are values that look like credentials (token=…, Bearer …, "apiSecret": "…")
 * even when nobody registered them. The same redaction guards text that crosses the bridge
 * from a venue (error messages, diagnostics). Where lines go is the caller's choice
 * (core/log-sinks.ts): the rotating file, stderr in development; never stdout, which the
 * headless entry keeps for its one URL line.
 */
import { inspect } from 'node:util';
import { Redactor } from './redact.js';

export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  info(msg: string, detail?: unknown): void;
  warn(msg: string, detail?: unknown): void;
  error(msg: string, detail?: unknown): void;
  /** A sub-component: its lines carry `component` "scope:sub". */
  child(scope: string): Logger;
  /** The same component, its lines tagged with the venue connection they are about. */
  forConnection(connection: string): Logger;
}

/** One line of the log file, as parsed back. */
export interface LogRecord {
  time: string;
  level: LogLevel;
  component: string;
  connection?: string;
  msg: string;
  detail?: unknown;
}

/**
 * The app's one redactor: the vault registers every secret it stores or loads here, and the
 * shapes of secrets nobody registered are its rules too (core/redact.ts, which the vault uses as well), one owner for both.
 */
export const logRedactor = new Redactor();

/** Masks `value` in every later log line. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined) logRedactor.register(value);
}

export function redact(text: string): string {
  return logRedactor.redact(text);
}

/** Errors keep what helps us (name, message, code, stack); JSON.stringify would drop them all. */
function plain(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.stack !== undefined) out.stack = value.stack;
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  // Every string value redacted on its own, before quotes around it are escaped.
  if (typeof value === 'string') return redact(value);
  return value;
}

/** The detail as redacted JSON text; what JSON can't hold (cycles) goes in as inspected text. */
function encodeDetail(detail: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(detail, plain);
  } catch {
    text = undefined;
  }
  if (text === undefined) return JSON.stringify(redact(inspect(detail, { depth: 4, breakLength: Infinity })));
  const masked = redact(text);
  return parses(masked) ? masked : text;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** One JSON line, newline included, redacted field by field and then as a whole. */
export function formatLine(level: LogLevel, component: string, connection: string | undefined, msg: string, detail: unknown, now: Date = new Date()): string {
  let line = `{"time":${JSON.stringify(now.toISOString())},"level":"${level}","component":${JSON.stringify(redact(component))}`;
  if (connection !== undefined) line += `,"connection":${JSON.stringify(redact(connection))}`;
  line += `,"msg":${JSON.stringify(redact(msg))}`;
  if (detail !== undefined) line += `,"detail":${encodeDetail(detail)}`;
  line += '}';
  const whole = redact(line);
  // The whole-line pass only ever masks more; should it ever break the JSON, the fields were already redacted.
  return `${whole === line || parses(whole) ? whole : line}\n`;
}

/** Where this process's log file is, once one is open: error messages name it (core/log-file.ts sets it). */
let logFileLocation: string | undefined;

export function setLogFileLocation(file: string | undefined): void {
  logFileLocation = file;
}

/** The end of an error message that sends the trader to the log: it names the file, so they can find and send it. */
export function seeTheLog(): string {
  return logFileLocation === undefined ? 'see the app log' : `see the log: ${logFileLocation}`;
}

export type LogWrite = (line: string) => void;

const writeStderr: LogWrite = (line) => {
  process.stderr.write(line);
};

export function createLogger(scope: string, write: LogWrite = writeStderr, connection?: string): Logger {
  const emit = (level: LogLevel, msg: string, detail: unknown): void => {
    write(formatLine(level, scope, connection, msg, detail));
  };
  return {
    info: (msg, detail) => emit('info', msg, detail),
    warn: (msg, detail) => emit('warn', msg, detail),
    error: (msg, detail) => emit('error', msg, detail),
    child: (sub) => createLogger(`${scope}:${sub}`, write, connection),
    forConnection: (conn) => createLogger(scope, write, conn),
  };
}

/** For tests and embedding: a logger that drops everything. */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
  forConnection: () => silentLogger,
};
