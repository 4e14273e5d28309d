import { describe, expect, it } from 'vitest';
import { createLogger, redact, registerSecret } from '../../electron/core/log.js';

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
