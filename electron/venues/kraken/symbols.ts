/**
 * Kraken's naming schemes and the map between them (doc §2.2): REST pair ids (XXBTZUSD)
 * key every REST result, altnames (XBTUSD) appear in order descr, AssetPairs.wsname is
 * the v1 name (XBT/USD), and WS v2 spells the common way (BTC/USD).
 */
import type { Dec, Instrument } from '../../../common/domain.js';
import { dec, formatScaled } from '../../../common/decimal.js';
import { V2_ASSET_ALIASES } from './constants.js';
import type { RestAssetPair, RestAssetPairs, RestAssets } from './rest-types.js';

export interface PairMeta {
  /** REST pair id: our Instrument.id. */
  id: string;
  altname: string;
  /** v1 WS name. */
  wsname: string;
  /** v2 WS symbol: our Instrument.symbol. */
  symbol: string;
  /** Decimals of prices and quantities on the wire (checksum text uses exactly these). */
  pricePrecision: number;
  qtyPrecision: number;
  instrument: Instrument;
}

function v2Asset(a: string): string {
  return V2_ASSET_ALIASES[a] ?? a;
}

/** v1 wsname ("XBT/USD") → v2 symbol ("BTC/USD"). */
export function v2SymbolOf(p: RestAssetPair): string {
  const ws = p.wsname ?? p.altname;
  const slash = ws.indexOf('/');
  if (slash < 0) return ws;
  return `${v2Asset(ws.slice(0, slash))}/${v2Asset(ws.slice(slash + 1))}`;
}

function stepOfDecimals(decimals: number): Dec {
  return formatScaled(1n, decimals);
}

/** AssetPairs entry → domain Instrument (id = REST pair id, symbol = v2 symbol). */
const PLAIN_DECIMAL = /^\d{1,20}(?:\.\d{1,20})?$/;

/** Why an AssetPairs entry breaks the contract (doc §2.3), or undefined: the fields we build an instrument from. */
export function pairProblem(p: unknown): string | undefined {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return 'AssetPairs entry is not an object';
  const x = p as Record<string, unknown>;
  for (const k of ['altname', 'base', 'quote'] as const) if (typeof x[k] !== 'string' || x[k] === '') return `AssetPairs ${k} is not a name`;
  if (x.wsname !== undefined && typeof x.wsname !== 'string') return 'AssetPairs wsname is not a string';
  for (const k of ['pair_decimals', 'lot_decimals'] as const) {
    const v = x[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 18) return `AssetPairs ${k} is not a small whole number`;
  }
  for (const k of ['tick_size', 'ordermin'] as const) {
    const v = x[k];
    if (v !== undefined && v !== '' && (typeof v !== 'string' || !PLAIN_DECIMAL.test(v))) return `AssetPairs ${k} is not a decimal`;
  }
  if (x.status !== undefined && typeof x.status !== 'string') return 'AssetPairs status is not a string';
  return undefined;
}

/** An asset's name as text we may show: printable, short; undefined when the venue's is neither. */
function shownAssetName(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > 16 || !/^[A-Za-z0-9.]+$/.test(v)) return undefined;
  return v2Asset(v);
}

/** REST asset id → the name to show (Assets altname, with v2's spelling: XBT → BTC). */
export function assetDisplayNames(assets: RestAssets | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof assets !== 'object' || assets === null) return out;
  for (const [id, a] of Object.entries(assets)) {
    const name = typeof a === 'object' && a !== null ? shownAssetName((a as { altname?: unknown }).altname) : undefined;
    if (name !== undefined) out.set(id, name);
  }
  return out;
}

