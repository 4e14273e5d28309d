import { describe, expect, it } from 'vitest';
import { SymbolTable, pairToMeta } from '../../../electron/venues/kraken/symbols.js';
import type { RestAssetPairs } from '../../../electron/venues/kraken/rest-types.js';

const PAIRS: RestAssetPairs = {
  XXBTZUSD: { altname: 'XBTUSD', wsname: 'XBT/USD', base: 'XXBT', quote: 'ZUSD', pair_decimals: 1, lot_decimals: 8, ordermin: '0.00005', tick_size: '0.1', status: 'online' },
  XDGUSD: { altname: 'XDGUSD', wsname: 'XDG/USD', base: 'XXDG', quote: 'ZUSD', pair_decimals: 7, lot_decimals: 8, ordermin: '13', status: 'online' },
  XETHXXBT: { altname: 'ETHXBT', wsname: 'ETH/XBT', base: 'XETH', quote: 'XXBT', pair_decimals: 5, lot_decimals: 8, ordermin: '0.002', tick_size: '0.00001', status: 'cancel_only' },
};

describe('Kraken symbols', () => {
  it('builds a domain instrument: REST id, v2 symbol, steps from tick_size and lot_decimals', () => {
    const m = pairToMeta('XXBTZUSD', PAIRS.XXBTZUSD!);
    expect(m.instrument).toEqual({
      venue: 'kraken',
      id: 'XXBTZUSD',
      symbol: 'BTC/USD',
      name: 'BTC / USD',
      kind: 'spot',
      currency: 'usd',
      priceStep: '0.1',
      qtyStep: '0.00000001',
      lotSize: '1',
      qtyUnit: 'base',
      minQty: '0.00005',
      tradable: true,
      codes: { altname: 'XBTUSD', wsname: 'XBT/USD', base: 'XXBT', quote: 'ZUSD' },
    });
    expect(m.pricePrecision).toBe(1);
  });

  it('names pairs from the Assets display names (XBT shown as BTC), and ignores a name that is not short printable text', () => {
    const t = new SymbolTable();
    t.load(PAIRS, undefined, {
      XXBT: { altname: 'XBT' },
      ZUSD: { altname: 'USD' },
      XXDG: { altname: 'XDG' },
      XETH: { altname: 'ETH\u202e<script>' },
    });
    expect(t.find('XXBTZUSD')?.instrument.name).toBe('BTC / USD');
    expect(t.find('XDGUSD')?.instrument.name).toBe('DOGE / USD');
    // ETH's name is refused: the pair keeps its v2 symbol as its name.
    expect(t.find('XETHXXBT')?.instrument.name).toBe('ETH / BTC');
    expect(t.find('XETHXXBT')?.instrument.kind).toBe('spot');
  });

  it('falls back to pair_decimals for the price step and spells XDG as DOGE', () => {
    const m = pairToMeta('XDGUSD', PAIRS.XDGUSD!);
    expect(m.symbol).toBe('DOGE/USD');
    expect(m.instrument.priceStep).toBe('0.0000001');
  });

  it('finds a pair by any of its four names and searches by symbol', () => {
    const t = new SymbolTable();
    t.load(PAIRS);
    for (const n of ['XETHXXBT', 'ETHXBT', 'ETH/XBT', 'ETH/BTC']) expect(t.find(n)?.id).toBe('XETHXXBT');
    expect(t.find('ETH/BTC')?.instrument.tradable).toBe(false);
    expect(t.search('btc/usd', 5).map((i) => i.id)).toEqual(['XXBTZUSD']);
    expect(t.search('doge', 5).map((i) => i.symbol)).toEqual(['DOGE/USD']);
    expect(t.search('', 2)).toHaveLength(2);
  });
});
