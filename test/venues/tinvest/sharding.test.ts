/**
 * Past 300 subscriptions (the venue's per-stream limit, §4.3) candles are spread over more
 * streams, and a key the venue refuses for the limit is carried on another stream.
 */
import { describe, expect, it } from 'vitest';
import type { CandleKey } from '../../../common/domain.js';
import { candleKeyId } from '../../../common/domain.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { RecordingSink, waitFor } from './helpers.js';

function candleCounts(sim: TInvestSim): number[] {
  return sim.stats
    .activeSubscriptions()
    .map((s) => s.candles.length)
    .filter((n) => n > 0)
    .sort((a, b) => b - a);
}

function keys(sim: TInvestSim): CandleKey[] {
  return sim.instruments.filter((i) => i.apiTradeAvailable).map((i) => ({ venue: 'tinvest', instrumentId: i.uid, interval: '1m' }));
}

describe('T-Invest stream sharding', () => {
  it('opens a second stream for subscriptions past 300', async () => {
    const sim = await startTInvestSim({ seed: 31, extraShares: 300 });
    const sink = new RecordingSink();
    const venue = createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink });
    try {
      await venue.connect();
      const all = keys(sim);
      expect(all.length).toBeGreaterThan(300);
      for (const k of all) venue.subscribeCandles(k);
      await waitFor('all subscribed', () => candleCounts(sim).reduce((a, b) => a + b, 0) === all.length, 15_000);
      expect(candleCounts(sim)).toEqual([300, all.length - 300]);
      const priced = all.filter((k) => sim.instruments.find((i) => i.uid === k.instrumentId)?.marketSymbol !== undefined);
      await waitFor('candles of every priced key', () => priced.every((k) => sink.emitted(candleKeyId(k)).length > 0), 15_000);
      expect(sink.record('marketdata').subscriptions.confirmed + sink.record('marketdata-2').subscriptions.confirmed).toBe(all.length);
    } finally {
      await venue.close();
      await sim.close();
    }
  });

  it('moves keys the venue refuses for the stream limit onto another stream', async () => {
    const sim = await startTInvestSim({ seed: 32, extraShares: 300 });
    const sink = new RecordingSink();
    // Our cap above the venue's: the venue's LIMIT_IS_EXCEEDED answers must do the sharding.
    const venue = createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink, maxSubscriptionsPerStream: 1000 });
    try {
      await venue.connect();
      const all = keys(sim);
      for (const k of all) venue.subscribeCandles(k);
      await waitFor('all subscribed', () => candleCounts(sim).reduce((a, b) => a + b, 0) === all.length, 15_000);
      expect(candleCounts(sim)[0]).toBe(300);
      expect(sink.record('marketdata').errors).toEqual([]);
      await waitFor('all confirmed', () => [...sink.connections.entries()].filter(([n]) => n.startsWith('marketdata')).reduce((a, [, r]) => a + r.subscriptions.confirmed, 0) === all.length);
    } finally {
      await venue.close();
      await sim.close();
    }
  });

  it('spreads keys by a smaller configured cap', async () => {
    const local = await startTInvestSim({ seed: 5 });
    const s2 = new RecordingSink();
    const v2 = createTInvestVenue({ endpoint: local.endpoint, token: local.token, mode: 'demo', tls: false, sink: s2, maxSubscriptionsPerStream: 2 });
    try {
      await v2.connect();
      const ks = ['SBER', 'GAZP', 'LKOH', 'YDEX', 'VTBR'].map((t) => ({ venue: 'tinvest' as const, instrumentId: local.instruments.find((i) => i.ticker === t)!.uid, interval: '1m' as const }));
      for (const k of ks) v2.subscribeCandles(k);
      await waitFor('three streams', () => candleCounts(local).length === 3);
      expect(candleCounts(local)).toEqual([2, 2, 1]);
      expect([...s2.connections.keys()].filter((n) => n.startsWith('marketdata')).sort()).toEqual(['marketdata', 'marketdata-2', 'marketdata-3']);
      await waitFor('candles for every key', () => ks.every((k) => s2.emitted(candleKeyId(k)).length > 0));
    } finally {
      await v2.close();
      await local.close();
    }
  });
});
