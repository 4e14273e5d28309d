import { describe, expect, it } from 'vitest';
import { createLogger, redact, registerSecret } from '../../electron/core/log.js';
import type { LogRecord } from '../../electron/core/log.js';

describe('log redaction', () => {
  it('never writes a registered secret or a credential-looking value', () => {
    const lines: string[] = [];
    const log = createLogger('test', (l) => lines.push(l));
    registerSecret('t.0ken-Value-Of-The-Sim');
    log.info('connecting with t.0ken-Value-Of-The-Sim');
    log.warn('open http://127.0.0.1:5173/?token=abcDEF123_-xyz&x=1');
    log.error('bad config', { apiKey: 'K-123456', apiSecret: 'c2VjcmV0', note: 'kept' });
    log.info('header', 'Authorization: Bearer eyJhbGciOi.J9');
    const text = lines.join('');
    for (const secret of ['t.0ken-Value-Of-The-Sim', 'abcDEF123_-xyz', 'K-123456', 'c2VjcmV0', 'eyJhbGciOi.J9']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('kept');
    expect(text).toContain('&x=1');
  });
});

describe('log redaction touches only what it must', () => {
  it.each([
    ['token: expired, sign in again'],
    ['password: too short.'],
    ['secret: not stored'],
    ['Subscription failed: "token": missing in request'],
    ['the bearer of this order is unknown'],
    ['Bearer tokens expire after 24 hours'],
    ['otp: required'],
  ])('%j', (line) => {
    expect(redact(line)).toBe(line);
  });

  it('still masks the values of credential fields and bearer tokens', () => {
    expect(redact('{"apiKey":"K-123456","apiSecret":"c2VjcmV0","note":"kept"}')).toBe('{"apiKey":"[redacted]","apiSecret":"[redacted]","note":"kept"}');
    expect(redact('token: t0k3n-value password=hunter2 otp: 123456')).toBe('token: [redacted] password=[redacted] otp: [redacted]');
    expect(redact('GET /?token=abcDEF123_-xyz&x=1')).toBe('GET /?token=[redacted]&x=1');
    expect(redact('using bearer xyz123 now')).toBe('using bearer [redacted] now');
  });
});

describe('log lines', () => {
  const capture = (): { lines: string[]; log: ReturnType<typeof createLogger> } => {
    const lines: string[] = [];
    return { lines, log: createLogger('app', (l) => void lines.push(l)) };
  };

  it('are one JSON object each: time, level, component, connection when given, msg, detail when given', () => {
    const { lines, log } = capture();
    log.info('started');
    log.child('kraken').forConnection('ws-public').warn('heartbeat late', { lateMs: 1200 });
    log.error('failed', new TypeError('boom'));
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const [a, b, c] = lines.map((l) => JSON.parse(l) as LogRecord);
    expect(Object.keys(a ?? {})).toEqual(['time', 'level', 'component', 'msg']);
    expect(a).toMatchObject({ level: 'info', component: 'app', msg: 'started' });
    expect(new Date(a?.time ?? '').toISOString()).toBe(a?.time);
    expect(b).toEqual({ time: b?.time, level: 'warn', component: 'app:kraken', connection: 'ws-public', msg: 'heartbeat late', detail: { lateMs: 1200 } });
    expect(c?.detail).toMatchObject({ name: 'TypeError', message: 'boom' });
    expect((c?.detail as { stack?: string }).stack).toContain('TypeError: boom');
  });

  it('mask a registered secret and a Bearer token in msg and in detail, and stay valid JSON', () => {
    const { lines, log } = capture();
    const secret = 'Kr4ken-Registered-Secret-0001';
    registerSecret(secret);
    const bearer = 'eyJ0eXAi.Zm9vYmFy-9x';
    log.warn(`signing with ${secret} and Authorization: Bearer ${bearer}`);
    log.warn('call failed', { headers: `Bearer ${bearer}`, note: `key ${secret}`, quoted: `password: "${secret}"` });
    log.warn('as text', `using bearer ${bearer} with "${secret}"`);
    log.error('as error', new Error(`rejected Bearer ${bearer} for ${secret}`));
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(bearer);
    expect(text).not.toContain('Zm9vYmFy');
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    const parsed = lines.map((l) => JSON.parse(l) as LogRecord);
    expect(parsed[0]?.msg).toContain('[redacted]');
    expect(parsed[1]?.detail).toEqual({ headers: 'Bearer [redacted]', note: 'key [redacted]', quoted: 'password: "[redacted]"' });
  });

  it('mask a secret quoted inside a message or a detail string, where JSON escapes the quotes', () => {
    const { lines, log } = capture();
    log.info('config said password: "hunter2-unregistered"');
    log.info('config', { line: 'password: "hunter3-unregistered"' });
    expect(lines.join('')).not.toContain('hunter2-unregistered');
    expect(lines.join('')).not.toContain('hunter3-unregistered');
  });

  it('keep cyclic details as text instead of throwing', () => {
    const { lines, log } = capture();
    const cyclic: Record<string, unknown> = { token: 'abcDEF123_-xyz' };
    cyclic.self = cyclic;
    log.info('cycle', cyclic);
    const rec = JSON.parse(lines[0] ?? '') as LogRecord;
    expect(typeof rec.detail).toBe('string');
    expect(lines[0]).not.toContain('abcDEF123_-xyz');
  });
});
