/**
 * Amends against the local venue: in place over WS amend_order (and REST AmendOrder while the
 * private socket is down), evidence carrying `amended`, refusals typed with the venue's code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatFixed } from '../../../sim/market.js';
import { startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { isVenueError } from '../../../electron/venues/venue.js';
import { RecordingSink, removeStateDirs, tempStateDir, waitFor } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
afterEach(async () => {
  await venue?.close();
  await sim?.close();
  removeStateDirs();
});

async function start(seed: number, wsAuthDown = false): Promise<RecordingSink> {
  sim = await startKrakenSim({ seed });
  const sink = new RecordingSink();
  venue = createKrakenVenue({
    rest: sim.rest,
    ws: sim.ws,
    wsAuth: wsAuthDown ? 'ws://127.0.0.1:9/v2' : sim.wsAuth,
    apiKey: sim.apiKey,
    apiSecret: sim.apiSecret,
    mode: 'demo',
    sink,
    stateDir: tempStateDir(),
    timing: { privateConnectMs: wsAuthDown ? 300 : 10_000 },
  });
  await venue.connect();
  return sink;
}

async function restingBuy(clientOrderId: string, price = '30000', quantity = '0.002'): Promise<string> {
  const ev = await venue!.placeOrder({ venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity, price, clientOrderId });
  return ev.venueOrderId!;
}

async function refusal(p: Promise<unknown>): Promise<{ kind: string; code: string }> {
  try {
    await p;
  } catch (e) {
    if (isVenueError(e)) return { kind: e.kind, code: e.code };
    throw e;
  }
  throw new Error('the amend was not refused');
}

describe('Kraken amend', () => {
  it('amends price and size in place over WS: same order id, amended evidence from the reply and from the stream', async () => {
    const sink = await start(31);
    const txid = await restingBuy('am-1');
    await waitFor('open', () => sink.statuses('am-1').has('open'));
    const ev = await venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'am-1', price: '30100', amendId: 'a-1' }, txid);
    expect(ev).toMatchObject({ kind: 'status', venueOrderId: txid, amended: { amendId: 'a-1', price: '30100', quantity: '0.002', venueOrderId: txid } });
    const rec = sim!.record.orders.get(txid)!;
    expect(rec.price).toBe('30100.0');
    // The stream's "amended" event names the amend the same way while ours was out, or by the event.
    await waitFor('amended on the stream', () => sink.about('am-1').some((e) => e.source === 'stream' && e.amended !== undefined));
    const streamed = sink.about('am-1').find((e) => e.source === 'stream' && e.amended)!;
    expect(streamed.amended).toMatchObject({ price: '30100', quantity: '0.002', venueOrderId: txid });

    // Size only: the current total price stays, order_qty is the new total.
    const ev2 = await venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'am-1', quantity: '0.001', amendId: 'a-2' }, txid);
    expect(ev2.amended).toMatchObject({ amendId: 'a-2', quantity: '0.001' });
    expect(sim!.record.orders.get(txid)!.volume).toBe('0.00100000');
  });

  it('refuses with the venue code: unknown order, a price off the tick, and charges the engine counter for a young order', async () => {
    const sink = await start(32);
    const txid = await restingBuy('am-2');
    await waitFor('open', () => sink.statuses('am-2').has('open'));
    const used = (): number => {
      const l = sink.conn('ws-private').limiters.find((x) => x.name === 'trading:XXBTZUSD')!;
      return l.limit - l.remaining;
    };
    const before = used();
    await venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'am-2', price: '30000.5', amendId: 'a-3' }, txid);
    expect(await refusal(venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'am-2', price: '30000.55', amendId: 'a-4' }, txid))).toEqual({ kind: 'invalid', code: 'invalid-amend' });
    expect(await refusal(venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'gone', price: '30000', amendId: 'a-5' }, 'OAAAAA-BBBBB-CCCCCC'))).toMatchObject({ kind: 'rejected', code: 'EOrder:Unknown order' });
    // No change at all, and an order no longer open: the venue's own codes.
    expect(await refusal(venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'am-2', price: '30000.5', amendId: 'a-6' }, txid))).toEqual({ kind: 'rejected', code: 'EOrder:No amendable parameters' });
    // The one amend sent, of an order under 5 s old, costs 1 + 3 (decay over the test takes off less than one).
    expect(used() - before).toBeGreaterThan(3);
    await venue!.cancelOrder('spot', 'am-2', txid);
    expect(await refusal(venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'am-2', price: '30001', amendId: 'a-7' }, txid))).toMatchObject({ kind: 'rejected', code: 'EOrder:Invalid order' });
  });

  it('a lost amend answer is unknown-outcome; the stream still shows the order amended', async () => {
    const sink = await start(34);
    const txid = await restingBuy('am-4');
    await waitFor('open', () => sink.statuses('am-4').has('open'));
    sim!.faults.loseNextReply('ws-amend_order');
    const lost = venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'am-4', price: '30200', amendId: 'a-8' }, txid);
    // The reply bound of the adapter is 10 s by default: the stream's event comes well before.
    await waitFor('amended on the stream', () => sink.about('am-4').some((e) => e.amended?.amendId === 'a-8'), 15_000);
    expect(await refusal(lost)).toMatchObject({ kind: 'unknown-outcome' });
    expect(sim!.record.lostReplies.map((l) => l.kind)).toContain('ws-amend_order');
  }, 30_000);

  it("amends a waiting stop's trigger price over WS; the venue's trigger moves with it", async () => {
    const sink = await start(35);
    const lastPx = sim!.market.lastPrice('BTC/USD');
    const trigger = formatFixed(lastPx - 3000n, 1);
    const moved = formatFixed(lastPx - 3500n, 1);
    const ev = await venue!.placeOrder({ venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'sell', type: 'stop-loss', quantity: '0.001', triggerPrice: trigger, clientOrderId: 'am-5' });
    await waitFor('open', () => sink.statuses('am-5').has('open'));
    const am = await venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'am-5', triggerPrice: moved, amendId: 'a-9' }, ev.venueOrderId);
    expect(am.amended).toMatchObject({ amendId: 'a-9', triggerPrice: moved, quantity: '0.001' });
    expect(sim!.record.orders.get(ev.venueOrderId!)!.triggerPrice).toBe(moved);
    await waitFor('the stream shows the new trigger', () => sink.about('am-5').some((e) => e.amended?.triggerPrice === moved && e.source === 'stream'));
  });

  it('amends over REST AmendOrder while the private socket is down', async () => {
    const sink = await start(33, true);
    expect(sink.state('ws-private')).not.toBe('live');
    const txid = await restingBuy('am-3');
    const ev = await venue!.amendOrder({ venue: 'kraken', accountId: 'spot', clientOrderId: 'am-3', price: '29900', amendId: 'a-6' }, txid);
    expect(ev.amended).toMatchObject({ amendId: 'a-6', price: '29900', venueOrderId: txid });
    expect(sim!.record.orders.get(txid)!.price).toBe('29900.0');
  });
});
