/**
 * Frames of a hostile Kraken public socket: real WS v2 shapes as sim/kraken writes them (ohlc
 * updates of one candle key, heartbeats, status, pongs), a share of them mutated. Every frame
 * says whether it is still valid under the venue's contract (doc §4; candle sanity of issue 9),
 * decided by how it was made: a mutation that keeps the contract (an extra unknown member,
 * decimals sent as strings, keys reordered, a stale copy resent) counts as valid.
 */
import { prng } from '../../market.js';

export const FUZZ_SYMBOL = 'BTC/USD';
/** The candle key the fuzz subscribes: BTC/USD, 1 minute. */
export const FUZZ_INTERVAL_MIN = 1;

/** A valid ohlc entry of the fuzzed key, as the adapter must deliver it (canonical decimals). */
export interface FuzzCandle {
  time: number;
  trades: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export interface FuzzFrame {
  text: string;
  valid: boolean;
  /** What was done to it, for failure reports. */
  kind: string;
  /** Set when the frame is a valid ohlc update of the fuzzed key. */
  candle?: FuzzCandle;
}

/** Larger than any frame the adapter reads (its cap is 1 MiB of text). */
const OVERSIZED_CHARS = (1 << 20) + 4096;

function iso(sec: number, frac: string): string {
  return new Date(sec * 1000).toISOString().slice(0, 19) + frac + 'Z';
}

/** `int` with one decimal (prices) or eight (volume), as Kraken writes them: exact text, trailing zeros kept. */
function fixed(int: number, scale: number): string {
  const s = String(int).padStart(scale + 1, '0');
  return `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
}

/** The canonical decimal of such a text ("64250.0" → "64250", "0.12300000" → "0.123"). */
function canon(text: string): string {
  if (!text.includes('.')) return text;
  const t = text.replace(/0+$/, '').replace(/\.$/, '');
  return t === '' ? '0' : t;
}

interface Fields {
  [k: string]: string;
}

function entryText(f: Fields, order?: readonly string[]): string {
  const keys = order ?? Object.keys(f);
  return '{' + keys.filter((k) => f[k] !== undefined).map((k) => `"${k}":${f[k]}`).join(',') + '}';
}

function ohlcText(entry: string, frameTime: string, type = '"update"'): string {
  return `{"channel":"ohlc","type":${type},"timestamp":"${frameTime}","data":[${entry}]}`;
}

const REQUIRED = ['symbol', 'open', 'high', 'low', 'close', 'trades', 'volume', 'vwap', 'interval_begin', 'interval'] as const;
const DECIMALS = ['open', 'high', 'low', 'close', 'volume', 'vwap'] as const;
const WRONG_TYPES = ['null', 'true', 'false', '{}', '[]', '"abc"', '[1,2]', '{"v":1}'];

/**
 * An endless stream of frames from `seed`. Candle times start far enough back that `count`
 * frames never reach `nowSec` (every valid candle is within the venue's clock tolerance).
 */
export function* hostileKrakenFrames(seed: number, count: number, nowSec: number): Generator<FuzzFrame> {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const minutes = Math.ceil(count / 4) + 10;
  let time = (Math.floor(nowSec / 60) - minutes) * 60;
  let trades = 0;
  let open = 642_500;
  let high = open;
  let low = open;
  let close = open;
  let volume = 0;
  let left = 1 + Math.floor(r() * 8);
  const history: FuzzFrame[] = [];

  for (;;) {
    const roll = r();
    if (roll < 0.06) {
      const extra = r() < 0.3;
      yield { text: extra ? '{"channel":"heartbeat","x_hostile":1}' : '{"channel":"heartbeat"}', valid: true, kind: extra ? 'heartbeat+extra' : 'heartbeat' };
      continue;
    }
    if (roll < 0.08) {
      const bad = r() < 0.5;
      const system = bad ? pick(['"exploded"', 'null', '42', '"ONLINE"']) : pick(['"online"', '"maintenance"', '"cancel_only"', '"post_only"']);
      yield {
        text: `{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":9007199254740993,"system":${system},"version":"2.0.9"}]}`,
        valid: !bad,
        kind: bad ? 'status bad system' : 'status',
      };
      continue;
    }
    if (roll < 0.1) {
      // Replies to nothing we asked: fine when well formed, malformed when not.
      const bad = r() < 0.5;
      const text = bad
        ? pick([
            '{"method":"pong","req_id":"abc"}',
            '{"method":"pong","req_id":1,"time_out":"yesterday"}',
            '{"method":"subscribe","success":"yes","req_id":900001}',
            '{"method":"subscribe","success":false,"error":42,"req_id":900002}',
            '{"method":"pong","req_id":-5}',
          ])
        : pick([
            '{"method":"pong","req_id":900003,"time_in":"2026-01-01T00:00:00.000000Z","time_out":"2026-01-01T00:00:00.000001Z"}',
            '{"method":"unsubscribe","result":{"channel":"ohlc","symbol":"ETH/USD","interval":1},"success":true,"req_id":900004}',
            '{"method":"subscribe","result":{"channel":"book","symbol":"ETH/USD","depth":10},"success":true,"req_id":900005}',
          ]);
      yield { text, valid: !bad, kind: bad ? 'bad reply' : 'stray reply' };
      continue;
    }
    if (roll < 0.12) {
      const text = pick([
        '[1,2,3]', '42', 'null', '"ohlc"', '{}', '{"surprise":true}', '{"channel":42,"data":[]}', 'not json at all', '',
        '{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","last":1.0}]}',
        '{"channel":"ohlc","type":"update","data":{}}', '{"channel":"ohlc","type":"update","data":null}', '{"channel":"ohlc","type":"update"}',
      ]);
      yield { text, valid: false, kind: 'junk' };
      continue;
    }
    if (roll < 0.14 && history.length > 0) {
      // A valid frame again, out of order: valid, and only news if the adapter's rule says so.
      const old = history[Math.floor(r() * history.length)]!;
      yield { ...old, kind: 'stale copy' };
      continue;
    }

