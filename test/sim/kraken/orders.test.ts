import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Market, formatFixed } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { PrivateClient, WsProbe, channelFrames } from './clients.js';

type Rec = Record<string, unknown>;

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** Parses "123.4567" at a known scale into an integer. */
function units(text: unknown, scale: number): bigint {
  const [w = '0', f = ''] = String(text).split('.');
  return BigInt(w + f.padEnd(scale, '0').slice(0, scale));
}

describe('Kraken sim orders over REST', () => {
  let sim: KrakenSim;
  let market: Market;
  let client: PrivateClient;
  const clock = Date.UTC(2025, 4, 14, 11, 0, 0);
  const now = (): number => clock;

  beforeAll(async () => {
    market = new Market({ seed: 8, symbols: krakenMarketSymbols(), now, historySeconds: 600 });
    sim = await startKrakenSim({ seed: 8, market, now, tier: 'pro' });
    client = new PrivateClient(sim.rest, sim.apiKey, sim.apiSecret);
  });
  afterAll(() => sim.close());

  const btcLast = (): bigint => market.lastPrice('BTC/USD');

  it('rests a limit buy, holds its quote, and fills it partly then fully as the market trades through its price', async () => {
    const before = await client.ok<Record<string, string>>('Balance');
    const price = btcLast() - 10_000n; // 1000.0 below, in tenths
    const priceText = formatFixed(price, 1);
    const add = await client.ok<{ txid: string[]; descr: { order: string } }>('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: priceText, volume: '0.01', cl_ord_id: 'ticket-1' });
    const txid = add.txid[0] ?? '';
    expect(add.descr.order).toBe(`buy 0.01000000 XBTUSD @ limit ${priceText}`);

    const open = (await client.ok<{ open: Record<string, Rec> }>('OpenOrders')).open;
    const o = open[txid] as { status: string; cl_ord_id: string; vol: string; vol_exec: string; descr: Rec; oflags: string };
    expect(o.status).toBe('open');
    expect(o.cl_ord_id).toBe('ticket-1');
    expect(o.vol).toBe('0.01000000');
    expect(o.descr['pair']).toBe('XBTUSD');
    expect(o.descr['price']).toBe(priceText);

    // Hold: volume × price plus the taker fee, rounded up to the USD decimals (4).
    const ex = await client.ok<Record<string, { balance: string; hold_trade: string }>>('BalanceEx');
    expect(units(ex['ZUSD']?.hold_trade, 4)).toBe(ceilDiv(1_000_000n * price * 10026n, 10n ** 9n));

    market.printTrade('BTC/USD', price - 5n, 4n, 'sell', clock); // 0.004 BTC at 0.5 below the limit
    let q = (await client.ok<Record<string, Rec>>('QueryOrders', { txid, trades: true }))[txid] as { status: string; vol_exec: string; trades: string[] };
    expect(q.status).toBe('open');
    expect(q.vol_exec).toBe('0.00400000');

    market.printTrade('BTC/USD', price - 5n, 10n, 'sell', clock);
    q = (await client.ok<Record<string, Rec>>('QueryOrders', { txid, trades: true }))[txid] as typeof q;
    expect(q.status).toBe('closed');
    expect(q.vol_exec).toBe('0.01000000');
    expect(q.trades).toHaveLength(2);

    const rec = sim.record.orders.get(txid);
    expect(rec?.clOrdId).toBe('ticket-1');
    expect(rec?.fills.map((f) => [f.qty, f.price, f.liquidity])).toEqual([
      ['0.00400000', priceText, 'm'],
      ['0.00600000', priceText, 'm'],
    ]);
    const after = await client.ok<Record<string, string>>('Balance');
    expect(units(after['XXBT'], 10) - units(before['XXBT'], 10)).toBe(100_000_000n);
    // Each fill: cost = price × qty rounded to 4 decimals, maker fee 0.16 % rounded up.
    let spent = 0n;
    for (const qty of [400_000n, 600_000n]) {
      const cost = (price * qty * 2n + 10n ** 5n) / (2n * 10n ** 5n);
      spent += cost + ceilDiv(cost * 16n, 10000n);
    }
    expect(units(before['ZUSD'], 4) - units(after['ZUSD'], 4)).toBe(spent);
    const closed = (await client.ok<{ closed: Record<string, Rec>; count: number }>('ClosedOrders')).closed;
    expect(Object.keys(closed)).toContain(txid);
  });

  it('fills a market order at once one tick through the last price, at the taker fee', async () => {
    const last = btcLast();
    const add = await client.ok<{ txid: string[]; descr: { order: string } }>('AddOrder', { pair: 'XXBTZUSD', type: 'sell', ordertype: 'market', volume: '0.002' });
    expect(add.descr.order).toBe('sell 0.00200000 XBTUSD @ market');
    const txid = add.txid[0] ?? '';
    const q = (await client.ok<Record<string, Rec>>('QueryOrders', { txid }))[txid] as { status: string; price: string; cost: string; fee: string };
    expect(q.status).toBe('closed');
    expect(q.price).toBe(formatFixed(last - 1n, 1));
    const cost = units(q.cost, 5);
    expect(cost).toBe((((last - 1n) * 200_000n * 2n + 10n ** 5n) / (2n * 10n ** 5n)) * 10n);
    expect(units(q.fee, 5)).toBe(ceilDiv((cost / 10n) * 26n, 10000n) * 10n);
    expect(sim.record.orders.get(txid)?.fills[0]?.liquidity).toBe('t');
    expect(market.lastPrice('BTC/USD')).toBe(last - 1n);
  });

  it('answers invalid orders with the venue error strings and places nothing', async () => {
    const count = sim.record.orders.size;
    const base = { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: '20000.0' };
    const err = async (p: Record<string, string | number | boolean>): Promise<string[]> => (await client.post('AddOrder', p)).error;
    expect(await err({ ...base, volume: '100' })).toEqual(['EOrder:Insufficient funds']);
    expect(await err({ ...base, volume: '0.00001' })).toEqual(['EOrder:Order minimum not met']);
    expect(await err({ ...base, price: '20000.05', volume: '0.001' })).toEqual(['EOrder:Invalid price:Invalid price argument']);
    expect(await err({ ...base, pair: 'XBTEUR', volume: '0.001' })).toEqual(['EQuery:Unknown asset pair']);
    expect(await err({ ...base, volume: '0.001', cl_ord_id: 'a', userref: 5 })).toEqual(['EGeneral:Invalid arguments:cl_ord_id']);
    expect(await err({ ...base, volume: '0.001', cl_ord_id: 'x'.repeat(19) })).toEqual(['EGeneral:Invalid arguments:cl_ord_id']);
    expect(await err({ ...base, volume: 'abc' })).toEqual(['EGeneral:Invalid arguments:volume']);
    const v = await client.ok<Rec>('AddOrder', { ...base, volume: '0.001', validate: true });
    expect(v['txid']).toBeUndefined();
    expect(v['descr']).toEqual({ order: 'buy 0.00100000 XBTUSD @ limit 20000.0' });
    expect(sim.record.orders.size).toBe(count);
    expect((await client.post('CancelOrder', { txid: 'OABCDE-FGHIJ-KLMNOP' })).error).toEqual(['EOrder:Unknown order']);
  });

  it('keeps cl_ord_id unique among open orders and cancels by cl_ord_id or by userref group', async () => {
    const uuid = '8a9f1c3e-5b7d-4e2f-9a1b-3c5d7e9f1a2b';
    const base = { pair: 'ETHUSD', type: 'buy', ordertype: 'limit', price: '1000.00', volume: '0.01' };
    await client.ok('AddOrder', { ...base, cl_ord_id: uuid });
    expect((await client.post('AddOrder', { ...base, cl_ord_id: uuid })).error).toEqual(['EOrder:Duplicate cl_ord_id']);
    expect(await client.ok('CancelOrder', { cl_ord_id: uuid })).toEqual({ count: 1, pending: false });
    // Closed now, so the id is free again.
    await client.ok('AddOrder', { ...base, cl_ord_id: uuid });
    await client.ok('AddOrder', { ...base, userref: 42 });
    await client.ok('AddOrder', { ...base, userref: 42 });
    expect(await client.ok('CancelOrder', { txid: '42' })).toEqual({ count: 2, pending: false });
    expect(Object.keys((await client.ok<{ open: Rec }>('OpenOrders', { userref: 42 })).open)).toHaveLength(0);
  });

  it('cancels a post-only order that would take instead of letting it fill', async () => {
    const add = await client.ok<{ txid: string[] }>('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: formatFixed(btcLast() + 100n, 1), volume: '0.001', oflags: 'post' });
    const txid = add.txid[0] ?? '';
    const q = (await client.ok<Record<string, Rec>>('QueryOrders', { txid }))[txid] as { status: string; reason: string; vol_exec: string; oflags: string };
    expect(q).toMatchObject({ status: 'canceled', reason: 'Post only order', vol_exec: '0.00000000', oflags: 'post,fciq' });
  });

  it('arms, answers and fires the dead man\'s switch', async () => {
    const off = await client.ok<{ currentTime: string; triggerTime: string }>('CancelAllOrdersAfter', { timeout: 0 });
    expect(off.triggerTime).toBe('0');
    const add = await client.ok<{ txid: string[] }>('AddOrder', { pair: 'SOLUSD', type: 'buy', ordertype: 'limit', price: '10.00', volume: '1' });
    const armed = await client.ok<{ currentTime: string; triggerTime: string }>('CancelAllOrdersAfter', { timeout: 1 });
    expect(Object.keys(armed).sort()).toEqual(['currentTime', 'triggerTime']);
    expect(armed.currentTime).toBe(new Date(clock).toISOString().slice(0, 19) + 'Z');
    expect(armed.triggerTime).toBe(new Date(clock + 1000).toISOString().slice(0, 19) + 'Z');
    const txid = add.txid[0] ?? '';
    await vi.waitFor(() => expect(sim.record.orders.get(txid)?.status).toBe('canceled'), { timeout: 10_000, interval: 50 });
    expect(sim.record.orders.get(txid)?.reason).toBe("Dead man's switch");
  });
});

describe('Kraken sim private WS v2', () => {
  let sim: KrakenSim;
  let market: Market;
  let client: PrivateClient;
  let probe: WsProbe;
  let token: string;
  const clock = Date.UTC(2025, 4, 14, 12, 0, 0);
  const now = (): number => clock;

  beforeAll(async () => {
    market = new Market({ seed: 9, symbols: krakenMarketSymbols(), now, historySeconds: 600 });
    sim = await startKrakenSim({ seed: 9, market, now, tier: 'pro' });
    client = new PrivateClient(sim.rest, sim.apiKey, sim.apiSecret);
    token = await client.token();
    probe = await WsProbe.open(sim.wsAuth);
  });
  afterAll(async () => {
    probe.close();
    await sim.close();
  });

  it('refuses a private subscription without a valid token', async () => {
    const r = await probe.request('subscribe', { channel: 'executions', token: 'not-a-token' }, 1);
    expect(r).toMatchObject({ method: 'subscribe', success: false, error: 'EAPI:Invalid token', req_id: 1 });
  });

  it('snapshots open orders on executions, then reports pending_new → new → trade → filled in separate messages', async () => {
    const resting = await client.ok<{ txid: string[] }>('AddOrder', { pair: 'ETHUSD', type: 'sell', ordertype: 'limit', price: '9000.00', volume: '0.5' });
    const ack = await probe.request('subscribe', { channel: 'executions', token, snap_orders: true, snap_trades: true }, 2);
    expect(ack).toMatchObject({ success: true, result: { channel: 'executions' } });
    const snap = await probe.waitFor((f) => f.json?.['channel'] === 'executions' && f.json['type'] === 'snapshot');
    const snapOrders = snap.json?.['data'] as Rec[];
    expect(snapOrders.map((o) => o['order_id'])).toContain(resting.txid[0]);
    expect(snapOrders.find((o) => o['order_id'] === resting.txid[0])).toMatchObject({ symbol: 'ETH/USD', side: 'sell', order_type: 'limit', order_status: 'new' });
    expect(snap.raw).toContain('"order_qty":0.50000000');

    const bal = await probe.request('subscribe', { channel: 'balances', token }, 3);
    expect(bal['success']).toBe(true);
    const balSnap = await probe.waitFor((f) => f.json?.['channel'] === 'balances' && f.json['type'] === 'snapshot');
    expect((balSnap.json?.['data'] as Rec[]).map((b) => b['asset'])).toEqual(expect.arrayContaining(['BTC', 'USD', 'DOGE']));

    const from = probe.frames.length;
    const price = market.lastPrice('BTC/USD') - 5000n;
    const add = await probe.request('add_order', { token, symbol: 'BTC/USD', side: 'buy', order_type: 'limit', order_qty: 0.003, limit_price: Number(formatFixed(price, 1)), cl_ord_id: 'ws-1' }, 4);
    expect(add).toMatchObject({ method: 'add_order', success: true, result: { cl_ord_id: 'ws-1' } });
    const orderId = (add['result'] as Rec)['order_id'] as string;
    const exec = (): Rec[] => channelFrames(probe, 'executions', from).map((f) => (f.json?.['data'] as Rec[])[0] ?? {});
    expect(exec().map((e) => e['exec_type'])).toEqual(['pending_new', 'new']);
    expect(exec()[0]).toMatchObject({ order_id: orderId, symbol: 'BTC/USD', side: 'buy', order_type: 'limit', cl_ord_id: 'ws-1', order_status: 'pending_new' });
    expect(exec()[1]).toMatchObject({ order_id: orderId, order_status: 'new', cl_ord_id: 'ws-1' });
    expect(exec()[1]?.['symbol']).toBeUndefined();

    market.printTrade('BTC/USD', price, 3n, 'sell', clock);
    const done = await probe.waitFor((f) => f.json?.['channel'] === 'executions' && (f.json['data'] as Rec[])[0]?.['exec_type'] === 'filled', from);
    expect((done.json?.['data'] as Rec[])[0]).toMatchObject({ order_id: orderId, order_status: 'filled', cum_qty: 0.003 });
    const frames = channelFrames(probe, 'executions', from);
    for (const f of frames) expect(f.json?.['data'] as Rec[]).toHaveLength(1);
    const trade = exec().find((e) => e['exec_type'] === 'trade');
    expect(trade).toMatchObject({ order_id: orderId, symbol: 'BTC/USD', liquidity_ind: 'm', last_qty: 0.003, order_status: 'partially_filled' });
    expect(trade?.['exec_id']).toBe(sim.record.orders.get(orderId)?.fills[0]?.tradeId);
    expect(exec().map((e) => e['exec_type'])).toEqual(['pending_new', 'new', 'trade', 'filled']);
    const ledger = await probe.waitFor((f) => f.json?.['channel'] === 'balances' && f.json['type'] === 'update', from);
    expect((ledger.json?.['data'] as Rec[]).map((e) => e['asset']).sort()).toEqual(['BTC', 'USD']);
  });

  it('answers cancel_order once per order under the same req_id, and reports each cancel', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await probe.request('add_order', { token, symbol: 'SOL/USD', side: 'buy', order_type: 'limit', order_qty: 1, limit_price: 10 + i, order_userref: 77 }, 20 + i);
      ids.push((r['result'] as Rec)['order_id'] as string);
    }
    const from = probe.frames.length;
    probe.send({ method: 'cancel_order', params: { token, order_id: ids }, req_id: 30 });
    await probe.waitFor((f) => f.json?.['req_id'] === 30 && (f.json['result'] as Rec | undefined)?.['order_id'] === ids[1], from);
    const replies = probe.frames.slice(from).filter((f) => f.json?.['req_id'] === 30);
    expect(replies.map((f) => (f.json?.['result'] as Rec)['order_id'])).toEqual(ids);
    const cancels = channelFrames(probe, 'executions', from).map((f) => (f.json?.['data'] as Rec[])[0]);
    expect(cancels.map((c) => [c?.['order_id'], c?.['exec_type'], c?.['reason']])).toEqual(ids.map((id) => [id, 'canceled', 'User requested']));
    const again = await probe.request('cancel_order', { token, order_id: [ids[0]] }, 31);
    expect(again).toMatchObject({ success: false, error: 'EOrder:Invalid order' });
  });

  it('amends price and size in place and reports it', async () => {
    const r = await probe.request('add_order', { token, symbol: 'ADA/USD', side: 'buy', order_type: 'limit', order_qty: 100, limit_price: 0.2 }, 40);
    const id = (r['result'] as Rec)['order_id'] as string;
    const from = probe.frames.length;
    const a = await probe.request('amend_order', { token, order_id: id, order_qty: 150, limit_price: 0.21 }, 41);
    expect(a).toMatchObject({ success: true, result: { order_id: id } });
    expect((a['result'] as Rec)['amend_id']).toMatch(/^T/);
    const ev = await probe.waitFor((f) => f.json?.['channel'] === 'executions', from);
    expect((ev.json?.['data'] as Rec[])[0]).toMatchObject({ exec_type: 'amended', order_id: id, amended: true });
    expect(ev.raw).toContain('"limit_price":0.210000');
    const q = (await client.ok<Record<string, Rec>>('QueryOrders', { txid: id }))[id] as { vol: string; descr: Rec; misc: string };
    expect(q.vol).toBe('150.00000000');
    expect(q.descr['price']).toBe('0.210000');
    expect(q.misc).toBe('amended');
  });

  it('answers cancel_all with a count and the dead man\'s switch in camelCase', async () => {
    await probe.request('add_order', { token, symbol: 'SOL/USD', side: 'buy', order_type: 'limit', order_qty: 1, limit_price: 11 }, 45);
    const open = (await client.ok<{ open: Rec }>('OpenOrders')).open;
    const all = await probe.request('cancel_all', { token }, 46);
    expect(all).toMatchObject({ method: 'cancel_all', success: true, result: { count: Object.keys(open).length } });
    expect(Object.keys((await client.ok<{ open: Rec }>('OpenOrders')).open)).toHaveLength(0);
    const armed = await probe.request('cancel_all_orders_after', { token, timeout: 60 }, 47);
    expect(armed['result']).toEqual({ currentTime: new Date(clock).toISOString().slice(0, 19) + 'Z', triggerTime: new Date(clock + 60_000).toISOString().slice(0, 19) + 'Z' });
    const off = await probe.request('cancel_all_orders_after', { token, timeout: 0 }, 48);
    expect((off['result'] as Rec)['triggerTime']).toBe('0');
  });

  it('stops honouring tokens once they are revoked', async () => {
    sim.faults.revokeTokens();
    const r = await probe.request('add_order', { token, symbol: 'SOL/USD', side: 'buy', order_type: 'limit', order_qty: 1, limit_price: 10 }, 50);
    expect(r).toMatchObject({ success: false, error: 'EAPI:Invalid token' });
    const fresh = await client.token();
    const ok = await probe.request('add_order', { token: fresh, symbol: 'SOL/USD', side: 'buy', order_type: 'limit', order_qty: 1, limit_price: 10 }, 51);
    expect(ok['success']).toBe(true);
  });
});
