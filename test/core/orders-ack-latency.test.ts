/**
 * The journal times each place, cancel and amend from hand-over to the venue's first answer,
 * exactly once per request, whichever answer comes first: the reply, a refusal, a lost answer,
 * or the venue's stream speaking before its reply.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../common/domain.js';
import { Hub } from '../../electron/core/hub.js';
import { tradingVenues } from './memory-trading-venue.js';
import type { MemoryTradingVenue } from './memory-trading-venue.js';

function limitBuy(patch: Partial<OrderRequest> = {}): OrderRequest {
  return { venue: 'tinvest', accountId: 'acc-1', instrumentId: 'id-SBER', side: 'buy', type: 'limit', quantity: '2', price: '100.5', clientOrderId: randomUUID(), ...patch };
}

async function rig(): Promise<{ hub: Hub; venue: MemoryTradingVenue }> {
  const hub = new Hub();
  const venues = tradingVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  return { hub, venue: venues.current() };
}

/** kind/orderType/outcome → count, every series of the journal. */
function counts(hub: Hub): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of hub.journal.ackLatency.series()) out[`${s.venue}/${s.kind}/${s.orderType}/${s.outcome}`] = s.count;
  return out;
}

describe('acknowledgement latency in the journal', () => {
  it('times a place, an amend and a cancel once each, by order type', async () => {
    const { hub } = await rig();
    const o = await hub.journal.place(limitBuy());
    await hub.journal.amend({ venue: 'tinvest', accountId: 'acc-1', clientOrderId: o.clientOrderId, amendId: randomUUID(), price: '100' });
    await hub.journal.cancel('tinvest', 'acc-1', o.clientOrderId);
    await hub.journal.place(limitBuy({ type: 'market', price: undefined }));
    expect(counts(hub)).toEqual({
      'tinvest/place/limit/accepted': 1,
      'tinvest/amend/limit/accepted': 1,
      'tinvest/cancel/limit/accepted': 1,
      'tinvest/place/market/accepted': 1,
    });
    // A cancel of a final order sends nothing, so nothing is timed.
    await hub.journal.cancel('tinvest', 'acc-1', o.clientOrderId);
    expect(counts(hub)['tinvest/cancel/limit/accepted']).toBe(1);
    expect(hub.journal.ackLatency.waiting).toBe(0);
    await hub.close();
  });

  it('counts a refusal as rejected and an answer that never came as lost', async () => {
    const { hub, venue } = await rig();
    venue.answer = 'reject';
    await expect(hub.journal.place(limitBuy())).rejects.toThrow();
    venue.answer = 'drop';
    await hub.journal.place(limitBuy());
    venue.answer = 'lose';
    await hub.journal.place(limitBuy());
    expect(counts(hub)).toEqual({ 'tinvest/place/limit/rejected': 1, 'tinvest/place/limit/lost': 2 });
    await hub.close();
  });

  it("takes the venue's stream as the first answer when it speaks before the reply, and does not count the reply again", async () => {
    const { hub, venue } = await rig();
    // The stream refuses the order while the request is out; the reply (accepted) comes after.
    venue.onSend = (req) =>
      venue.report({ kind: 'rejected', venue: 'tinvest', accountId: req.accountId, clientOrderId: req.clientOrderId, reason: { code: 'x', message: 'refused' }, at: 1, source: 'stream' });
    await hub.journal.place(limitBuy());
    expect(counts(hub)).toEqual({ 'tinvest/place/limit/rejected': 1 });
    await hub.close();
  });
});
