/**
 * The local Kraken keeps one truth when a client dies mid-request (the crash test kills the
 * app while the venue runs on): an order whose request arrived exists exactly once, shows in
 * the open or closed list, holds what it should, and its cl_ord_id stays taken while open.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { waitFor } from '../../venues/kraken/helpers.js';
import { PrivateClient, WsProbe, sign } from './clients.js';

describe('Kraken sim when its client dies mid-request', () => {
  let sim: KrakenSim;
  let market: Market;
  let client: PrivateClient;

  beforeAll(async () => {
    market = new Market({ seed: 12, symbols: krakenMarketSymbols() });
    sim = await startKrakenSim({ seed: 12, market, tier: 'pro' });
    client = new PrivateClient(sim.rest, sim.apiKey, sim.apiSecret);
  });
  afterAll(async () => {
    await sim.close();
    market.stop();
  });

  /** Sends a signed AddOrder and destroys the connection as soon as the body is out: no answer read. */
  const addAndDie = (cl: string, price: string): Promise<void> =>
    new Promise((resolve) => {
      const path = '/0/private/AddOrder';
      const nonce = client.nextNonce();
      const body = new URLSearchParams({ nonce, pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price, volume: '0.0002', cl_ord_id: cl }).toString();
      const req = request(`${sim.rest}${path}`, {
        method: 'POST',
        headers: { 'API-Key': sim.apiKey, 'API-Sign': sign(sim.apiSecret, path, nonce, body), 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.end(body, () => req.destroy());
    });

  const ordersWith = (cl: string) => [...sim.record.orders.values()].filter((r) => r.clOrdId === cl);

  it('REST: every AddOrder whose client vanished exists at most once and is listed where its status says', async () => {
    for (let i = 0; i < 20; i++) await addAndDie(`die-r-${i}`, (30000 + i).toFixed(1));
    // Whatever reached the venue is handled in order; at least the early ones got there.
    await waitFor('an order from a dead client', () => ordersWith('die-r-0').length + ordersWith('die-r-1').length > 0, 10_000);
    const open = (await client.ok<{ open: Record<string, { cl_ord_id?: string }> }>('OpenOrders')).open;
    let arrived = 0;
    for (let i = 0; i < 20; i++) {
      const rs = ordersWith(`die-r-${i}`);
      expect(rs.length).toBeLessThanOrEqual(1);
      if (rs.length === 0) continue;
      arrived++;
      expect(rs[0]!.status).toBe('open');
      expect(open[rs[0]!.txid]?.cl_ord_id).toBe(`die-r-${i}`);
      // The id is taken while the order is open: a retry from the restarted app cannot double it.
      const again = await client.post('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: '30000.0', volume: '0.0002', cl_ord_id: `die-r-${i}` });
      expect(again.error).toEqual(['EOrder:Duplicate cl_ord_id']);
      expect(ordersWith(`die-r-${i}`)).toHaveLength(1);
    }
    expect(arrived).toBeGreaterThan(0);
  });

  it('WS: add_order followed at once by a dead socket leaves the order once, its hold counted', async () => {
    const token = await client.token();
    const before = await client.ok<Record<string, { hold_trade: string }>>('BalanceEx');
    for (let i = 0; i < 10; i++) {
      const probe = await WsProbe.open(sim.wsAuth);
      probe.send({ method: 'add_order', params: { token, symbol: 'BTC/USD', side: 'buy', order_type: 'limit', order_qty: 0.0002, limit_price: 31000 + i, cl_ord_id: `die-w-${i}` }, req_id: i });
      probe.ws.terminate();
    }
    await waitFor('an order from a dead socket', () => ordersWith('die-w-0').length + ordersWith('die-w-1').length > 0, 10_000);
    // A fresh client sees each order the venue got exactly once, open, and listed by cl_ord_id.
    const held = await client.ok<Record<string, { hold_trade: string }>>('BalanceEx');
    let arrived = 0;
    for (let i = 0; i < 10; i++) {
      const rs = ordersWith(`die-w-${i}`);
      expect(rs.length).toBeLessThanOrEqual(1);
      if (rs.length === 0) continue;
      arrived++;
      const byCl = await client.ok<{ open: Record<string, unknown> }>('OpenOrders', { cl_ord_id: `die-w-${i}` });
      expect(Object.keys(byCl.open)).toEqual([rs[0]!.txid]);
    }
    expect(arrived).toBeGreaterThan(0);
    expect(Number(held['ZUSD']?.hold_trade)).toBeGreaterThan(Number(before['ZUSD']?.hold_trade ?? '0'));
  });

  it('with a lost-reply rate, that share of executed orders and cancels go unanswered and each still happened once', async () => {
    sim.faults.loseReplyRate = 0.2;
    const lostBefore = sim.record.lostReplies.length;
    let unanswered = 0;
    try {
      for (let i = 0; i < 100; i++) {
        const r = await client.post('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: (29000 + i).toFixed(1), volume: '0.0001', cl_ord_id: `rate-${i}` }).catch(() => undefined);
        if (r === undefined) unanswered++;
        else expect(r.error).toEqual([]);
      }
      const token = await client.token();
      const probe = await WsProbe.open(sim.wsAuth);
      let silent = 0;
      for (let i = 0; i < 50; i++) {
        const from = probe.frames.length;
        probe.send({ method: 'cancel_order', params: { token, cl_ord_id: [`rate-${i}`] }, req_id: 1000 + i });
        // Whether or not it answers, the venue's record says the cancel happened.
        await waitFor(`rate-${i} cancelled`, () => ordersWith(`rate-${i}`)[0]?.status === 'canceled', 10_000);
        if (!probe.frames.slice(from).some((f) => f.json?.['req_id'] === 1000 + i)) {
          await probe.request('ping', {}, 5000 + i);
          if (!probe.frames.slice(from).some((f) => f.json?.['req_id'] === 1000 + i)) silent++;
        }
      }
      probe.close();
      const lost = sim.record.lostReplies.slice(lostBefore);
      expect(lost.filter((l) => l.kind === 'rest-addorder')).toHaveLength(unanswered);
      expect(lost.filter((l) => l.kind === 'ws-cancel_order')).toHaveLength(silent);
      // 150 draws at 0.2: far from none and far from all.
      expect(unanswered + silent).toBeGreaterThan(5);
      expect(unanswered + silent).toBeLessThan(75);
      for (let i = 0; i < 100; i++) expect(ordersWith(`rate-${i}`)).toHaveLength(1);
    } finally {
      sim.faults.loseReplyRate = 0;
    }
  });
});
