/**
 * A tiny logger for the main process. Everything goes to stderr (stdout is reserved for the
 * one line the headless entry prints), and every line passes through redaction: registered
 * secrets are masked wherever they appear, and so are values that look like credentials
 * (token=…, Bearer …, "apiSecret": "…") even when nobody registered them. The same redaction
 * guards text that crosses the bridge from a venue (error messages, diagnostics).
 */
import { Redactor } from './redact.js';

export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  info(msg: string, detail?: unknown): void;
  warn(msg: string, detail?: unknown): void;
  error(msg: string, detail?: unknown): void;
  child(scope: string): Logger;
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

function describe(detail: unknown): string {
  if (detail === undefined) return '';
  if (detail instanceof Error) return ` ${detail.name}: ${detail.message}`;
  if (typeof detail === 'string') return ` ${detail}`;
  try {
    return ` ${JSON.stringify(detail)}`;
  } catch {
    return ` ${String(detail)}`;
  }
}

export type LogWrite = (line: string) => void;

const writeStderr: LogWrite = (line) => {
  process.stderr.write(line);
};

export function createLogger(scope: string, write: LogWrite = writeStderr): Logger {
  const emit = (level: LogLevel, msg: string, detail: unknown): void => {
    const line = `${new Date().toISOString()} ${level} [${scope}] ${msg}${describe(detail)}`;
    write(`${redact(line)}\n`);
  };
  return {
    info: (msg, detail) => emit('info', msg, detail),
    warn: (msg, detail) => emit('warn', msg, detail),
    error: (msg, detail) => emit('error', msg, detail),
    child: (sub) => createLogger(`${scope}:${sub}`, write),
  };
}

/** For tests and embedding: a logger that drops everything. */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
