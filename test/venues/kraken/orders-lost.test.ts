import { afterEach, describe, expect, it } from 'vitest';
import { cmp } from '../../../common/decimal.js';
import type { Order, OrderRequest, OrderStatus } from '../../../common/domain.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { isVenueError } from '../../../electron/venues/venue.js';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import type { OrderRecord } from '../../../sim/kraken/record.js';
import { RecordingSink, fastClock, tempStateDir, waitFor, closeAll } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let market: Market | undefined;
afterEach(() => closeAll(venue, sim, market));

const KRAKEN_STATUS: Readonly<Record<OrderStatus, OrderRecord['status'] | undefined>> = {
  pending: 'pending',
  open: 'open',
  'partially-filled': 'open',
  filled: 'closed',
  cancelled: 'canceled',
  expired: 'expired',
  rejected: undefined,
  unknown: undefined,
};

/** A mix: resting buys, marketable buys, market sells, resting sells. */
function request(i: number, prefix: string): OrderRequest {
  const base = { venue: 'kraken' as const, accountId: 'spot', instrumentId: 'XXBTZUSD', clientOrderId: `${prefix}-${i}` };
  switch (i % 4) {
    case 0:
      return { ...base, side: 'buy', type: 'limit', quantity: '0.0005', price: '30000' };
    case 1:
      return { ...base, side: 'buy', type: 'limit', quantity: '0.0002', price: '99999.9' };
    case 2:
      return { ...base, side: 'sell', type: 'market', quantity: '0.0001' };
    default:
      return { ...base, side: 'sell', type: 'limit', quantity: '0.0003', price: '150000' };
  }
}

/** Every venue order once, and the adapter agreeing with it field by field. */
function disagreements(sim: KrakenSim, mine: Order[], prefix: string, n: number): string[] {
  const out: string[] = [];
  const byCl = new Map<string, OrderRecord[]>();
  for (const r of sim.record.orders.values()) {
    if (!r.clOrdId?.startsWith(`${prefix}-`)) continue;
    byCl.set(r.clOrdId, [...(byCl.get(r.clOrdId) ?? []), r]);
  }
  if (byCl.size !== n) out.push(`venue has ${byCl.size} of ${n} orders`);
  for (const [cl, rs] of byCl) if (rs.length !== 1) out.push(`${cl} exists ${rs.length} times on the venue`);
  for (const o of mine.filter((x) => x.clientOrderId.startsWith(`${prefix}-`))) {
    const r = byCl.get(o.clientOrderId)?.[0];
    if (!r) {
      out.push(`${o.clientOrderId} (${o.status}) not on the venue`);
      continue;
    }
    if (KRAKEN_STATUS[o.status] !== r.status) out.push(`${o.clientOrderId}: ours ${o.status}, venue ${r.status}`);
    if (o.venueOrderId !== r.txid) out.push(`${o.clientOrderId}: txid ${o.venueOrderId} vs ${r.txid}`);
    if (cmp(o.filledQuantity, r.volExec) !== 0) out.push(`${o.clientOrderId}: filled ${o.filledQuantity} vs ${r.volExec}`);
    const fillIds = new Set(o.fills.map((f) => f.tradeId));
    if (fillIds.size !== o.fills.length) out.push(`${o.clientOrderId}: duplicate fills`);
    if (o.fills.length !== r.fills.length) out.push(`${o.clientOrderId}: ${o.fills.length} fills vs ${r.fills.length}`);
  }
  return out;
}

async function startVenue(opts: { wsAuthDown?: boolean; timing?: { pingEveryMs: number; silenceMs: number; replyTimeoutMs: number } } = {}): Promise<{ sim: KrakenSim; sink: RecordingSink; venue: KrakenVenue }> {
  // Fast shared clock: both rate counters decay 10× faster, the same for the venue and us.
  const now = fastClock(10);
  market = new Market({ seed: 21, symbols: krakenMarketSymbols() });
  sim = await startKrakenSim({ seed: 21, market, tier: 'pro', now });
  const sink = new RecordingSink();
  venue = createKrakenVenue({
    rest: sim.rest,
    ws: sim.ws,
    wsAuth: opts.wsAuthDown ? 'ws://127.0.0.1:9/v2' : sim.wsAuth,
    apiKey: sim.apiKey,
    apiSecret: sim.apiSecret,
    mode: 'demo',
    sink,
    stateDir: tempStateDir(),
    tier: 'pro',
    now,
    timing: { privateConnectMs: 300, ...opts.timing },
  });
  await venue.connect();
  return { sim, sink, venue };
}

