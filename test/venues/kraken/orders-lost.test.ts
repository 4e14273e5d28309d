import { afterEach, describe, expect, it } from 'vitest';
import { cmp } from '../../../common/decimal.js';
import type { Fill, OrderEvidence, OrderRequest, OrderStatus } from '../../../common/domain.js';
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

/** What the venue's record status must show up as in the evidence. */
const EVIDENCED: Readonly<Record<OrderRecord['status'], readonly OrderStatus[]>> = {
  pending: ['pending'],
  open: ['open', 'partially-filled'],
  closed: ['filled'],
  canceled: ['cancelled'],
  expired: ['expired'],
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

/**
 * Every venue order exists once, and the evidence the adapter gave (to the sink, and as
 * answers in `answers`) covers it: its txid and no other, its venue status, its filled
 * quantity, and each of its fills with the venue's fee.
 */
function disagreements(sim: KrakenSim, sink: RecordingSink, prefix: string, n: number, answers: readonly OrderEvidence[] = []): string[] {
  const out: string[] = [];
  const byCl = new Map<string, OrderRecord[]>();
  for (const r of sim.record.orders.values()) {
    if (!r.clOrdId?.startsWith(`${prefix}-`)) continue;
    byCl.set(r.clOrdId, [...(byCl.get(r.clOrdId) ?? []), r]);
  }
  if (byCl.size !== n) out.push(`venue has ${byCl.size} of ${n} orders`);
  for (const [cl, rs] of byCl) {
    if (rs.length !== 1) {
      out.push(`${cl} exists ${rs.length} times on the venue`);
      continue;
    }
    const r = rs[0]!;
    const evs = [...sink.about(cl), ...answers.filter((a) => a.clientOrderId === cl)];
    const ids = new Set(evs.flatMap((e) => (e.venueOrderId !== undefined ? [e.venueOrderId] : [])));
    if (ids.size !== 1 || !ids.has(r.txid)) out.push(`${cl}: evidence names ${[...ids].join(',') || 'no order id'}, venue ${r.txid}`);
    const statuses = new Set(evs.map((e) => e.status));
    if (!EVIDENCED[r.status].some((st) => statuses.has(st))) out.push(`${cl}: venue ${r.status}, evidence ${[...statuses].join(',')}`);
    if (cmp(r.volExec, '0') > 0 && !evs.some((e) => e.filledQuantity !== undefined && cmp(e.filledQuantity, r.volExec) === 0)) out.push(`${cl}: no evidence of filled ${r.volExec}`);
    const fills = new Map<string, Fill>();
    for (const e of evs) for (const f of e.fills ?? []) fills.set(f.tradeId, f);
    if (fills.size !== r.fills.length) out.push(`${cl}: ${fills.size} fills vs ${r.fills.length}`);
    for (const vf of r.fills) {
      const f = fills.get(vf.tradeId);
      if (!f) continue;
      if (cmp(f.quantity, vf.qty) !== 0 || cmp(f.price, vf.price) !== 0) out.push(`${cl}: fill ${vf.tradeId} ${f.quantity}@${f.price} vs ${vf.qty}@${vf.price}`);
      if (f.fee === undefined || cmp(f.fee, vf.fee) !== 0 || f.feeCurrency !== 'usd') out.push(`${cl}: fill ${vf.tradeId} fee ${f.fee ?? 'none'} ${f.feeCurrency ?? ''} vs ${vf.fee} usd`);
    }
  }
  return out;
}

/** What the core does with an order whose answer was lost: asks the venue. */
async function resolveAll(venue: KrakenVenue, reqs: readonly OrderRequest[], sentAt: number): Promise<OrderEvidence[]> {
  const out: OrderEvidence[] = [];
  for (const r of reqs) out.push(await venue.resolveOrder('spot', r.clientOrderId, { instrumentId: r.instrumentId, sentAt }));
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
  it('200 orders over WS, one reply in five lost: each exists once and the evidence covers every one', { timeout: 120_000 }, async () => {
    const { sim, sink, venue } = await startVenue();
    expect(sink.state('ws-private')).toBe('live');
    const answers: OrderEvidence[] = [];
    for (let g = 0; g < 40; g++) {
      sim.faults.loseNextReply('ws-add_order');
      const wave = Array.from({ length: 5 }, (_, k) => venue.placeOrder(request(g * 5 + k, 'w')));
      for (const r of await Promise.allSettled(wave)) {
        // The stream showed each order even when its reply was lost: accepted, with its txid.
        expect(r.status).toBe('fulfilled');
        if (r.status === 'fulfilled') answers.push(r.value);
      }
    }
    expect(sim.record.lostReplies.filter((l) => l.kind === 'ws-add_order')).toHaveLength(40);
    expect(answers.every((a) => a.kind === 'accepted' && a.venueOrderId !== undefined && a.source === 'send')).toBe(true);
    // A retry with the same client ids never makes a second venue order.
    const retried = await Promise.all(Array.from({ length: 20 }, (_, i) => venue.placeOrder(request(i, 'w'))));
    for (const [i, r] of retried.entries()) expect(r.venueOrderId).toBe(answers[i]!.venueOrderId);
    // Cancel the resting buys.
    for (let i = 0; i < 200; i += 8) {
      const c = await venue.cancelOrder('spot', `w-${i}`);
      expect(c).toMatchObject({ kind: 'status', status: 'cancelled', venueOrderId: answers[i]!.venueOrderId });
    }
    let diff: string[] = [];
    await waitFor('the evidence to cover the venue', () => (diff = disagreements(sim, sink, 'w', 200, answers)).length === 0, 20_000).catch(() => undefined);
    expect(diff).toEqual([]);
    expect(sim.record.errorCount('EOrder:Rate limit exceeded')).toBe(0);
  });

  it('over REST while the private socket is down, a lost reply is unknown-outcome and resolveOrder finds the order', { timeout: 120_000 }, async () => {
    const { sim, sink, venue } = await startVenue({ wsAuthDown: true });
    expect(sink.state('ws-private')).not.toBe('live');
    const sentAt = Date.now();
    const answers: OrderEvidence[] = [];
    const lost: OrderRequest[] = [];
    for (let g = 0; g < 10; g++) {
      sim.faults.loseNextReply('rest-addorder');
      const reqs = Array.from({ length: 5 }, (_, k) => request(g * 5 + k, 'r'));
      const settled = await Promise.allSettled(reqs.map((r) => venue.placeOrder(r)));
      for (const [k, r] of settled.entries()) {
        if (r.status === 'fulfilled') answers.push(r.value);
        // A lost reply never passes for "not placed": the venue may have it.
        else if (isVenueError(r.reason) && r.reason.kind === 'unknown-outcome') lost.push(reqs[k]!);
        else throw r.reason;
      }
    }
    expect(sim.record.lostReplies.filter((l) => l.kind === 'rest-addorder')).toHaveLength(10);
    expect(lost).toHaveLength(10);
    expect(answers.every((a) => a.kind === 'accepted')).toBe(true);
    const resolved = await resolveAll(venue, lost, sentAt);
    expect(resolved.every((e) => e.kind === 'status' && e.source === 'reconcile' && e.terms !== undefined)).toBe(true);
    // Placing a lost one again asks the venue first: the same order comes back, none is added.
    const again = await venue.placeOrder(lost[0]!);
    expect(again.venueOrderId).toBe(resolved[0]!.venueOrderId);
    let diff: string[] = [];
    await waitFor('the evidence to cover the venue', () => (diff = disagreements(sim, sink, 'r', 50, [...answers, ...resolved])).length === 0, 60_000).catch(() => undefined);
    expect(diff).toEqual([]);
  });

  it('orders sent while the venue went silent are covered after the reconnect, fills and fees included', { timeout: 120_000 }, async () => {
    const { sim, sink, venue } = await startVenue({ timing: { pingEveryMs: 200, silenceMs: 1_000, replyTimeoutMs: 3_000 } });
    const sentAt = Date.now();
    const answers: OrderEvidence[] = [];
    for (let i = 0; i < 4; i++) answers.push(await venue.placeOrder(request(i * 4, 's')));
    const reconnects = sink.conn('ws-private').reconnects;
    sim.faults.stall(true);
    const reqs = Array.from({ length: 12 }, (_, k) => request(16 + k, 's'));
    const during = Promise.allSettled(reqs.map((r) => venue.placeOrder(r)));
    await waitFor('silence noticed', () => sink.conn('ws-private').reconnects > reconnects, 10_000);
    sim.faults.stall(false);
    const lost: OrderRequest[] = [];
    for (const [k, r] of (await during).entries()) {
      if (r.status === 'fulfilled') answers.push(r.value);
      else if (isVenueError(r.reason) && r.reason.kind === 'unknown-outcome') lost.push(reqs[k]!);
      else throw r.reason;
    }
    expect(lost.length).toBeGreaterThan(0);
    await waitFor('the private socket back', () => sink.state('ws-private') === 'live', 30_000);
    const resolved = await resolveAll(venue, lost, sentAt);
    let diff: string[] = [];
    await waitFor('the evidence to cover the venue after the reconnect', () => (diff = disagreements(sim, sink, 's', 16, [...answers, ...resolved])).length === 0, 30_000).catch(() => undefined);
    expect(diff).toEqual([]);
  });

  it('with one reply in five lost on orders and cancels alike, a lost cancel is unknown-outcome and the venue resolves it', { timeout: 120_000 }, async () => {
    const { sim, sink, venue } = await startVenue({ timing: { pingEveryMs: 5_000, silenceMs: 30_000, replyTimeoutMs: 2_000 } });
    const sentAt = Date.now();
    sim.faults.loseReplyRate = 0.2;
    const answers: OrderEvidence[] = [];
    // Resting buys only: each stays open until cancelled.
    const reqs = Array.from({ length: 30 }, (_, i) => request(i * 4, 'x'));
    for (const r of reqs) answers.push(await venue.placeOrder(r));
    let lostCancels = 0;
    for (const r of reqs) {
      try {
        const c = await venue.cancelOrder('spot', r.clientOrderId);
        answers.push(c);
        expect(c.status).toBe('cancelled');
      } catch (e) {
        if (!isVenueError(e) || e.kind !== 'unknown-outcome') throw e;
        lostCancels++;
        const ev = await venue.resolveOrder('spot', r.clientOrderId, { instrumentId: r.instrumentId, sentAt });
        expect(ev).toMatchObject({ kind: 'status', status: 'cancelled' });
        answers.push(ev);
      }
    }
    sim.faults.loseReplyRate = 0;
    const lost = sim.record.lostReplies;
    expect(lost.filter((l) => l.kind === 'ws-cancel_order')).toHaveLength(lostCancels);
    expect(lost.length).toBeGreaterThan(0);
    let diff: string[] = [];
    await waitFor('the evidence to cover the venue', () => (diff = disagreements(sim, sink, 'x', 30, answers)).length === 0, 20_000).catch(() => undefined);
    expect(diff).toEqual([]);
    for (const r of [...sim.record.orders.values()]) expect(r.status).toBe('canceled');
  });
});
