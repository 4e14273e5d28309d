import { describe, expect, it } from 'vitest';
import { createLogger, registerSecret } from '../../electron/core/log.js';

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
