/**
 * MarketDataResponse frames of a hostile T-Invest venue: the real shapes the faithful sim sends
 * (candle, ping, subscribe_candles_response, trade, trading_status), then bent at the protobuf
 * level and at the value level. Every frame carries a label saying whether the contract allows
 * it, so a run can hold the adapter's malformed counter against the venue's own count.
 *
 * "Valid" follows the contract of the fields the adapter reads (venue notes §2.1, §2.3): a
 * candle names its instrument (figi or instrument_uid), has all four prices and its open time,
 * Quotations keep |nano| < 1e9 with the units' sign, Timestamps keep nanos in [0, 1e9), enums are
 * values the contract lists, and the candle is sane (positive prices below 10^12, low ≤ open,
 * close ≤ high, volume 0 ≤ v < 10^18, open time aligned, after 2000, not in the future); a
 * ping's time lies within a day of ours. Unknown field numbers, any field order, absent
 * optional fields and huge unknown payloads are valid protobuf and count as valid.
 */
import { formatScaled } from '../../../common/decimal.js';
import { prng } from '../../market.js';
import type { Field } from './pb.js';
import { bytesField, encode, msg, quotation, str, tag, timestamp, varint, vint, withWireType } from './pb.js';

export interface HostileInstrument {
  uid: string;
  figi: string;
  ticker: string;
}

/** A candle as the adapter must deliver it: prices as the canonical decimal text. */
export interface ExpectedCandle {
  uid: string;
  time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export interface HostileFrame {
  bytes: Buffer;
  /** False when the contract does not allow this message. */
  valid: boolean;
  /** What was done to it, for failure messages. */
  what: string;
  /** A valid candle of a subscribed key that advances its series: must be delivered. */
  candle?: ExpectedCandle;
}

const INT64_MAX = 2n ** 63n - 1n;
/** 2100-01-01T00:00:00Z. */
const YEAR_2100 = 4_102_444_800n;
const DAY_MS = 86_400_000;

function centsQuotation(cents: bigint): Field[] {
  // Units and nano share the sign; bigint division truncates toward zero.
  return quotation(cents / 100n, Number(cents % 100n) * 10_000_000);
}

interface CandleValues {
  inst: HostileInstrument;
  interval: number;
  time: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  lastTradeMs: number;
}

/** The candle's fields in the order and shape the faithful sim writes them. */
function candleFields(c: CandleValues): Field[] {
  const lastSec = Math.floor(c.lastTradeMs / 1000);
  return [
    str(1, c.inst.figi),
    vint(2, c.interval),
    msg(3, centsQuotation(c.open)),
    msg(4, centsQuotation(c.high)),
    msg(5, centsQuotation(c.low)),
    msg(6, centsQuotation(c.close)),
    ...(c.volume !== 0n ? [vint(7, c.volume)] : []),
    msg(8, timestamp(BigInt(c.time), 0)),
    msg(9, timestamp(BigInt(lastSec), (c.lastTradeMs - lastSec * 1000) * 1_000_000)),
    str(10, c.inst.uid),
    str(11, c.inst.ticker),
    str(12, 'TQBR'),
    vint(19, 1),
  ];
}

const response = (member: number, fields: readonly Field[]): Buffer => encode([msg(member, fields)]);

export interface ScriptOptions {
  seed: number;
  /** Instruments the adapter subscribed (1-minute candles); their candles must arrive. */
  subscribed: readonly HostileInstrument[];
  /** Instruments nobody subscribed: their candles are valid and must not arrive. */
  others: readonly HostileInstrument[];
  now: () => number;
  /** Share of frames that are mutated into invalid ones (default 0.35). */
  invalidShare?: number;
}

/** An endless, seeded sequence of labelled frames. */
export class HostileScript {
  private readonly rand: () => number;
  private readonly next = new Map<string, number>();
  /** Valid candle frames sent per subscribed key, to replay one out of order. */
  private readonly sentValid = new Map<string, Buffer[]>();
  private readonly base: number;
  private seq = 0;

