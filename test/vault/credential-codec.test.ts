import { describe, expect, it } from 'vitest';
import { decodeCredentials, encodeCredentials } from '../../electron/vault/credential-codec.js';
import { secretValues, storeCredentialsRequestSchema, type KrakenCredentials, type TInvestCredentials } from '../../electron/credentials.js';
import { SecretStoreError, standardMessage, SECRET_STORE_ERROR_CODES } from '../../electron/vault/secret-store.js';

const tinvest: TInvestCredentials = { token: 't.Q29kZWNUZXN0VG9rZW5Ob3RSZWFsX19fX19fX19fX19fX19fX18', accountId: '2000123456', mode: 'sandbox' };
const kraken: KrakenCredentials = { apiKey: 'CodecApiKeyDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD', apiSecret: Buffer.alloc(64, 3).toString('base64'), mode: 'live' };

function decodeError(venue: 'tinvest' | 'kraken', text: string): SecretStoreError {
  try {
    decodeCredentials(venue, text);
  } catch (e) {
    expect(e).toBeInstanceOf(SecretStoreError);
    return e as SecretStoreError;
  }
  throw new Error('decoded what should be corrupt');
}

describe('credential codec', () => {
  it('round-trips each venue’s credentials as a versioned JSON envelope', () => {
    const text = encodeCredentials('tinvest', tinvest);
    expect(JSON.parse(text)).toEqual({ v: 1, venue: 'tinvest', credentials: tinvest });
    expect(decodeCredentials('tinvest', text)).toEqual(tinvest);
    expect(decodeCredentials('kraken', encodeCredentials('kraken', kraken))).toEqual(kraken);
  });

  it('trims a pasted trailing newline before storing', () => {
    const text = encodeCredentials('kraken', { ...kraken, apiSecret: `${kraken.apiSecret}\n` });
    expect(decodeCredentials('kraken', text).apiSecret).toBe(kraken.apiSecret);
  });

  it('reports anything else as corrupt, naming fields and never quoting the text', () => {
    const leak = 't.LeakyTokenThatMustNotBeQuotedInAnyErrorMessage';
    const cases: Array<['tinvest' | 'kraken', string]> = [
      ['tinvest', `{"v":1,"venue":"tinvest","credentials":{"token":"${leak}"`],
      ['tinvest', leak],
      ['tinvest', JSON.stringify({ v: 2, venue: 'tinvest', credentials: { token: leak, mode: 'live' } })],
      ['tinvest', JSON.stringify({ v: 1, venue: 'kraken', credentials: { token: leak, mode: 'live' } })],
      ['tinvest', JSON.stringify({ v: 1, venue: 'tinvest', credentials: { token: leak, mode: 'paper' } })],
      ['kraken', JSON.stringify({ v: 1, venue: 'kraken', credentials: { apiKey: leak, apiSecret: `${leak} x`, mode: 'live' } })],
      ['kraken', JSON.stringify({ v: 1, venue: 'kraken', credentials: { ...kraken, extra: leak } })],
      ['kraken', 'null'],
    ];
    for (const [venue, text] of cases) {
      const err = decodeError(venue, text);
      expect(err.code, text).toBe('corrupt');
      expect(err.venue).toBe(venue);
      expect(`${err.message} ${err.detail ?? ''}`).not.toContain('LeakyToken');
    }
    expect(decodeError('kraken', cases[5]?.[1] ?? '').detail).toMatch(/apiSecret/);
  });

  it('refuses to encode invalid credentials', () => {
    expect(() => encodeCredentials('tinvest', { token: 'short', mode: 'live' })).toThrow(/token/);
    expect(() => encodeCredentials('kraken', { ...kraken, apiSecret: 'not base64 !' })).toThrow(TypeError);
  });

  it('lists the values that must be redacted', () => {
    expect(secretValues(tinvest)).toEqual([tinvest.token]);
    expect(secretValues(kraken)).toEqual([kraken.apiKey, kraken.apiSecret]);
  });
});

describe('store-credentials request schema', () => {
  it('picks the credential schema by venue', () => {
    expect(storeCredentialsRequestSchema.parse({ venue: 'kraken', credentials: kraken })).toEqual({ venue: 'kraken', credentials: kraken });
    expect(storeCredentialsRequestSchema.safeParse({ venue: 'tinvest', credentials: kraken }).success).toBe(false);
    expect(storeCredentialsRequestSchema.safeParse({ venue: 'kraken', credentials: { ...kraken, mode: 'sandbox' } }).success).toBe(false);
    expect(storeCredentialsRequestSchema.safeParse({ venue: 'tinvest', credentials: tinvest, extra: 1 }).success).toBe(false);
  });
});

describe('SecretStoreError', () => {
  it('says why and what to do, per platform, for every code', () => {
    for (const code of SECRET_STORE_ERROR_CODES) {
      for (const platform of ['linux', 'darwin', 'win32'] as const) expect(standardMessage(code, platform).length).toBeGreaterThan(40);
    }
    expect(standardMessage('keyring-unavailable', 'linux')).toMatch(/apt install gnome-keyring.*KWallet.*dbus-run-session/s);
    expect(standardMessage('no-secure-backend', 'linux')).toMatch(/obfuscated.*gnome-keyring/s);
    expect(standardMessage('keyring-unavailable', 'darwin')).toMatch(/macOS Keychain/);
    const err = new SecretStoreError('keyring-locked', { platform: 'linux', detail: 'prompt dismissed', venue: 'kraken' });
    expect(err).toMatchObject({ name: 'SecretStoreError', code: 'keyring-locked', venue: 'kraken', detail: 'prompt dismissed' });
    expect(err.message).toMatch(/is locked.*\(prompt dismissed\)$/);
  });
});