export function pairToMeta(id: string, p: RestAssetPair, names?: ReadonlyMap<string, string>): PairMeta {
  const symbol = v2SymbolOf(p);
  const quote = symbol.includes('/') ? symbol.slice(symbol.indexOf('/') + 1) : p.quote;
  const priceStep = p.tick_size !== undefined && p.tick_size !== '' ? dec(p.tick_size) : stepOfDecimals(p.pair_decimals);
  const qtyStep = stepOfDecimals(p.lot_decimals);
  const codes: Record<string, string> = { altname: p.altname, base: p.base, quote: p.quote };
  if (p.wsname) codes.wsname = p.wsname;
  return {
    id,
    altname: p.altname,
    wsname: p.wsname ?? p.altname,
    symbol,
    pricePrecision: p.pair_decimals,
    qtyPrecision: p.lot_decimals,
    instrument: {
      venue: 'kraken',
      id,
      symbol,
      // Kraken publishes no long names; the assets' display names are the readable ones it has.
      name: readableName(symbol, p, names),
      kind: 'spot',
      currency: quote.toLowerCase(),
      priceStep,
      qtyStep,
      lotSize: '1',
      qtyUnit: 'base',
      minQty: p.ordermin !== undefined && p.ordermin !== '' ? dec(p.ordermin) : qtyStep,
      tradable: p.status === undefined || p.status === 'online',
      codes,
    },
  };
}

function readableName(symbol: string, p: RestAssetPair, names: ReadonlyMap<string, string> | undefined): string {
  const base = names?.get(p.base);
  const quote = names?.get(p.quote);
  return base !== undefined && quote !== undefined ? `${base} / ${quote}` : symbol.replace('/', ' / ');
}

/** Every pair the venue listed, findable by any of its names. */
export class SymbolTable {
  private readonly byId = new Map<string, PairMeta>();
  private readonly byName = new Map<string, PairMeta>();

  /** Every pair that passes `pairProblem`; the others go to `malformed` with their entry and are skipped. */
  load(pairs: RestAssetPairs, malformed?: (detail: string, frame: string) => void, assets?: RestAssets): void {
    const names = assetDisplayNames(assets);
    this.byId.clear();
    this.byName.clear();
    if (typeof pairs !== 'object' || pairs === null) {
      malformed?.('AssetPairs result is not an object', JSON.stringify(pairs));
      return;
    }
    for (const [id, p] of Object.entries(pairs)) {
      // Dark-pool ".d" pairs are not spot books we can show.
      if (id.endsWith('.d')) continue;
      const why = pairProblem(p);
      if (why !== undefined) {
        malformed?.(why, JSON.stringify({ [id]: p }));
        continue;
      }
      const m = pairToMeta(id, p, names);
      this.byId.set(id, m);
      for (const n of [id, m.altname, m.wsname, m.symbol]) if (!this.byName.has(n)) this.byName.set(n, m);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): PairMeta | undefined {
    return this.byId.get(id);
  }

  /** By REST id, altname, v1 wsname or v2 symbol. */
  find(name: string): PairMeta | undefined {
    return this.byId.get(name) ?? this.byName.get(name);
  }

  all(): PairMeta[] {
    return [...this.byId.values()];
  }

  search(query: string, limit: number): Instrument[] {
    const q = query.trim().toUpperCase().replace(/[-_ ]/g, '/');
    const flat = q.replace(/\//g, '');
    const scored: [number, PairMeta][] = [];
    for (const m of this.byId.values()) {
      const names = [m.symbol, m.id, m.altname, m.wsname];
      let score = -1;
      if (q === '') score = 3;
      else if (names.some((n) => n.toUpperCase() === q) || m.symbol.replace('/', '') === flat) score = 0;
      else if (m.symbol.toUpperCase().startsWith(q) || m.altname.toUpperCase().startsWith(flat)) score = 1;
      else if (names.some((n) => n.toUpperCase().includes(q)) || m.symbol.replace('/', '').includes(flat)) score = 2;
      if (score >= 0) scored.push([score, m]);
    }
    scored.sort((a, b) => a[0] - b[0] || a[1].symbol.localeCompare(b[1].symbol));
    return scored.slice(0, Math.max(0, limit)).map(([, m]) => m.instrument);
  }
}
