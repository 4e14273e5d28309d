import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { PrivateClient, WsProbe, channelFrames } from './clients.js';

type Rec = Record<string, unknown>;

describe('Kraken sim public WS v2 and faults', () => {
  let sim: KrakenSim;
  let market: Market;
  const clock = Date.UTC(2025, 4, 14, 13, 0, 30);
  const now = (): number => clock;

  beforeAll(async () => {
    market = new Market({ seed: 13, symbols: krakenMarketSymbols(), now, historySeconds: 7200 });
    sim = await startKrakenSim({ seed: 13, market, now, tier: 'pro' });
  });
  afterAll(() => sim.close());

  it('greets with the status channel and answers ping with pong', async () => {
    const p = await WsProbe.open(sim.ws);
    const status = await p.waitFor((f) => f.json?.['channel'] === 'status');
    expect((status.json?.['data'] as Rec[])[0]).toMatchObject({ api_version: 'v2', system: 'online' });
    const pong = await p.request('ping', {}, 101);
    expect(pong).toMatchObject({ method: 'pong', req_id: 101 });
    expect(typeof pong['time_in']).toBe('string');
    p.close();
  });

  it('acks one subscription per symbol and refuses unknown symbols, depths and intervals with error strings', async () => {
    const p = await WsProbe.open(sim.ws);
    p.send({ method: 'subscribe', params: { channel: 'ticker', symbol: ['BTC/USD', 'XBT/USD'] }, req_id: 5 });
    await p.waitFor((f) => f.json?.['req_id'] === 5 && f.json['success'] === false);
    const acks = p.frames.filter((f) => f.json?.['req_id'] === 5).map((f) => f.json ?? {});
    expect(acks).toHaveLength(2);
    expect(acks[0]).toMatchObject({ method: 'subscribe', success: true, result: { channel: 'ticker', symbol: 'BTC/USD' } });
    expect(acks[1]).toMatchObject({ success: false, error: 'Currency pair not supported XBT/USD' });
    expect(await p.request('subscribe', { channel: 'book', symbol: ['BTC/USD'], depth: 15 }, 6)).toMatchObject({ success: false, error: 'Subscription depth not supported' });
    expect(await p.request('subscribe', { channel: 'ohlc', symbol: ['BTC/USD'], interval: 2 }, 7)).toMatchObject({ success: false, error: 'Subscription ohlc interval not supported' });
    expect(await p.request('subscribe', { channel: 'ticker', symbol: ['BTC/USD'] }, 8)).toMatchObject({ success: false, error: 'Already subscribed' });
    expect(await p.request('unsubscribe', { channel: 'ticker', symbol: ['BTC/USD'] }, 9)).toMatchObject({ method: 'unsubscribe', success: true });
    p.close();
  });

  it('streams ohlc as a snapshot then trade-driven updates keyed by interval_begin, with exact precision text', async () => {
    const p = await WsProbe.open(sim.ws);
    const ack = await p.request('subscribe', { channel: 'ohlc', symbol: ['ETH/USD'], interval: 5 }, 1);
    expect(ack).toMatchObject({ success: true, result: { channel: 'ohlc', symbol: 'ETH/USD', interval: 5, snapshot: true } });
    const snap = await p.waitFor((f) => f.json?.['channel'] === 'ohlc' && f.json['type'] === 'snapshot');
    const candles = snap.json?.['data'] as Rec[];
    expect(candles.length).toBeGreaterThan(10);
    expect(candles.at(-1)?.['interval_begin']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d[05]:00\.000000000Z$/);
    expect(snap.raw).toMatch(/"volume":\d+\.\d{8}[,}]/);
    const from = p.frames.length;
    market.printTrade('ETH/USD', 312_345n, 7n, 'buy', clock);
    await p.request('ping', {}, 2);
    const ups = channelFrames(p, 'ohlc', from);
    expect(ups).toHaveLength(1);
    const c = (ups[0]?.json?.['data'] as Rec[])[0];
    const cur = market.currentCandle('ETH/USD', 300, clock);
    expect(c).toMatchObject({ symbol: 'ETH/USD', close: 3123.45, trades: cur?.trades, interval: 5 });
    expect(c?.['interval_begin']).toBe(new Date((cur?.time ?? 0) * 1000).toISOString().replace('.000Z', '.000000000Z'));
    expect(ups[0]?.raw).toContain('"close":3123.45');
    p.close();
  });

  it('sends ticker and trade updates on trades, and heartbeats while subscribed', async () => {
    const p = await WsProbe.open(sim.ws);
    await p.request('subscribe', { channel: 'ticker', symbol: ['SOL/USD'] }, 1);
    await p.request('subscribe', { channel: 'trade', symbol: ['SOL/USD'] }, 2);
    const from = p.frames.length;
    market.printTrade('SOL/USD', 15_000n, 25n, 'sell', clock);
    await p.request('ping', {}, 3);
    const trade = channelFrames(p, 'trade', from)[0];
    expect((trade?.json?.['data'] as Rec[])[0]).toMatchObject({ symbol: 'SOL/USD', side: 'sell', price: 150, qty: 2.5 });
    expect(trade?.raw).toContain('"qty":2.50000000');
    const ticker = channelFrames(p, 'ticker', from)[0];
    expect((ticker?.json?.['data'] as Rec[])[0]).toMatchObject({ symbol: 'SOL/USD', last: 150, bid: 149.99, ask: 150.01 });
    await p.waitFor((f) => f.json?.['channel'] === 'heartbeat', from);
    p.close();
  });

  it('with event_trigger bbo, sends a ticker only when the top of the book moved', async () => {
    const p = await WsProbe.open(sim.ws);
    const ack = await p.request('subscribe', { channel: 'ticker', symbol: ['ADA/USD'], event_trigger: 'bbo' }, 1);
    expect(ack).toMatchObject({ success: true, result: { channel: 'ticker', event_trigger: 'bbo' } });
    const from = p.frames.length;
    const last = market.lastPrice('ADA/USD');
    // The same price again and again (the top stays, or only churns), then a move.
    for (let i = 0; i < 6; i++) market.printTrade('ADA/USD', last, 10n, 'buy', clock);
    market.printTrade('ADA/USD', last + 50n, 10n, 'buy', clock);
    await p.request('ping', {}, 2);
    const tops = channelFrames(p, 'ticker', from).map((f) => {
      const d = (f.json?.['data'] as Rec[])[0]!;
      return `${String(d['bid'])}|${String(d['bid_qty'])}|${String(d['ask'])}|${String(d['ask_qty'])}`;
    });
    expect(tops.length).toBeGreaterThan(0);
    expect(tops.length).toBeLessThanOrEqual(7);
    for (let i = 1; i < tops.length; i++) expect(tops[i]).not.toBe(tops[i - 1]);
    p.close();
  });

  it('drops every socket on dropSockets', async () => {
    const a = await WsProbe.open(sim.ws);
    const b = await WsProbe.open(sim.ws);
    sim.faults.dropSockets();
    await Promise.all([a.closedPromise(), b.closedPromise()]);
    expect(a.closed && b.closed).toBe(true);
  });

  it('sends nothing while stalled, without closing, and carries on afterwards', async () => {
    const p = await WsProbe.open(sim.ws);
    await p.waitFor((f) => f.json?.['channel'] === 'status');
    sim.faults.stall(true);
    // A request that leaves a trace in the record, so we know the sim handled it while stalled.
    p.send({ method: 'subscribe', params: { channel: 'no-such-channel' }, req_id: 1 });
    await vi.waitFor(() => expect(sim.record.wsErrors.get('Subscription name invalid')).toBe(1), { timeout: 10_000, interval: 20 });
    market.printTrade('BTC/USD', 6_400_000n, 1n, 'buy', clock);
    sim.faults.stall(false);
    const pong = await p.request('ping', {}, 2);
    expect(pong['req_id']).toBe(2);
    // Frames arrive in order, so a pong for 1 would have come before the one for 2.
    expect(p.frames.some((f) => f.json?.['req_id'] === 1)).toBe(false);
    expect(p.closed).toBe(false);
    p.close();
  });

  it('sends a non-JSON frame and a JSON frame of unknown shape on sendMalformed', async () => {
    const p = await WsProbe.open(sim.ws);
    await p.waitFor((f) => f.json?.['channel'] === 'status');
    const from = p.frames.length;
    sim.faults.sendMalformed();
    await p.request('ping', {}, 1);
    const extra = p.frames.slice(from).filter((f) => f.json?.['method'] !== 'pong');
    expect(extra).toHaveLength(2);
    expect(extra[0]?.json).toBeUndefined();
    expect(extra[1]?.json).toBeDefined();
    expect(extra[1]?.json?.['channel']).toBeUndefined();
    expect(extra[1]?.json?.['method']).toBeUndefined();
    p.close();
  });

  it('executes an order whose reply is lost: the HTTP connection drops, WS add_order gets no reply, the order exists', async () => {
    const client = new PrivateClient(sim.rest, sim.apiKey, sim.apiSecret);
    sim.faults.loseNextReply('rest-addorder');
    await expect(client.post('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'limit', price: '20000.0', volume: '0.001', cl_ord_id: 'lost-rest' })).rejects.toThrow();
    const lost = sim.record.lostReplies[0];
    expect(lost?.kind).toBe('rest-addorder');
    const open = (await client.ok<{ open: Record<string, Rec> }>('OpenOrders', { cl_ord_id: 'lost-rest' })).open;
    expect(Object.keys(open)).toEqual([lost?.txid]);

    const p = await WsProbe.open(sim.wsAuth);
    const token = await client.token();
    sim.faults.loseNextReply('ws-add_order');
    p.send({ method: 'add_order', params: { token, symbol: 'BTC/USD', side: 'buy', order_type: 'limit', order_qty: 0.001, limit_price: 20000, cl_ord_id: 'lost-ws' }, req_id: 60 });
    await p.request('ping', {}, 61);
    expect(p.frames.some((f) => f.json?.['req_id'] === 60)).toBe(false);
    const wsLost = sim.record.lostReplies[1];
    expect(wsLost?.kind).toBe('ws-add_order');
    expect(sim.record.orders.get(wsLost?.txid ?? '')).toMatchObject({ clOrdId: 'lost-ws', status: 'open', source: 'ws' });
    // The next one answers again.
    expect(await p.request('add_order', { token, symbol: 'BTC/USD', side: 'buy', order_type: 'limit', order_qty: 0.001, limit_price: 20000 }, 62)).toMatchObject({ success: true });
    p.close();
  });
});