describe('Kraken orders with lost replies', () => {
  it('200 orders over WS, one reply in five lost: each exists once and both sides agree', { timeout: 120_000 }, async () => {
    const { sim, sink, venue } = await startVenue();
    expect(sink.state('ws-private')).toBe('live');
    const settled: Order[] = [];
    for (let g = 0; g < 40; g++) {
      sim.faults.loseNextReply('ws-add_order');
      const wave = Array.from({ length: 5 }, (_, k) => venue.placeOrder(request(g * 5 + k, 'w')));
      for (const r of await Promise.allSettled(wave)) {
        expect(r.status).toBe('fulfilled');
        if (r.status === 'fulfilled') settled.push(r.value);
      }
    }
    expect(sim.record.lostReplies.filter((l) => l.kind === 'ws-add_order')).toHaveLength(40);
    // A retry with the same client ids never makes a second venue order.
    await Promise.allSettled(Array.from({ length: 20 }, (_, i) => venue.placeOrder(request(i, 'w'))));
    // Cancel the resting buys.
    for (let i = 0; i < 200; i += 8) await venue.cancelOrder('spot', `w-${i}`);
    let diff: string[] = [];
    await waitFor('both sides to agree', () => (diff = disagreements(sim, [...sink.orders.values()], 'w', 200)).length === 0, 20_000).catch(() => undefined);
    expect(diff).toEqual([]);
    expect(venue.orders().filter((o) => o.clientOrderId.startsWith('w-'))).toHaveLength(200);
    expect(sim.record.errorCount('EOrder:Rate limit exceeded')).toBe(0);
  });

  it('over REST while the private socket is down, lost replies go unknown and reconciliation resolves them', { timeout: 120_000 }, async () => {
    const { sim, sink, venue } = await startVenue({ wsAuthDown: true });
    expect(sink.state('ws-private')).not.toBe('live');
    const outcomes: string[] = [];
    for (let g = 0; g < 10; g++) {
      sim.faults.loseNextReply('rest-addorder');
      const wave = Array.from({ length: 5 }, (_, k) => venue.placeOrder(request(g * 5 + k, 'r')));
      for (const r of await Promise.allSettled(wave)) {
        outcomes.push(r.status === 'fulfilled' ? r.value.status : isVenueError(r.reason) ? r.reason.kind : String(r.reason));
      }
    }
    expect(sim.record.lostReplies.filter((l) => l.kind === 'rest-addorder')).toHaveLength(10);
    // A lost reply resolves placeOrder with an unknown order; it never rejects (the venue may have it).
    expect(outcomes.filter((o) => o === 'unknown')).toHaveLength(10);
    expect(outcomes.every((o) => ['unknown', 'open', 'pending'].includes(o))).toBe(true);
    expect(sink.orderLog.filter((u) => u.order.status === 'unknown').length).toBeGreaterThanOrEqual(10);
    let diff: string[] = [];
    await waitFor('unknowns resolved by reconciliation', () => (diff = disagreements(sim, [...sink.orders.values()], 'r', 50)).length === 0, 60_000).catch(() => undefined);
    expect(diff).toEqual([]);
    // Only venue evidence moved them: the update that left `unknown` came from reconciliation.
    for (const o of [...sink.orders.values()]) {
      const log = sink.orderLog.filter((u) => u.order.clientOrderId === o.clientOrderId);
      const i = log.findIndex((u) => u.order.status === 'unknown');
      if (i >= 0) expect(log[i + 1]?.source).toBe('reconcile');
    }
  });

  it('orders sent while the venue went silent come back right after the reconnect, fills included', { timeout: 120_000 }, async () => {
    const { sim, sink, venue } = await startVenue({ timing: { pingEveryMs: 200, silenceMs: 1_000, replyTimeoutMs: 3_000 } });
    for (let i = 0; i < 4; i++) await venue.placeOrder(request(i * 4, 's'));
    const reconnects = sink.conn('ws-private').reconnects;
    sim.faults.stall(true);
    const during = Promise.all(Array.from({ length: 12 }, (_, k) => venue.placeOrder(request(16 + k, 's'))));
    await waitFor('silence noticed', () => sink.conn('ws-private').reconnects > reconnects, 10_000);
    sim.faults.stall(false);
    const placed = await during;
    expect(placed.some((o) => o.status === 'unknown')).toBe(true);
    let diff: string[] = [];
    await waitFor('both sides to agree after the reconnect', () => (diff = disagreements(sim, [...sink.orders.values()], 's', 16)).length === 0, 30_000).catch(() => undefined);
    expect(diff).toEqual([]);
    expect(sink.state('ws-private')).toBe('live');
  });
});
