import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KrakenCredentials } from '../../electron/credentials.js';
import { EncryptedFileStore } from '../../electron/vault/encrypted-file-store.js';
import { REDACTED, Redactor } from '../../electron/core/redact.js';
import { redactingStore } from '../../electron/vault/redacting-store.js';
import { TestCipher } from '../vault/test-cipher.js';

// A Kraken-shaped private key: base64 of 64 bytes.
const krakenSecret = Buffer.alloc(64, 7).toString('base64');
const tinvestToken = `t.${'aB3_-'.repeat(17)}`;

describe('Redactor: known secrets', () => {
  it('replaces every registered secret, also URL- and JSON-escaped', () => {
    const r = new Redactor();
    const secret = 'my/odd+secret==value';
    r.register(secret);
    const line = `raw ${secret} url ${encodeURIComponent(secret)} json ${JSON.stringify({ s: secret })} escaped ${secret.replaceAll('/', '\\/')}`;
    const out = r.redact(line);
    expect(out).not.toContain('odd+secret');
    expect(out).not.toContain('odd%2Bsecret');
    expect(out.match(/\[redacted\]/g)).toHaveLength(4);
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const r = new Redactor();
    r.register('abcdefgh', 'abcdefghijklmnop');
    expect(r.redact('x abcdefghijklmnop y')).toBe(`x ${REDACTED} y`);
  });

  it('ignores strings too short to be secrets, which would mangle ordinary text', () => {
    const r = new Redactor();
    r.register('live', 'a');
    expect(r.size).toBe(0);
    expect(r.redact('mode live')).toBe('mode live');
  });

  it('treats regex characters in a secret literally', () => {
    const r = new Redactor();
    r.register('a.b*c+d?e(f)');
    expect(r.redact('a.b*c+d?e(f) aXbbbcd')).toBe(`${REDACTED} aXbbbcd`);
  });
});

describe('Redactor: shapes', () => {
  const r = new Redactor();

  it('redacts bearer tokens and authorization metadata however they are printed', () => {
    expect(r.redact('Authorization: Bearer abc.def-ghi')).toBe(`Authorization: ${REDACTED}`);
    expect(r.redact('calling with bearer xyz123 now')).toBe(`calling with bearer ${REDACTED} now`);
    expect(r.redact('{"authorization":"Bearer abc"}')).toBe(`{"authorization":"${REDACTED}"}`);
    expect(r.redact("{ authorization: 'Basic dXNlcjpwYXNz' }")).toBe(`{ authorization: '${REDACTED}' }`);
    expect(r.redact('authorization=opaque-value; next=1')).toBe(`authorization=${REDACTED}; next=1`);
  });

  it('redacts gRPC Metadata formatted by util.inspect', () => {
    const md = new Metadata();
    md.set('authorization', 'Bearer t.someOpaqueToken');
    md.set('x-app-name', 'switchboard');
    const out = r.format('request metadata', md);
    expect(out).not.toContain('someOpaqueToken');
    expect(out).toContain('x-app-name');
    expect(out).toContain('switchboard');
  });

  it('redacts Kraken API-Key and API-Sign headers in raw, JSON and object form', () => {
    const sign = createHmac('sha512', Buffer.from(krakenSecret, 'base64')).update('payload').digest('base64');
    const raw = `POST /0/private/Balance\r\nAPI-Key: SomeKeyValue123\r\nAPI-Sign: ${sign}\r\nContent-Type: x`;
    const out = r.redact(raw);
    expect(out).toBe(`POST /0/private/Balance\r\nAPI-Key: ${REDACTED}\r\nAPI-Sign: ${REDACTED}\r\nContent-Type: x`);
    expect(r.format({ headers: { 'API-Key': 'SomeKeyValue123', 'API-Sign': sign } })).not.toMatch(/SomeKeyValue123|[A-Za-z0-9+/]{40}/);
    expect(r.redact('{"api-key":"SomeKeyValue123"}')).toBe(`{"api-key":"${REDACTED}"}`);
  });

  it('redacts Kraken-shaped private keys and T-Invest tokens nobody registered', () => {
    expect(r.redact(`secret=${krakenSecret}.`)).toBe(`secret=${REDACTED}.`);
    expect(r.redact(`token ${tinvestToken} end`)).toBe(`token ${REDACTED} end`);
  });

  it('leaves ordinary log lines alone', () => {
    const lines = [
      'kraken ws v2 book BTC/USD depth 10 checksum 3310070434',
      'tinvest stream connected to invest-public-api.tinkoff.ru:443 in 120 ms',
      'order cl_ord_id=5f1c2d3e-aaaa-bbbb-cccc-1234567890ab state=open',
      `sha256 ${'ab'.repeat(32)}`,
    ];
    for (const line of lines) expect(r.redact(line)).toBe(line);
  });

  it('formats errors with their causes, redacted', () => {
    const rr = new Redactor();
    rr.register('CauseSecret123');
    const err = new Error('auth failed', { cause: new Error('server said CauseSecret123 is invalid') });
    const out = rr.format('venue error', err);
    expect(out).toContain('auth failed');
    expect(out).not.toContain('CauseSecret123');
  });
});

