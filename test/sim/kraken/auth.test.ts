import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { krakenSignature, signatureMatches } from '../../../sim/kraken/auth.js';
import { startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { PrivateClient, sign } from './clients.js';

// Kraken's published "Spot REST Authentication" example (venue doc §1.3).
const SECRET = 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';
const NONCE = '1616492376594';
const BODY = 'nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25';
const SIGN = '4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==';

describe('Kraken API-Sign', () => {
  it('reproduces the official known answer', () => {
    expect(krakenSignature(SECRET, '/0/private/AddOrder', NONCE, BODY)).toBe(SIGN);
  });

  it('reproduces the extra form and JSON vectors of the venue notes', () => {
    expect(krakenSignature(SECRET, '/0/private/Balance', NONCE, 'nonce=1616492376594')).toBe(
      '1nH4vwR+8FHiYh1QT649xXkGd3JR3x0DWkgv3u9Ed/Qqv6KPtgQpEU4m+Emb/VgpEji3j1XNwI+HCbfXxmrTOg==',
    );
    const json = '{"nonce":"1616492376594","ordertype":"limit","pair":"XBTUSD","price":37500,"type":"buy","volume":1.25}';
    expect(krakenSignature(SECRET, '/0/private/AddOrder', NONCE, json)).toBe(
      'BVT3EumzzXSJHlvrinSwICz5uKKlSZPXL9cJIuKqn7ZMhHSbbtXhGdvwoDBmRz6ALXI+GVxFD0ZlGuOmfi2bxA==',
    );
  });

  it('the server-side checker accepts the official raw body and refuses it changed by one byte or on another path', () => {
    expect(signatureMatches(SECRET, '/0/private/AddOrder', NONCE, Buffer.from(BODY), SIGN)).toBe(true);
    expect(signatureMatches(SECRET, '/0/private/AddOrder', NONCE, Buffer.from(BODY.replace('1.25', '1.26')), SIGN)).toBe(false);
    expect(signatureMatches(SECRET, '/0/private/Balance', NONCE, Buffer.from(BODY), SIGN)).toBe(false);
  });
});

describe('Kraken sim private REST authentication', () => {
  let sim: KrakenSim;
  let client: PrivateClient;

  beforeAll(async () => {
    sim = await startKrakenSim({ seed: 11, apiKey: 'test-key', apiSecret: SECRET, tier: 'pro' });
    client = new PrivateClient(sim.rest, sim.apiKey, sim.apiSecret);
  });
  afterAll(() => sim.close());

  it('accepts the official example request byte for byte and places its order', async () => {
    const r = await fetch(`${sim.rest}/0/private/AddOrder`, {
      method: 'POST',
      headers: { 'API-Key': 'test-key', 'API-Sign': SIGN, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: BODY,
    });
    expect(r.status).toBe(200);
    const env = (await r.json()) as { error: string[]; result: { txid: string[]; descr: { order: string } } };
    expect(env.error).toEqual([]);
    expect(env.result.descr.order).toBe('buy 1.25000000 XBTUSD @ limit 37500.0');
    expect(env.result.txid).toHaveLength(1);
    expect(env.result.txid[0]).toMatch(/^O[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$/);
    expect(sim.record.nonces.get('test-key')).toBe(1616492376594n);
    expect(sim.record.orders.get(env.result.txid[0] ?? '')?.status).toBe('open');
  });

  it('answers a wrong key, a wrong secret and a used nonce with the venue strings, HTTP 200', async () => {
    expect((await client.post('Balance', {}, { key: 'nobody' })).error).toEqual(['EAPI:Invalid key']);
    const otherSecret = Buffer.alloc(64, 7).toString('base64');
    expect((await client.post('Balance', {}, { secret: otherSecret })).error).toEqual(['EAPI:Invalid signature']);
    const n = client.nextNonce();
    expect((await client.post('Balance', {}, { nonce: n })).error).toEqual([]);
    expect((await client.post('Balance', {}, { nonce: n })).error).toEqual(['EAPI:Invalid nonce']);
    expect((await client.post('Balance', {}, { nonce: (BigInt(n) - 5n).toString() })).error).toEqual(['EAPI:Invalid nonce']);
    expect(sim.record.nonces.get('test-key')).toBe(BigInt(n));
    expect(sim.record.errorCount('EAPI:Invalid nonce')).toBeGreaterThanOrEqual(2);
  });

  it('moves the stored nonce only on authenticated requests', async () => {
    const before = sim.record.nonces.get('test-key') ?? 0n;
    const huge = (before + 1_000_000n).toString();
    expect((await client.post('Balance', {}, { nonce: huge, signature: sign(SECRET, '/0/private/Other', huge, 'x') })).error).toEqual(['EAPI:Invalid signature']);
    expect(sim.record.nonces.get('test-key')).toBe(before);
    expect((await client.post('Balance', {}, { nonce: client.nextNonce() })).error).toEqual([]);
  });

  it('verifies a JSON body over its raw text', async () => {
    const r = await client.post('Balance', {}, { json: true });
    expect(r.error).toEqual([]);
    expect(r.result?.['ZUSD']).toMatch(/^\d+\.\d{4}$/);
  });

  it('answers EService:Unavailable for the next n private calls when told to', async () => {
    sim.faults.restUnavailable(2);
    expect((await client.post('Balance')).error).toEqual(['EService:Unavailable']);
    expect((await client.post('Balance')).error).toEqual(['EService:Unavailable']);
    expect((await client.post('Balance')).error).toEqual([]);
    expect(sim.record.errorCount('EService:Unavailable')).toBe(2);
  });
});
