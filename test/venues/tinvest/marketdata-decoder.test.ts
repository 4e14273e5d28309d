import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { PROTO_PACKAGE } from '../../../electron/venues/tinvest/constants.js';
import { decodeMarketDataResponse } from '../../../electron/venues/tinvest/marketdata-decoder.js';
import { packageDefinition } from '../../../electron/venues/tinvest/proto.js';
import { quotationToDec } from '../../../electron/venues/tinvest/quotation.js';

/** proto-loader's own codec for MarketDataResponse: the reference our decoder must agree with. */
function responseType(): MessageTypeDefinition<object, Record<string, unknown>> {
  return packageDefinition()[`${PROTO_PACKAGE}.MarketDataResponse`] as MessageTypeDefinition<object, Record<string, unknown>>;
}

interface Q {
  units: string;
  nano: number;
}
interface Ts {
  seconds: string;
  nanos: number;
}

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

const quotation = fc.option(
  fc.tuple(fc.oneof(fc.bigInt(INT64), fc.bigInt({ min: -1_000_000n, max: 1_000_000n })), fc.integer({ min: 0, max: 999_999_999 })).map(
    ([u, n]): Q => ({ units: u.toString(), nano: u < 0n ? -n : n }),
  ),
  { nil: null },
);

const timestamp = fc.option(
  fc.record({ seconds: fc.integer({ min: -10_000_000_000, max: 100_000_000_000 }).map(String), nanos: fc.integer({ min: 0, max: 999_999_999 }) }),
  { nil: null },
);

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.uuid());

const candle = fc.record({
  figi: text,
  interval: fc.integer({ min: 0, max: 13 }),
  open: quotation,
  high: quotation,
  low: quotation,
  close: quotation,
  volume: fc.bigInt(INT64).map(String),
  time: timestamp,
  lastTradeTs: timestamp,
  instrumentUid: text,
  ticker: text,
  classCode: text,
  volumeBuy: fc.bigInt({ min: 0n, max: INT64.max }).map(String),
  volumeSell: fc.bigInt({ min: 0n, max: INT64.max }).map(String),
  candleSourceType: fc.integer({ min: 0, max: 2 }),
});

const subscription = fc.record({
  figi: text,
  interval: fc.integer({ min: 0, max: 13 }),
  subscriptionStatus: fc.integer({ min: 0, max: 10 }),
  instrumentUid: text,
  waitingClose: fc.boolean(),
  streamId: text,
  subscriptionId: fc.uuid(),
  subscriptionAction: fc.integer({ min: 0, max: 2 }),
  ticker: text,
  classCode: text,
});

const dec = (q: Q | null): string => (q ? quotationToDec(q) : '0');
const ms = (t: Ts | null): number => (t ? Number(t.seconds) * 1000 + Math.floor(t.nanos / 1_000_000) : 0);

