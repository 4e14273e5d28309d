/**
 * Bridge errors name what was wrong without quoting the caller's text: a hostile caller (or a
 * trader who pasted a secret into the wrong field) must never see its input come back in an
 * error, on either the session or the WebSocket wire. Every hostile text carries a marker our
 * own words never contain, and no answer may contain the marker.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../electron/contract.js';
import type { MethodName, Result } from '../../electron/contract.js';
import { Hub } from '../../electron/core/hub.js';
import { Session } from '../../electron/bridge/session.js';
import { parseWireRequest } from '../../electron/bridge/wire.js';
import { memoryVenues } from '../core/memory-venue.js';
import { tradingVenues } from '../core/memory-trading-venue.js';

const MARK = 'Qz7Mark';

async function session(): Promise<Session> {
  const hub = new Hub();
  hub.addVenue(memoryVenues().factory);
  await hub.connect('tinvest');
  return new Session({ hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 });
}

function text(r: Result<unknown>): string {
  return JSON.stringify(r);
}

/** Text with the marker somewhere in it. */
const marked = fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([a, b]) => `${a}${MARK}${b}`);

/** A valid-looking request of `method` with one field (or a new key) replaced by marked text. */
function hostilePayload(_method: MethodName): fc.Arbitrary<unknown> {
  const fields = ['venue', 'instrumentId', 'interval', 'accountId', 'clientOrderId', 'subscriptionId', 'query', 'quantity', 'price', 'side', 'type', 'mode', 'limit', 'before'];
  const base = { venue: 'tinvest', instrumentId: 'id-SBER', interval: '1m', accountId: 'acc-1', side: 'buy', type: 'limit', quantity: '1', price: '100', clientOrderId: '7b0a3c1e-1111-4222-8333-944455556666' };
  return fc.oneof(
    fc.tuple(fc.constantFrom(...fields), marked).map(([f, v]) => ({ ...base, [f]: v })),
    marked.map((k) => ({ ...base, [k]: 1 })),
    marked.map((k) => ({ [k]: { [k]: k } })),
    marked,
    fc.tuple(marked, marked).map(([a, b]) => [a, b]),
    marked.map((v) => ({ venue: 'kraken', credentials: { apiKey: v, apiSecret: v, mode: 'live' } })),
    marked.map((v) => ({ venue: 'tinvest', credentials: { token: `t.${v}`, mode: v } })),
  );
}

describe('bridge errors never echo input', () => {
  it.each([
    ['a token assignment', `token=${MARK}secret`],
    ['a bearer header', `Bearer ${MARK}`],
    ['markup', `${MARK}<script>alert(1)</script>`],
    ['a real name with a tail', `orders.place${MARK}`],
    ['14,000 characters', `${MARK}`.repeat(2000)],
    ['control characters', `\u0000${MARK}\n\r`],
  ])('answers an unknown method name holding %s without quoting it', async (_what, name) => {
    const s = await session();
    const r = await s.handle(name, {});
    expect(r).toMatchObject({ ok: false, code: 'unknown-method' });
    expect(text(r)).not.toContain(MARK);
  });

  it('quotes no part of any unknown method name (property)', async () => {
    const s = await session();
    await fc.assert(
      fc.asyncProperty(marked, async (name) => {
        const r = await s.handle(name, {});
        expect(r.ok).toBe(false);
        expect(text(r)).not.toContain(MARK);
      }),
      { numRuns: 500 },
    );
  });

  it('quotes no part of a refused payload, whatever the method (property)', async () => {
    const s = await session();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHOD_NAMES).chain((m) => fc.tuple(fc.constant(m), hostilePayload(m))), async ([method, payload]) => {
        const r = await s.handle(method, payload);
        if (!r.ok) expect(text(r)).not.toContain(MARK);
      }),
      { numRuns: 3000 },
    );
  });

  it("names neither id of an order asked for under the wrong account", async () => {
    const hub = new Hub();
    const venues = tradingVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const s = new Session({ hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 });
    const clientOrderId = '7b0a3c1e-1111-4222-8333-944455556666';
    const placed = await s.handle('orders.place', { venue: 'tinvest', accountId: 'acc-1', instrumentId: 'id-SBER', side: 'buy', type: 'limit', quantity: '1', price: '100', clientOrderId });
    expect(placed.ok).toBe(true);
    const r = await s.handle('orders.cancel', { venue: 'tinvest', accountId: `acc${MARK}`, clientOrderId });
    expect(r).toMatchObject({ ok: false, code: 'not-found' });
    expect(text(r)).not.toContain(MARK);
    expect(text(r)).not.toContain(clientOrderId);
    const reused = await s.handle('orders.place', { venue: 'tinvest', accountId: 'acc-1', instrumentId: 'id-SBER', side: 'sell', type: 'limit', quantity: '1', price: '100', clientOrderId });
    expect(reused).toMatchObject({ ok: false, code: 'invalid' });
    expect(text(reused)).not.toContain(clientOrderId);
  });

  it('answers broken wire frames without quoting them', () => {
    for (const frame of [`{"id":"${MARK}${'x'.repeat(80)}","method":"app.info"}`, `${MARK}{`, `["${MARK}"]`, `{"id":{"${MARK}":1}}`]) {
      const r = parseWireRequest(frame);
      expect('error' in r).toBe(true);
      expect(JSON.stringify(r)).not.toContain(MARK);
    }
  });
});