    // The next ohlc update of the open candle (a new candle every few updates).
    if (--left < 0) {
      time += 60 * (1 + (r() < 0.1 ? Math.floor(r() * 3) : 0));
      trades = 0;
      open = close;
      high = open;
      low = open;
      volume = 0;
      left = 1 + Math.floor(r() * 8);
    }
    trades++;
    close = Math.max(10, close + Math.floor(r() * 21) - 10);
    if (close > high) high = close;
    if (close < low) low = close;
    if (high === low) high++;
    volume += 1 + Math.floor(r() * 50_000_000);
    const f: Fields = {
      symbol: `"${FUZZ_SYMBOL}"`,
      open: fixed(open, 1),
      high: fixed(high, 1),
      low: fixed(low, 1),
      close: fixed(close, 1),
      trades: String(trades),
      volume: fixed(volume, 8),
      vwap: fixed(Math.floor((high + low) / 2), 1),
      interval_begin: `"${iso(time, '.000000000')}"`,
      interval: String(FUZZ_INTERVAL_MIN),
      timestamp: `"${iso(time + 60, '.000000')}"`,
    };
    const frameTime = iso(time + 30, '.123456');
    const candle: FuzzCandle = {
      time, trades, open: canon(f.open!), high: canon(f.high!), low: canon(f.low!), close: canon(f.close!), volume: canon(f.volume!),
    };
    const m = r();
    if (m < 0.6) {
      const frame: FuzzFrame = { text: ohlcText(entryText(f), frameTime), valid: true, kind: 'ohlc', candle };
      if (history.length < 64) history.push(frame);
      else history[Math.floor(r() * 64)] = frame;
      yield frame;
      continue;
    }
    if (m < 0.7) {
      // Mutations that keep the contract.
      const how = Math.floor(r() * 5);
      let text: string;
      let kind: string;
      let mine = true;
      if (how === 0) {
        text = ohlcText(entryText({ ...f, x_hostile: pick(['"extra"', '12345', '{"a":[1,2]}', 'null']) }), frameTime);
        kind = 'extra member';
      } else if (how === 1) {
        const g = { ...f };
        for (const k of DECIMALS) g[k] = `"${g[k]!}"`;
        text = ohlcText(entryText(g), frameTime);
        kind = 'decimals as strings';
      } else if (how === 2) {
        const order = [...Object.keys(f)].sort((a, b) => (a < b ? 1 : -1));
        text = ohlcText(entryText(f, order).replace(/,/g, ', '), frameTime).replace('"data":', '"x_top":true, "data":');
        kind = 'reordered, spaced, extra top member';
      } else if (how === 3) {
        text = ohlcText(entryText({ ...f, symbol: '"ETH/USD"' }), frameTime);
        kind = 'another symbol';
        mine = false;
      } else {
        text = ohlcText(entryText({ ...f, interval: '5' }), frameTime);
        kind = 'another interval';
        mine = false;
      }
      yield mine ? { text, valid: true, kind, candle } : { text, valid: true, kind };
      // The venue's candle moved on whether or not this copy counts: keep the model in step.
      continue;
    }
    // Mutations that break it.
    const g: Fields = { ...f };
    let text: string | undefined;
    let kind: string;
    const how = Math.floor(r() * 14);
    switch (how) {
      case 0: {
        const k = pick(REQUIRED);
        // A number where text belongs must not pass for that text.
        const numbers = k === 'symbol' || k === 'interval_begin' ? ['42', '1.5e3', '-1'] : [];
        g[k] = pick([...WRONG_TYPES.filter((w) => !(k === 'symbol' && w === '"abc"')), ...numbers]);
        kind = `wrong type ${k}`;
        break;
      }
      case 1: {
        const k = pick(REQUIRED);
        delete g[k];
        kind = `missing ${k}`;
        break;
      }
      case 2: {
        // vwap has no sanity range of its own, only its exponent is bounded; volume may be larger than a price.
        const k = pick(DECIMALS);
        const plainHuge = k === 'vwap' ? [] : k === 'volume' ? ['1e40', '9999999999999999999.9'] : ['1e40', '99999999999999.9'];
        g[k] = pick(['1e308', '-1e308', '1e-400', ...plainHuge]);
        kind = `huge ${k}`;
        break;
      }
      case 3: {
        const k = pick([...DECIMALS, 'trades'] as const);
        g[k] = k === 'trades' ? '-1' : `-${g[k]!}`;
        kind = `negative ${k}`;
        break;
      }
      case 4: {
        const k = pick(DECIMALS);
        g[k] = pick([`${g[k]!}.1`, `"${g[k]!.replace('.', ',')}"`, `0${g[k]!}`, `.5`, `"1..2"`, `"12a"`, `"NaN"`, `"Infinity"`, '1.', '"  1.0"']);
        kind = `broken decimal ${k}`;
        break;
      }
      case 5:
        g.interval_begin = `"${pick(['2999-01-01T00:00:00.000000000Z', '9999-12-31T23:59:00.000000000Z', iso(Math.floor(nowSec / 60) * 60 + 86_400, '.000000000')])}"`;
        kind = 'far-future open';
        break;
      case 6:
        g.interval_begin = `"${pick(['1970-01-01T00:00:00.000000000Z', '1999-12-31T23:59:00.000000000Z', '0001-01-01T00:00:00.000000000Z'])}"`;
        kind = 'far-past open';
        break;
      case 7:
        g.interval_begin = pick([`"${iso(time + 7, '.000000000')}"`, '"yesterday"', `"${iso(time, '.000000000').slice(0, -1)}"`, '"2024-13-45T99:99:99Z"', `"${iso(time, '')}".slice`]);
        kind = 'bad open time';
        break;
      case 8:
        g.high = f.low!;
        g.low = f.high!;
        kind = 'high below low';
        break;
      case 9:
        g.open = fixed(high + 1 + Math.floor(r() * 5), 1);
        kind = 'open above high';
        break;
      case 10:
        text = ohlcText(entryText(g), frameTime).slice(0, 1 + Math.floor(r() * 200));
        kind = 'truncated';
        break;
      case 11:
        if (r() < 0.02) {
          text = ohlcText(entryText({ ...g, x_pad: `"${'x'.repeat(OVERSIZED_CHARS)}"` }), frameTime);
          kind = 'oversized';
        } else {
          text = ohlcText(entryText(g), frameTime, pick(['"delta"', 'null', '1']));
          kind = 'bad type';
        }
        break;
      case 12:
        g.trades = pick(['1.5', '"x"', '1e3']);
        kind = 'bad trades';
        break;
      default:
        g.interval = pick(['1.5', '"one"', '-1', 'null']);
        kind = 'bad interval';
        break;
    }
    yield { text: text ?? ohlcText(entryText(g), frameTime), valid: false, kind };
  }
}