  constructor(private readonly o: ScriptOptions) {
    this.rand = prng(o.seed);
    // Far enough back that a million one-minute candles per key stay in the past.
    this.base = Math.floor(o.now() / 60_000) * 60 - 760 * 86_400;
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** A fresh candle of `inst`: its own next period, prices around 300 with a real range. */
  private values(inst: HostileInstrument): CandleValues {
    const t = this.next.get(inst.uid) ?? this.base;
    this.next.set(inst.uid, t + 60);
    const p = 30_000n + BigInt(this.int(5_000));
    const low = p - BigInt(1 + this.int(200));
    const high = p + BigInt(1 + this.int(200));
    const open = low + BigInt(this.int(Number(high - low) + 1));
    const close = low + BigInt(this.int(Number(high - low) + 1));
    return { inst, interval: 1, time: t, open, high, low, close, volume: BigInt(this.int(100_000)), lastTradeMs: (t + 30) * 1000 + this.int(1000) };
  }

  private expected(c: CandleValues): ExpectedCandle {
    return {
      uid: c.inst.uid,
      time: c.time,
      open: formatScaled(c.open, 2),
      high: formatScaled(c.high, 2),
      low: formatScaled(c.low, 2),
      close: formatScaled(c.close, 2),
      volume: c.volume.toString(),
    };
  }

  frame(): HostileFrame {
    this.seq++;
    const r = this.rand();
    const invalidShare = this.o.invalidShare ?? 0.35;
    if (r < invalidShare) return this.invalidCandle();
    if (r < invalidShare + 0.4) return this.validCandle();
    return this.misc();
  }

  // ---- valid candles ----

  private validCandle(): HostileFrame {
    const inst = this.pick(this.o.subscribed);
    const c = this.values(inst);
    let fields = candleFields(c);
    let what = 'candle';
    const v = this.int(8);
    switch (v) {
      case 0: {
        // Unknown field numbers of every wire type, anywhere in the message.
        const n = 1 + this.int(3);
        for (let i = 0; i < n; i++) fields.splice(this.int(fields.length + 1), 0, this.unknownField());
        what = 'candle + unknown fields';
        break;
      }
      case 1:
        fields = this.shuffle(fields);
        what = 'candle, fields reordered';
        break;
      case 2:
        fields = fields.filter((f) => f.no !== 10);
        what = 'candle named by figi only';
        break;
      case 3:
        fields = fields.filter((f) => f.no !== 1);
        what = 'candle named by uid only';
        break;
      case 4:
        fields = fields.filter((f) => f.no !== 9 && f.no !== 11 && f.no !== 12 && f.no !== 19);
        what = 'candle without optional fields';
        break;
      case 5:
        if (this.int(16) === 0) {
          // Oversized: a large unknown payload (valid protobuf, well under the receive limit).
          fields.push(bytesField(900 + this.int(100), Buffer.alloc(16_384 + this.int(65_536), 0x5a)));
          what = 'candle + oversized unknown field';
        }
        break;
      default:
        break;
    }
    const bytes = response(5, fields);
    let list = this.sentValid.get(inst.uid);
    if (!list) this.sentValid.set(inst.uid, (list = []));
    list.push(bytes);
    if (list.length > 64) list.shift();
    return { bytes, valid: true, what, candle: this.expected(c) };
  }

  private unknownField(): Field {
    const no = this.pick([15, 16, 17, 18, 20, 33, 100, 1000, 536_870_911]);
    switch (this.int(4)) {
      case 0:
        return vint(no, BigInt(this.int(1 << 30)) * (this.int(2) === 0 ? 1n : -1n));
      case 1:
        return { no, wt: 1, raw: Buffer.alloc(8, 7) };
      case 2:
        return bytesField(no, Buffer.alloc(this.int(40), 0x41));
      default:
        return { no, wt: 5, raw: Buffer.alloc(4, 9) };
    }
  }

  private shuffle<T>(xs: T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  // ---- invalid candles ----

  private invalidCandle(): HostileFrame {
    const inst = this.pick(this.o.subscribed);
    const c = this.values(inst);
    const fields = candleFields(c);
    const set = (no: number, f: Field): void => {
      const i = fields.findIndex((x) => x.no === no);
      fields[i] = f;
    };
    const drop = (...nos: number[]): Field[] => fields.filter((f) => !nos.includes(f.no));
    const k = this.int(27);
    const bad = (what: string, bytes = response(5, fields)): HostileFrame => ({ bytes, valid: false, what });
    switch (k) {
      case 0: {
        const i = this.int(fields.length);
        const f = fields[i]!;
        const wt = this.pick([0, 1, 2, 3, 5, 6, 7].filter((w) => w !== f.wt));
        fields[i] = withWireType(f, wt);
        return bad(`field ${f.no} with wire type ${wt}`);
      }
      case 1:
        return bad('candle naming no instrument', response(5, drop(1, 10)));
      case 2: {
        const no = this.pick([3, 4, 5, 6, 8]);
        return bad(`candle without field ${no}`, response(5, drop(no)));
      }
      case 3: {
        const no = this.pick([3, 4, 5, 6]);
        set(no, msg(no, centsQuotation(-c.low)));
        return bad('negative price');
      }
      case 4:
        set(4, msg(4, quotation(INT64_MAX, 0)));
        return bad('int64-max price');
      case 5: {
        const no = this.pick([3, 4, 5, 6]);
        set(no, msg(no, quotation(300n, 1_000_000_000 + this.int(1000))));
        return bad('nano ≥ 1e9');
      }
      case 6:
        set(5, msg(5, quotation(300n, -(1 + this.int(999_999_999)))));
        return bad('nano against the sign of units');
      case 7:
        set(4, msg(4, centsQuotation(c.low)));
        set(5, msg(5, centsQuotation(c.high)));
        return bad('high below low');
      case 8:
        set(3, msg(3, centsQuotation(c.high + 1n)));
        return bad('open above high');
      case 9:
        set(6, msg(6, centsQuotation(c.low - 1n)));
        return bad('close below low');
      case 10:
        set(3, msg(3, []));
        return bad('open present but zero');
      case 11:
        return bad('negative volume', response(5, [...drop(7), vint(7, -BigInt(1 + this.int(1000)))]));
      case 12:
        return bad('int64-max volume', response(5, [...drop(7), vint(7, INT64_MAX)]));
      case 13:
        set(8, msg(8, timestamp(YEAR_2100 + BigInt(60 * this.int(1000)), 0)));
        return bad('open time in 2100');
      case 14:
        set(8, msg(8, timestamp(BigInt(60 * (1 + this.int(1000))), 0)));
        return bad('open time in 1970');
      case 15:
        set(8, msg(8, timestamp(BigInt(c.time + 1 + this.int(59)), 0)));
        return bad('open time not aligned');
      case 16:
        set(8, msg(8, timestamp(BigInt(c.time), this.int(2) === 0 ? -1 : 1_000_000_000 + this.int(1000))));
        return bad('timestamp nanos out of range');
      case 17:
        set(2, vint(2, this.pick([0, 14, 99, 1 << 20, -1])));
        return bad('unknown interval');
      case 18:
        set(19, vint(19, this.pick([3, 42, -7])));
        return bad('unknown candle source');
      case 19: {
        const whole = response(5, fields);
        return bad('truncated', whole.subarray(0, 1 + this.int(whole.length - 1)));
      }
      case 20: {
        const inner = encode(fields);
        const lie = Buffer.concat([tag(5, 2), varint(BigInt(inner.length + 1 + this.int(1 << 20))), inner]);
        return bad('length beyond the message', lie);
      }
      case 21:
        // An 11-byte varint: longer than protobuf allows.
        return bad('overlong varint', response(5, [...drop(7), { no: 7, wt: 0, tail: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x01]) }]));
      case 22:
        return bad('field number 0', response(5, [...fields, { no: 0, wt: 0, tail: Buffer.from([1]) }]));
      case 23:
        return bad('unknown field with wire type 7', response(5, [...fields, { no: 77, wt: 7, tail: Buffer.from([1, 2, 3]) }]));
      case 24:
        set(3, msg(3, [withWireType(vint(1, 300n), 2)]));
        return bad('Quotation units with wire type 2');
      case 25:
        set(8, msg(8, [vint(1, 1n << 62n)]));
        return bad('timestamp seconds beyond int53');
      default:
        // nano that does not fit int32
        set(6, msg(6, [vint(1, 300n), vint(2, 1n << 40n)]));
        return bad('nano beyond int32');
    }
  }

