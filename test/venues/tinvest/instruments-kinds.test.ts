/**
 * Bonds, ETFs, futures and currencies from the local venue as instruments: kind, lot, price
 * step, money rules and expiry, found by ticker; and kinds whose money rule cannot be read
 * are skipped and reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Venue } from '../../../electron/venues/venue.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { InstrumentCatalog } from '../../../electron/venues/tinvest/instruments.js';
import type { KindMsg } from '../../../electron/venues/tinvest/instrument-kinds.js';
import type { ShareMsg } from '../../../electron/venues/tinvest/messages.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { RecordingSink } from './helpers.js';

let sim: TInvestSim;
let venue: Venue;

beforeAll(async () => {
  sim = await startTInvestSim({ seed: 3 });
  venue = createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink: new RecordingSink() });
  await venue.connect();
});

afterAll(async () => {
  await venue.close();
  await sim.close();
});

const uidOf = (ticker: string): string => sim.instruments.find((i) => i.ticker === ticker)?.uid ?? '';

describe('T-Invest instruments beyond shares', () => {
  it('an OFZ found by ticker: a bond in % of its 1000-rouble nominal, with accrued interest and maturity', async () => {
    const [ofz] = await venue.searchInstruments('SU26238RMFS4', 5);
    expect(ofz).toMatchObject({
      id: uidOf('SU26238RMFS4'),
      symbol: 'SU26238RMFS4',
      kind: 'bond',
      lotSize: '1',
      priceStep: '0.001',
      qtyStep: '1',
      pricing: { rule: 'bond-percent', nominal: '1000', accruedInterest: '14.73', nominalCurrency: 'rub' },
      expiresAt: Date.UTC(2041, 4, 15),
      codes: { classCode: 'TQOB', isin: 'RU000A1038V6', figi: 'TCS00A1038V6' },
    });
    const [corp] = await venue.searchInstruments('RU000A10B4J8', 1);
    expect(corp).toMatchObject({ kind: 'bond', priceStep: '0.01', pricing: { rule: 'bond-percent', accruedInterest: '5.12' } });
  });

  it('a future found by ticker: points with their money value per step, the underlying and expiry', async () => {
    const [si] = await venue.searchInstruments('SiZ6', 1);
    expect(si).toMatchObject({
      symbol: 'SiZ6',
      kind: 'future',
      lotSize: '1',
      priceStep: '1',
      pricing: { rule: 'futures-points', stepPrice: '1', underlying: 'USDRUBF', underlyingSize: '1000' },
      expiresAt: Date.UTC(2026, 11, 17),
    });
    const [ri] = await venue.searchInstruments('RIZ6', 1);
    expect(ri).toMatchObject({ kind: 'future', priceStep: '10', pricing: { rule: 'futures-points', stepPrice: '18.49', underlying: 'RTSI' } });
    // A future has no isin.
    expect(ri?.codes).toEqual({ figi: 'FUTRTS122600', classCode: 'SPBFUT' });
  });

  it('ETFs and currencies: kind, lot (USD by the 1000) and the currency nominal', async () => {
    const [tmos] = await venue.searchInstruments('TMOS', 1);
    expect(tmos).toMatchObject({ kind: 'etf', lotSize: '1', priceStep: '0.002' });
    expect(tmos?.pricing).toBeUndefined();
    const [usd] = await venue.searchInstruments('USD000UTSTOM', 1);
    expect(usd).toMatchObject({ kind: 'currency', lotSize: '1000', priceStep: '0.0025', pricing: { rule: 'currency-nominal', nominal: '1' } });
    const [cny] = await venue.searchInstruments('CNYRUB_TOM', 1);
    expect(cny).toMatchObject({ kind: 'currency', lotSize: '1', priceStep: '0.0005' });
  });

  it('keeps shares as shares, and every kind priced by the local market has candles', async () => {
    const [sber] = await venue.searchInstruments('SBER', 1);
    expect(sber?.kind).toBe('share');
    for (const ticker of ['SU26238RMFS4', 'TMOS', 'SiZ6', 'USD000UTSTOM']) {
      const candles = await venue.history({ venue: 'tinvest', instrumentId: uidOf(ticker), interval: '1h', limit: 24 });
      expect(candles.length, ticker).toBeGreaterThan(0);
    }
  });
});

describe('T-Invest kinds as instruments, validated', () => {
  const base: ShareMsg = {
    figi: 'F',
    ticker: 'T',
    classCode: 'X',
    isin: '',
    lot: 1,
    currency: 'rub',
    name: 'n',
    exchange: 'x',
    minPriceIncrement: { units: '0', nano: 1_000_000 },
    apiTradeAvailableFlag: true,
    buyAvailableFlag: true,
    sellAvailableFlag: true,
    uid: 'u',
    positionUid: 'p',
  };
  it('skips bonds without a positive nominal or with negative accrued interest, and currencies with a zero nominal', () => {
    const c = new InstrumentCatalog();
    const skipped: string[] = [];
    const list: KindMsg[] = [
      { kind: 'bond', msg: { ...base, uid: 'b-ok', nominal: { currency: 'rub', units: '1000', nano: 0 }, aciValue: { currency: 'rub', units: '1', nano: 0 } } },
      { kind: 'bond', msg: { ...base, uid: 'b-nonominal' } },
      { kind: 'bond', msg: { ...base, uid: 'b-zero', nominal: { currency: 'rub', units: '0', nano: 0 } } },
      { kind: 'bond', msg: { ...base, uid: 'b-negaci', nominal: { currency: 'rub', units: '1000', nano: 0 }, aciValue: { currency: 'rub', units: '-1', nano: 0 } } },
      { kind: 'currency', msg: { ...base, uid: 'c-zero', nominal: { currency: 'usd', units: '0', nano: 0 } } },
      { kind: 'future', msg: { ...base, uid: 'f-nostep' } },
    ];
    expect(c.loadKinds(list, (why) => skipped.push(why))).toBe(4);
    expect(skipped).toEqual(['bond b-nonominal has no nominal', 'bond b-zero has nominal 0', 'bond b-negaci has accrued interest -1', 'currency c-zero has nominal 0']);
    expect(c.get('b-ok')?.pricing).toEqual({ rule: 'bond-percent', nominal: '1000', accruedInterest: '1', nominalCurrency: 'rub' });
    // A future without a point value lists, without a money rule.
    expect(c.get('f-nostep')).toMatchObject({ kind: 'future' });
    expect(c.get('f-nostep')?.pricing).toBeUndefined();
  });
});

describe('T-Invest kinds when a list fails at connect', () => {
  it('connects without the list, reports why, and still finds its instruments one by one through their kind', async () => {
    const own = await startTInvestSim({ seed: 4 });
    const sink = new RecordingSink();
    const v = createTInvestVenue({ endpoint: own.endpoint, token: own.token, mode: 'demo', tls: false, sink });
    try {
      own.faults.failNext('Bonds', '70001');
      await v.connect();
      expect(sink.record('api').errors).toEqual([expect.objectContaining({ code: '70001' })]);
      expect(await v.searchInstruments('SU26238RMFS4', 1)).toEqual([]);
      expect((await v.searchInstruments('SiZ6', 1))[0]?.kind).toBe('future');
      const ofz = own.instruments.find((i) => i.ticker === 'SU26238RMFS4')!;
      const got = await v.instrument(ofz.uid);
      expect(got).toMatchObject({ id: ofz.uid, kind: 'bond', pricing: { rule: 'bond-percent', nominal: '1000', accruedInterest: '14.73' } });
      // Found once, it is in the catalog: search finds it now.
      expect((await v.searchInstruments('SU26238RMFS4', 1))[0]?.id).toBe(ofz.uid);
      expect(own.stats.calls('GetInstrumentBy')).toBe(1);
      expect(own.stats.calls('BondBy')).toBe(1);
    } finally {
      await v.close();
      await own.close();
    }
  });
});