describe('the MarketDataResponse decoder', () => {
  it('reads every complete candle exactly as proto-loader does, prices straight to Dec; calls the rest malformed', () => {
    const T = responseType();
    fc.assert(
      fc.property(candle, (c) => {
        const bytes = T.serialize({ candle: c });
        const ref = T.deserialize(bytes).candle as Record<string, unknown> & {
          open: Q | null;
          high: Q | null;
          low: Q | null;
          close: Q | null;
          time: Ts | null;
          figi: string;
          instrumentUid: string;
          interval: number;
        };
        const complete = ref.open && ref.high && ref.low && ref.close && ref.time && (ref.figi || ref.instrumentUid) && ref.interval >= 1;
        if (!complete) {
          // No prices is not zeros, no open time is not 1970, no name is no candle, interval 0 is no interval.
          expect(decodeMarketDataResponse(bytes)).toMatchObject({ kind: 'malformed', error: expect.stringMatching(/without|names no|interval/) });
          return;
        }
        expect(decodeMarketDataResponse(bytes)).toEqual({
          kind: 'candle',
          figi: ref.figi,
          instrumentUid: ref.instrumentUid,
          interval: ref.interval,
          time: ref.time ? Number(ref.time.seconds) : 0,
          open: dec(ref.open),
          high: dec(ref.high),
          low: dec(ref.low),
          close: dec(ref.close),
          volume: String(ref.volume),
        });
      }),
      { numRuns: 1500 },
    );
  });

  it('reads pings, with the echoed request time when present', () => {
    const T = responseType();
    fc.assert(
      fc.property(timestamp, text, fc.option(timestamp, { nil: undefined }), (time, streamId, echo) => {
        const ping: Record<string, unknown> = { time, streamId };
        if (echo !== undefined) ping.pingRequestTime = echo;
        const bytes = T.serialize({ ping });
        const ref = T.deserialize(bytes).ping as { time: Ts | null; streamId: string; pingRequestTime?: Ts | null };
        expect(decodeMarketDataResponse(bytes)).toEqual({
          kind: 'ping',
          timeMs: ms(ref.time),
          streamId: ref.streamId,
          requestTimeMs: ref.pingRequestTime ? ms(ref.pingRequestTime) : undefined,
        });
      }),
      { numRuns: 500 },
    );
  });

  it('reads subscription answers with every status', () => {
    const T = responseType();
    fc.assert(
      fc.property(text, fc.array(subscription, { maxLength: 8 }), (trackingId, subs) => {
        const bytes = T.serialize({ subscribeCandlesResponse: { trackingId, candlesSubscriptions: subs } });
        const ref = T.deserialize(bytes).subscribeCandlesResponse as { trackingId: string; candlesSubscriptions: Record<string, unknown>[] };
        expect(decodeMarketDataResponse(bytes)).toEqual({
          kind: 'subscribe-candles',
          trackingId: ref.trackingId,
          subscriptions: ref.candlesSubscriptions.map((s) => ({
            figi: s.figi,
            interval: s.interval,
            status: s.subscriptionStatus,
            instrumentUid: s.instrumentUid,
            streamId: s.streamId,
            subscriptionId: s.subscriptionId,
            action: s.subscriptionAction,
          })),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('reads trades and last prices, and skips payloads it does not use (open interest, 12) by wire type', () => {
    const T = responseType();
    const trade = { figi: 'BBG004730N88', direction: 1, price: { units: '306', nano: 500_000_000 }, quantity: '12', time: { seconds: '1700000000', nanos: 0 } };
    expect(decodeMarketDataResponse(T.serialize({ trade }))).toEqual({
      kind: 'trade',
      figi: 'BBG004730N88',
      instrumentUid: '',
      direction: 1,
      price: '306.5',
      quantity: '12',
      timeMs: 1_700_000_000_000,
    });
    expect(decodeMarketDataResponse(T.serialize({ lastPrice: { figi: 'X', price: { units: '1', nano: 0 } } }))).toEqual({
      kind: 'last-price',
      figi: 'X',
      instrumentUid: '',
      price: '1',
      timeMs: 0,
    });
    // Field 12 (open_interest), an empty message: a member we do not read.
    expect(decodeMarketDataResponse(Buffer.from([0x62, 0x00]))).toEqual({ kind: 'other', field: 12 });
    expect(decodeMarketDataResponse(Buffer.alloc(0))).toEqual({ kind: 'other', field: 0 });
  });

  it('skips unknown fields of every wire type around a candle', () => {
    const T = responseType();
    const q = { units: '1', nano: 0 };
    const inner = Buffer.from(T.serialize({ candle: { figi: 'F', interval: 1, open: q, high: q, low: q, close: q, volume: '7', time: { seconds: '60', nanos: 0 } } }));
    // field 100 varint, field 101 fixed64, field 102 bytes, field 103 fixed32, field 104 group (start..end)
    const extra = Buffer.from([
      0xa0, 0x06, 0x96, 0x01, //
      0xa9, 0x06, 1, 2, 3, 4, 5, 6, 7, 8,
      0xb2, 0x06, 0x02, 0xff, 0xfe,
      0xbd, 0x06, 1, 2, 3, 4,
      0xc3, 0x06, 0x08, 0x01, 0xc4, 0x06,
    ]);
    const got = decodeMarketDataResponse(Buffer.concat([extra, inner, extra]));
    expect(got).toMatchObject({ kind: 'candle', figi: 'F', interval: 1, volume: '7', time: 60 });
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const got = decodeMarketDataResponse(Buffer.from(bytes));
        expect(['candle', 'ping', 'subscribe-candles', 'subscribe-data', 'orderbook', 'trade', 'last-price', 'trading-status', 'other', 'malformed']).toContain(got.kind);
      }),
      { numRuns: 3000 },
    );
  });

  it('calls a candle cut anywhere short malformed, with a reason', () => {
    const T = responseType();
    fc.assert(
      fc.property(candle, fc.double({ min: 0, max: 1, noNaN: true }), (c, where) => {
        const bytes = T.serialize({ candle: c });
        const cut = 1 + Math.floor(where * (bytes.length - 1));
        fc.pre(cut < bytes.length);
        const got = decodeMarketDataResponse(bytes.subarray(0, cut));
        expect(got.kind).toBe('malformed');
        if (got.kind === 'malformed') expect(got.error).toMatch(/truncated|beyond/);
      }),
      { numRuns: 1000 },
    );
  });

  it('calls a Quotation that breaks the sign rule malformed', () => {
    const T = responseType();
    const bytes = T.serialize({ candle: { figi: 'F', interval: 1, open: { units: '5', nano: -1 } } });
    const got = decodeMarketDataResponse(bytes);
    expect(got).toEqual({ kind: 'malformed', error: expect.stringMatching(/share the sign/), prefix: bytes.toString('base64') });
    const big = T.serialize({ candle: { figi: 'F', interval: 1, close: { units: '1', nano: 1_500_000_000 } } });
    expect(decodeMarketDataResponse(big)).toMatchObject({ kind: 'malformed', error: expect.stringMatching(/nano/) });
  });

  it('calls a known field with the wrong wire type malformed instead of guessing', () => {
    // candle (5) containing figi (1) sent as a varint
    const bytes = Buffer.from([0x2a, 0x02, 0x08, 0x01]);
    expect(decodeMarketDataResponse(bytes)).toMatchObject({ kind: 'malformed', error: expect.stringMatching(/wire type/) });
  });

  it('calls out-of-range enums, timestamp nanos and int32 overflow malformed', () => {
    const T = responseType();
    const q = { units: '1', nano: 0 };
    const ok = { figi: 'F', interval: 1, open: q, high: q, low: q, close: q, volume: '7', time: { seconds: '60', nanos: 0 } };
    expect(decodeMarketDataResponse(T.serialize({ candle: ok })).kind).toBe('candle');
    expect(decodeMarketDataResponse(T.serialize({ candle: { ...ok, interval: 14 } }))).toMatchObject({ error: expect.stringMatching(/interval/) });
    expect(decodeMarketDataResponse(T.serialize({ candle: { ...ok, candleSourceType: 7 } }))).toMatchObject({ error: expect.stringMatching(/candle source/) });
    expect(decodeMarketDataResponse(T.serialize({ candle: { ...ok, time: { seconds: '60', nanos: -1 } } }))).toMatchObject({ error: expect.stringMatching(/nanos/) });
    const subs = { trackingId: 't', candlesSubscriptions: [{ figi: 'F', interval: 1, subscriptionStatus: 11 }] };
    expect(decodeMarketDataResponse(T.serialize({ subscribeCandlesResponse: subs }))).toMatchObject({ error: expect.stringMatching(/status/) });
    // candle { close { nano = 2^40 } }: no int32 holds it.
    const wide = Buffer.from([0x2a, 0x09, 0x32, 0x07, 0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    expect(decodeMarketDataResponse(wide)).toMatchObject({ kind: 'malformed', error: expect.stringMatching(/int32/) });
  });
});