  // ---- pings, other payloads, out-of-order frames ----

  private misc(): HostileFrame {
    const now = this.o.now();
    const sec = Math.floor(now / 1000);
    const k = this.int(14);
    switch (k) {
      case 0:
      case 1:
        return { bytes: response(9, [msg(1, timestamp(BigInt(sec), (now % 1000) * 1_000_000)), str(2, 'hostile')]), valid: true, what: 'ping' };
      case 2:
        return { bytes: response(9, [str(2, 'hostile')]), valid: true, what: 'ping without time' };
      case 3:
        return { bytes: response(9, [msg(1, timestamp(BigInt(Math.floor((now + 2 * DAY_MS) / 1000)), 0))]), valid: false, what: 'ping from two days ahead' };
      case 4:
        return { bytes: response(9, [msg(1, timestamp(BigInt(sec), 1_000_000_000 + this.int(5)))]), valid: false, what: 'ping nanos out of range' };
      case 5:
        return { bytes: response(9, [vint(2, 5)]), valid: false, what: 'ping stream_id as a varint' };
      case 6: {
        const inst = this.pick(this.o.subscribed);
        const trade = [str(1, inst.figi), vint(2, 1), msg(3, centsQuotation(30_050n)), vint(4, 3), msg(5, timestamp(BigInt(sec), 0)), str(6, inst.uid)];
        return { bytes: response(6, trade), valid: true, what: 'trade' };
      }
      case 7:
        return { bytes: encode([vint(6, 1)]), valid: false, what: 'trade member as a varint' };
      case 8:
        return { bytes: Buffer.alloc(0), valid: true, what: 'empty response' };
      case 9:
        return { bytes: encode([bytesField(40, Buffer.from('future payload'))]), valid: true, what: 'unknown top-level member' };
      case 10: {
        // Valid, but not for any key we hold.
        const other = this.pick(this.o.others);
        return { bytes: response(5, candleFields(this.values(other))), valid: true, what: 'candle of an unsubscribed instrument' };
      }
      case 11: {
        // Out of order: a candle already sent, again; the series must not move back.
        const inst = this.pick(this.o.subscribed);
        const old = this.sentValid.get(inst.uid);
        if (old && old.length > 0) return { bytes: this.pick(old), valid: true, what: 'old candle replayed' };
        return { bytes: Buffer.alloc(0), valid: true, what: 'empty response' };
      }
      case 12: {
        const inst = this.pick(this.o.subscribed);
        const status = [str(1, inst.figi), vint(2, 1), vint(3, 1), str(4, inst.uid), str(6, 'hostile'), str(7, 'sub'), vint(8, 1)];
        return { bytes: response(1, [str(1, 'track'), msg(2, status)]), valid: true, what: 'repeated SUCCESS for a held key' };
      }
      default: {
        const unknownEnum = this.int(2) === 0;
        const status = [str(1, 'NOSUCHID'), vint(2, 1), vint(3, unknownEnum ? 99 : 2), str(6, 'hostile'), vint(8, 1)];
        return { bytes: response(1, [str(1, 'track'), msg(2, status)]), valid: !unknownEnum, what: unknownEnum ? 'unknown subscription status' : 'refusal for a key nobody holds' };
      }
    }
  }
}

/** Valid SubscribeCandlesResponse statuses for the instruments of one subscribe request. */
export function subscribeAnswer(ids: readonly { instrumentId: string; interval: number }[], known: (id: string) => HostileInstrument | undefined): Buffer {
  const statuses = ids.map((x) => {
    const inst = known(x.instrumentId);
    // Like the venue: the figi is always filled, with the id we sent when it knows none (§2.3).
    return msg(2, [str(1, inst?.figi ?? x.instrumentId), vint(2, x.interval), vint(3, inst ? 1 : 2), ...(inst ? [str(4, inst.uid)] : []), str(6, 'hostile'), str(7, `sub-${x.instrumentId}`), vint(8, 1)]);
  });
  return encode([msg(1, [str(1, 'track'), ...statuses])]);
}

export function pingAnswer(nowMs: number, requestTime: Buffer | undefined): Buffer {
  const sec = Math.floor(nowMs / 1000);
  const fields: Field[] = [msg(1, timestamp(BigInt(sec), (nowMs % 1000) * 1_000_000)), str(2, 'hostile')];
  if (requestTime) fields.push(bytesField(4, requestTime));
  return encode([msg(9, fields)]);
}

/** One candle frame of `inst` (prices in cents), optionally bent by `edit`: for tests that name their case. */
export function candleFrame(
  inst: HostileInstrument,
  c: { time: number; open: bigint; high: bigint; low: bigint; close: bigint; volume: bigint },
  edit: (fields: Field[]) => Field[] = (f) => f,
): Buffer {
  return response(5, edit(candleFields({ inst, interval: 1, ...c, lastTradeMs: (c.time + 30) * 1000 })));
}
