/**
 * Tape and quote frames from a hostile venue: a print or ticker that breaks the contract is
 * counted as malformed and skipped, the frames around it still arrive, the socket stays up.
 */
import { describe, expect, it } from 'vitest';
import type { HostileKraken } from '../../../sim/hostile/kraken/server.js';
import { waitFor } from './helpers.js';
import { hostileKraken } from './hostile-helpers.js';

const startHostile = hostileKraken();
let hostile: HostileKraken | undefined;

const NOW = new Date().toISOString().replace('Z', '000Z');

function trade(id: string, fields: Record<string, string> = {}): string {
  const f: Record<string, string> = { symbol: '"BTC/USD"', side: '"buy"', price: '64250.1', qty: '0.00100000', ord_type: '"market"', trade_id: id, timestamp: `"${NOW}"`, ...fields };
  return `{"channel":"trade","type":"update","data":[{${Object.entries(f).map(([k, v]) => `"${k}":${v}`).join(',')}}]}`;
}

function ticker(fields: Record<string, string> = {}): string {
  const f: Record<string, string> = { symbol: '"BTC/USD"', bid: '64250.0', bid_qty: '1.5', ask: '64250.1', ask_qty: '0.2', last: '64250.1', volume: '100.0', vwap: '64000.0', low: '63000.0', high: '65000.0', change: '250.1', change_pct: '0.39', ...fields };
  return `{"channel":"ticker","type":"update","data":[{${Object.entries(f).map(([k, v]) => `"${k}":${v}`).join(',')}}]}`;
}

describe('Kraken hostile tape and quote frames', () => {
  it('bad prints and tickers are counted and skipped; exponent quantities are read exactly; good frames still arrive', { timeout: 30_000 }, async () => {
    const setup = await startHostile();
    hostile = setup.hostile;
    const { venue, sink } = setup;
    await venue.connect();
    venue.subscribeMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'trades' });
    await waitFor('public live', () => sink.state('ws-public') === 'live');
    // This venue acks only subscribes that name a symbol: the instrument channel stays pending, the ticker is acked.
    venue.subscribeMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'quote' });
    await waitFor('ticker acked', () => sink.conn('ws-public').subscriptions.confirmed === 2);
    const bad = [
      trade('1', { price: 'null' }),
      trade('2', { side: '"sideways"' }),
      trade('3', { qty: '-1.0' }),
      trade('4', { trade_id: '"x"' }),
      trade('5', { timestamp: '17' }),
      ticker({ bid: '{}' }),
      ticker({ symbol: '42' }),
    ];
    for (const b of bad) hostile.send(b);
    hostile.send(trade('6', { qty: '1.5e-7', side: '"sell"' }));
    hostile.send(ticker());
    await waitFor('the good print and quote', () => sink.prints.length === 1 && sink.quotes.length === 1);
    expect(sink.prints[0]).toMatchObject({ tradeId: '6', price: '64250.1', quantity: '0.00000015', side: 'sell', instrumentId: 'XXBTZUSD' });
    expect(sink.quotes[0]).toMatchObject({ bid: '64250', ask: '64250.1', last: '64250.1', change: '250.1', reference: '64000', changePct: '0.39' });
    const pub = sink.conn('ws-public');
    expect(pub.malformed).toHaveLength(bad.length);
    expect(pub.reconnects).toBe(0);
  });

  it("a refused trade or book subscription reaches marketFailed with the venue's error; the socket stays live", { timeout: 30_000 }, async () => {
    const setup = await startHostile({ hostile: { answer: (sub) => (sub.channel === 'trade' || sub.channel === 'book' ? { error: 'EGeneral:Too many subscriptions' } : 'ack') } });
    hostile = setup.hostile;
    const { venue, sink } = setup;
    await venue.connect();
    venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' });
    venue.subscribeMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'trades' });
    venue.subscribeMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'book', depth: 25 });
    await waitFor('both refusals', () => sink.marketFailures.length >= 2);
    expect(sink.marketFailures.map((f) => [f.key.stream, f.err.code]).sort()).toEqual([
      ['book', 'EGeneral:Too many subscriptions'],
      ['trades', 'EGeneral:Too many subscriptions'],
    ]);
    expect(sink.marketFailures.find((f) => f.key.stream === 'book')!.key.depth).toBe(25);
    await waitFor('public live', () => sink.state('ws-public') === 'live');
  });
});