describe('Redactor: leaves what holds no secret as it is', () => {
  const r = new Redactor();

  it.each([
    ['Enable OTP: it is required for withdrawals'],
    ['otp: required'],
    ['the api-key: it was revoked, create a new one'],
    ['Invalid api-key: check the key in settings'],
    ['the bearer of this order is unknown'],
    ['bearer token expired'],
    ['Bearer tokens expire after 24 hours'],
    ['token: expired, sign in again'],
    ['password: too short.'],
    ['secret: not stored'],
    ['Authorization: denied for this account'],
    ['authorization: failed (code 40003)'],
    ['Subscription failed: "token": missing in request'],
    [`cursor ${'A'.repeat(86)}==`],
  ])('%j', (line) => {
    expect(r.redact(line)).toBe(line);
  });

  it('changes no text without a secret in it (property)', () => {
    const prose = fc.constantFrom('the', 'order', 'is', 'not', 'required', 'expired', 'denied', 'missing', 'failed', 'of', 'it', 'was', 'for', 'this', 'account', 'check', 'key', 'keys', 'tokens', 'sign', 'in', 'again', 'stream', 'live', 'closed', 'venue', 'BTC/USD', 'SBER', 'rub');
    const trigger = fc.constantFrom('otp', 'OTP', 'token', 'Token', 'api-key', 'API-Key', 'apiKey', 'secret', 'password', 'authorization', 'Authorization', 'bearer', 'Bearer', 'api-sign');
    const id = fc.oneof(
      fc.uuid(),
      fc.integer({ min: 0, max: 10 ** 9 }).map(String),
      fc.constantFrom('BBG004730N88', '100.25', '0.00010000', 'XBT/USD', 'e6123145-9665-43e0-8413-cd61b8aa9b13', '3310070434'),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
    );
    // A trigger word is followed by prose, as in a sentence; ids stand anywhere else.
    const phrase = fc.oneof(
      fc.tuple(trigger, fc.constantFrom(' ', ': ', ' : '), prose).map(([t, sep, w]) => `${t}${sep}${w}`),
      prose,
      id,
    );
    const sentence = fc.array(fc.tuple(phrase, fc.constantFrom(' ', ', ', '. ', '; ', ' (', ') ')), { minLength: 1, maxLength: 12 }).map((parts) => parts.map(([p, sep]) => p + sep).join('').trim());
    fc.assert(
      fc.property(sentence, (text) => {
        expect(r.redact(text)).toBe(text);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('redactingStore', () => {
  const kraken: KrakenCredentials = { apiKey: 'RedactingStoreApiKeyCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC', apiSecret: krakenSecret, mode: 'live' };
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-redact-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('registers secrets as they are stored, even when the store then refuses', async () => {
    const redactor = new Redactor();
    const refusing = new EncryptedFileStore({ file: join(dir, 'vault.json'), cipher: new TestCipher('basic_text'), platform: 'linux' });
    const store = redactingStore(refusing, redactor);
    await expect(store.set('kraken', kraken)).rejects.toMatchObject({ code: 'no-secure-backend' });
    expect(redactor.redact(`key=${kraken.apiKey} secret=${kraken.apiSecret}`)).toBe(`key=${REDACTED} secret=${REDACTED}`);
  });

  it('registers secrets as they are loaded, e.g. after a restart', async () => {
    const file = join(dir, 'vault.json');
    const cipher = new TestCipher();
    await new EncryptedFileStore({ file, cipher, platform: 'linux' }).set('kraken', kraken);
    const redactor = new Redactor();
    const store = redactingStore(new EncryptedFileStore({ file, cipher, platform: 'linux' }), redactor);
    expect(store.backend).toBe('safe-storage/gnome_libsecret');
    expect(await store.get('tinvest')).toBeNull();
    expect(redactor.size).toBe(0);
    expect(await store.get('kraken')).toEqual(kraken);
    expect(redactor.redact(`loaded ${kraken.apiKey}`)).toBe(`loaded ${REDACTED}`);
    expect(await store.has('kraken')).toBe(true);
    await store.delete('kraken');
    expect(await store.has('kraken')).toBe(false);
  });
});
