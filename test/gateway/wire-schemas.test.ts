import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mul, nearestSteps } from '../../common/decimal.js';
import { pendingOrder } from '../../common/domain.js';
import type { Candle, CandleKey, ConnectionDiagnostics, Instrument, MarketKey, Order, OrderBook, Quote, TradePrint, VenueErrorInfo } from '../../common/domain.js';
import { CONTRACT_VERSION, MAX_SEARCH_RESULTS } from '../../electron/contract.js';
import type { CancelAllResult, InspectorRead, MethodRequest, MethodResults } from '../../electron/contract.js';
import { silentLogger } from '../../electron/core/log.js';
import { startHeadless } from '../../electron/headless.js';
import { startKrakenSim } from '../../sim/kraken/server.js';
import { krakenReadyLine, tinvestReadyLine } from '../../sim/ready-lines.js';
import { startTInvestSim } from '../../sim/tinvest/server.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { MemorySecretStore } from '../e2e/memory-secret-store.js';
import { validateRequest } from '../../electron/bridge/validate.js';
import { ConnectionMonitor } from '../../electron/core/diagnostics.js';
import type { ConnectionEvent, VenueSummary } from '../../electron/core/types.js';
import type { FiredAlert } from '../../electron/alerts/types.js';
import { DEFAULT_LEASE_MS, MAX_MESSAGE_BYTES, METHOD_ACCESS } from '../../electron/gateway/protocol.js';
import type {
  ConsoleHello,
  ConsoleLease,
  ForwardedMethod,
  GatewayHello,
  GatewayReply,
  GatewayRequest,
  GatewayStatus,
  LeaseReply,
  MarketDataMessage,
  OrderStreamEntry,
  SnapshotReply,
  SnapshotRequest,
} from '../../electron/gateway/protocol.js';
import {
  MAX_LEASE_KEYS,
  decodeBye,
  decodeConnectionEvent,
  decodeConsoleHello,
  decodeConsoleLease,
  decodeFiredAlert,
  decodeGatewayHello,
  decodeGatewayReply,
  decodeGatewayRequest,
  decodeGatewayStatus,
  decodeLeaseReply,
  decodeMarketData,
  decodeOrderEntry,
  decodeSnapshotReply,
  decodeSnapshotRequest,
} from '../../electron/gateway/wire-schemas.js';
import type { Decoded, MarketDataExpect } from '../../electron/gateway/wire-schemas.js';
import { MAX_EXPORT_CSV_CHARS, checkForwardedResult } from '../../electron/gateway/answer-schemas.js';

// ── real values, built with the domain's types ──
const NOW = Date.UTC(2026, 11, 6, 12, 0, 30);
const MINUTE = Math.floor(NOW / 60_000) * 60;
const GATEWAY = 'gw-7f3a9c2e';
const SBER = 'e6123145-9665-43e0-8413-cd61b8aa9b13';
const SBER_1M: CandleKey = { venue: 'tinvest', instrumentId: SBER, interval: '1m' };
const XBT_BOOK: MarketKey = { venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'book', depth: 10 };
const XBT_QUOTE: MarketKey = { venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'quote' };
const XBT_TRADES: MarketKey = { venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'trades' };
/** Put where a hostile value goes: no error text may quote it. */
const MARKER = 'S3CRET-MARKER';

const closedBar: Candle = { ...SBER_1M, time: MINUTE - 60, open: '281.5', high: '282.1', low: '281.2', close: '281.9', volume: '15230' };
const formingBar: Candle = { ...SBER_1M, time: MINUTE, open: '281.9', high: '282', low: '281.85', close: '281.95', volume: '412' };

const book: OrderBook = {
  venue: 'kraken',
  instrumentId: 'XXBTZUSD',
  depth: 10,
  bids: [
    { price: '97250.1', quantity: '0.51' },
    { price: '97250', quantity: '1.2' },
  ],
  asks: [
    { price: '97250.2', quantity: '0.00012' },
    { price: '97251', quantity: '3' },
  ],
  time: NOW - 12,
  receivedAt: NOW - 3,
  health: { verification: 'checksum', verified: 1834, failures: 1, resyncs: 1, consistent: true },
};

const quote: Quote = {
  venue: 'kraken',
  instrumentId: 'XXBTZUSD',
  bid: '97250.1',
  bidQty: '0.51',
  ask: '97250.2',
  askQty: '0.00012',
  last: '97250.1',
  reference: '98000',
  change: '-749.9',
  changePct: '-0.76',
  status: { tradable: true, limitOrders: true, marketOrders: true, venueStatus: 'online' },
  time: NOW - 40,
};

const prints: TradePrint[] = [
  { venue: 'kraken', instrumentId: 'XXBTZUSD', tradeId: '81234561', price: '97250.1', quantity: '0.01', side: 'sell', time: NOW - 90 },
  { venue: 'kraken', instrumentId: 'XXBTZUSD', tradeId: '81234562', price: '97250.2', quantity: '0.2', time: NOW - 80 },
];

const venueFailure: VenueErrorInfo = { kind: 'rate-limited', code: '80002', message: 'request limit exceeded', trackingId: 'a1b2c3', retryAfterMs: 1500, at: NOW };

/** An order as the journal makes it, then filled twice and amended once, as the state machine would. */
function workedOrder(): Order {
  const o = pendingOrder(
    {
      venue: 'tinvest',
      accountId: '2000123456',
      instrumentId: SBER,
      side: 'buy',
      type: 'limit',
      quantity: '10',
      price: '281.5',
      timeInForce: 'day',
      clientOrderId: '0b6c55a4-32de-4f6e-9b19-2c8f0e1c7d21',
    },
    NOW - 5000,
  );
  return {
    ...o,
    venueOrderId: 'R123456789',
    status: 'partially-filled',
    filledQuantity: '6',
    averagePrice: '281.45',
    amends: [{ amendId: '5a1f9c3e-8f35-4c66-a3b0-0a9d0b6b1e11', price: '281.5', venueOrderId: 'R123456789', at: NOW - 3000 }],
    fills: [
      { tradeId: 't-1', price: '281.4', quantity: '2', time: NOW - 2000, fee: '0.56', feeCurrency: 'rub' },
      { tradeId: 't-2', price: '281.5', quantity: '4', time: NOW - 1000, fee: '-0.01', feeCurrency: 'rub' },
    ],
    updatedAt: NOW - 1000,
  };
}

function trailingStop(): Order {
  return {
    ...pendingOrder(
      {
        venue: 'kraken',
        accountId: 'main',
        instrumentId: 'XXBTZUSD',
        side: 'sell',
        type: 'trailing-stop',
        quantity: '0.25',
        trailingOffset: { value: '1.5', unit: 'percent' },
        timeInForce: 'gtd',
        expireAt: NOW + 86_400_000,
        clientOrderId: '9d1e7a86-1d17-4b55-8e0c-5cd6bd0c04b0',
      },
      NOW - 100,
    ),
    status: 'rejected',
    reason: { code: 'EOrder:Insufficient funds', message: 'Insufficient funds', trackingId: 'k-77' },
  };
}

function diagnostics(): ConnectionDiagnostics[] {
  let t = NOW - 10_000;
  const m = new ConnectionMonitor('kraken', 'ws-private', { now: () => t });
  m.state('connecting', 'start');
  m.state('authenticating', 'socket open');
  m.state('live', 'subscribed');
  for (let i = 0; i < 40; i++) {
    t += 200;
    m.message(180);
  }
  m.pingRtt(23.5);
  m.clockSkew(-41);
  m.subscriptions(1, 3);
  m.limiters([{ name: 'orders', remaining: 14.5, limit: 20, resetInMs: 800, queued: 0 }]);
  m.breakers([{ name: 'rest', state: 'half-open', failures: 3 }]);
  m.error({ kind: 'unavailable', code: 'EService:Unavailable', message: 'service unavailable', at: t });
  m.malformed('unexpected channel', '{"channel":"nope","data":[1]}');
  m.deadManSwitch({ armed: true, timeoutSec: 60, triggerAt: NOW + 60_000 });
  const plain = new ConnectionMonitor('tinvest', 'marketdata#0', { now: () => NOW });
  plain.state('connecting', 'start');
  return [m.snapshot(), plain.snapshot()];
}

const summaries: VenueSummary[] = [
  {
    id: 'tinvest',
    name: 'T-Invest',
    mode: 'sandbox',
    state: 'live',
    accounts: [{ venue: 'tinvest', id: '2000123456', name: 'Sandbox' }],
    intervals: ['1m', '5m', '15m', '1h', '1d'],
    bookDepths: [1, 10, 20, 30, 40, 50],
    orderTypes: ['limit', 'market', 'stop-loss', 'take-profit'],
    timeInForce: ['day', 'gtc', 'gtd'],
  },
];

const alert: FiredAlert = {
  id: '1f2a3b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  ruleId: 'c0ffee00-1234-4abc-9def-000000000001',
  kind: 'price-above',
  at: NOW,
  title: 'XBT/USD above 97000',
  message: 'Last 97250.1 crossed 97000',
  venue: 'kraken',
  instrumentId: 'XXBTZUSD',
  price: '97250.1',
  os: true,
};

// ── helpers ──
const encoder = new TextEncoder();
function bytes(v: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(v));
}
function raw(text: string): Uint8Array {
  return encoder.encode(text);
}
function accepted<T>(d: Decoded<T>): T {
  if (!d.ok) throw new Error(`refused: ${d.error}`);
  return d.value;
}
/** The error of a refused message: short, and quoting nothing of the message. */
function refused(d: Decoded<unknown>): string {
  if (d.ok) throw new Error(`accepted: ${JSON.stringify(d.value).slice(0, 200)}`);
  expect(d.error.length).toBeGreaterThan(0);
  expect(d.error.length).toBeLessThanOrEqual(200);
  expect(d.error).not.toContain(MARKER);
  return d.error;
}

const candleExpect: MarketDataExpect = { kind: 'candle', key: SBER_1M };
const bookExpect: MarketDataExpect = { kind: 'market', key: XBT_BOOK };

/** Every decoder, with a valid message of its kind: the hostile-input table runs over all of them. */
const DECODERS: { name: string; decode: (b: Uint8Array) => Decoded<unknown>; valid: unknown; payload?: string }[] = [
  { name: 'market data', decode: (b) => decodeMarketData(b, candleExpect, NOW), valid: { g: GATEWAY, s: 1, candles: [formingBar] } satisfies MarketDataMessage },
  { name: 'order entry', decode: decodeOrderEntry, valid: { gatewayId: GATEWAY, order: workedOrder(), source: 'stream' } satisfies OrderStreamEntry },
  {
    name: 'status',
    decode: decodeGatewayStatus,
    valid: { gatewayId: GATEWAY, at: NOW, summaries, diagnostics: diagnostics(), orderSeq: 1200, consoles: 3 } satisfies GatewayStatus,
  },
  { name: 'connection event', decode: decodeConnectionEvent, valid: { venue: 'kraken', connection: 'venue', state: 'live', at: NOW, reason: 'all connections live' } satisfies ConnectionEvent },
  { name: 'alert', decode: decodeFiredAlert, valid: alert },
  {
    name: 'gateway hello',
    decode: decodeGatewayHello,
    valid: { gatewayId: GATEWAY, version: '0.14.0', contract: CONTRACT_VERSION, startedAt: NOW - 60_000, orderSeq: 1200, leaseMs: DEFAULT_LEASE_MS } satisfies GatewayHello,
  },
  { name: 'lease reply', decode: decodeLeaseReply, valid: { gatewayId: GATEWAY, leaseMs: DEFAULT_LEASE_MS } satisfies LeaseReply },
  { name: 'snapshot reply', decode: (b) => decodeSnapshotReply(b, NOW), valid: { gatewayId: GATEWAY, candles: [], markets: [] } satisfies SnapshotReply },
  { name: 'reply', decode: decodeGatewayReply, valid: { ok: true, value: null } satisfies GatewayReply, payload: 'value' },
  { name: 'request', decode: decodeGatewayRequest, valid: { consoleId: 'desk-1', clientId: 'c1', requestId: 'r1', request: {} } satisfies GatewayRequest, payload: 'request' },
  { name: 'console hello', decode: decodeConsoleHello, valid: { consoleId: 'desk-1', version: '0.14.0' } satisfies ConsoleHello },
  { name: 'lease', decode: decodeConsoleLease, valid: { consoleId: 'desk-1', candles: [SBER_1M], markets: [XBT_BOOK] } satisfies ConsoleLease },
  { name: 'snapshot request', decode: decodeSnapshotRequest, valid: { candles: [SBER_1M], markets: [] } satisfies SnapshotRequest },
  { name: 'bye', decode: decodeBye, valid: { consoleId: 'desk-1' } },
];

describe('gateway wire schemas: hostile input, every decoder', () => {
  for (const { name, decode, valid, payload } of DECODERS) {
    describe(name, () => {
      it('accepts its valid message unchanged', () => {
        expect(accepted(decode(bytes(valid)))).toEqual(valid);
      });

      it('refuses text that is not JSON, or not UTF-8', () => {
        expect(refused(decode(raw(`{"${MARKER}": `)))).toBe('message is not JSON');
        expect(refused(decode(raw('')))).toBe('message is not JSON');
        expect(refused(decode(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))).toBe('message is not UTF-8 text');
      });

      it('refuses JSON that is not an object', () => {
        for (const v of ['"hello"', '42', 'null', 'true', `["${MARKER}"]`]) expect(refused(decode(raw(v)))).toMatch(/must be an object/);
      });

      it('refuses a message over MAX_MESSAGE_BYTES before reading it, valid JSON or not', () => {
        const padded = new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0x20);
        padded.set(bytes(valid));
        expect(refused(decode(padded))).toBe(`message of ${MAX_MESSAGE_BYTES + 1} bytes exceeds ${MAX_MESSAGE_BYTES}`);
      });

      it('refuses every field of its message given the wrong type, naming the field', () => {
        for (const field of Object.keys(valid as object)) {
          if (field === payload) continue; // passed on as it is, checked by whoever reads it
          for (const wrong of [[MARKER], { [MARKER]: 1 }]) {
            const error = refused(decode(bytes({ ...(valid as object), [field]: wrong })));
            expect(error.startsWith(`${name}.${field}`) || error.startsWith(`${name} `)).toBe(true);
          }
        }
      });

      it('survives nesting a hundred thousand levels deep in any field', () => {
        const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
        const deepObj = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
        for (const field of Object.keys(valid as object)) {
          const json = JSON.stringify({ ...(valid as object), [field]: 'DEEP-HERE' });
          for (const nest of [deep, deepObj]) refused(decode(raw(json.replace('"DEEP-HERE"', nest))));
        }
      });

      it('keeps __proto__ and constructor payloads off Object.prototype', () => {
        const hostile = `{"__proto__":{"polluted":"${MARKER}"},"constructor":{"prototype":{"polluted":"${MARKER}"}},${JSON.stringify(valid).slice(1)}`;
        const out = decode(raw(hostile));
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted');
        if (out.ok) {
          // Accepted (unknown keys are stripped): the output holds neither key as its own.
          expect(Object.hasOwn(out.value as object, '__proto__')).toBe(false);
          expect(Object.hasOwn(out.value as object, 'constructor')).toBe(false);
          expect(Object.getPrototypeOf(out.value)).toBe(Object.prototype);
        }
      });

      it('strips fields it does not know', () => {
        const out = accepted(decode(bytes({ ...(valid as object), [MARKER]: 'x', extra: { nested: 1 } })));
        expect(out).toEqual(valid);
        expect(Object.keys(out as object)).not.toContain(MARKER);
      });
    });
  }
});

describe('gateway wire schemas: market data', () => {
  const quoteExpect: MarketDataExpect = { kind: 'market', key: XBT_QUOTE };
  const tradesExpect: MarketDataExpect = { kind: 'market', key: XBT_TRADES };

  it('round-trips candles, a book, a quote, trades and a failure on their own subjects', () => {
    const candles: MarketDataMessage = { g: GATEWAY, s: 17, candles: [closedBar, formingBar] };
    const books: MarketDataMessage = { g: GATEWAY, s: 18, book };
    const quotes: MarketDataMessage = { g: GATEWAY, s: 19, quote };
    const tape: MarketDataMessage = { g: GATEWAY, s: 20, trades: prints };
    const failed: MarketDataMessage = { g: GATEWAY, s: 21, failure: venueFailure };
    expect(accepted(decodeMarketData(bytes(candles), candleExpect, NOW))).toEqual(candles);
    expect(accepted(decodeMarketData(bytes(books), bookExpect, NOW))).toEqual(books);
    expect(accepted(decodeMarketData(bytes(quotes), quoteExpect, NOW))).toEqual(quotes);
    expect(accepted(decodeMarketData(bytes(tape), tradesExpect, NOW))).toEqual(tape);
    expect(accepted(decodeMarketData(bytes(failed), bookExpect, NOW))).toEqual(failed);
  });

  it('refuses a candle of another key: instrument, interval or venue', () => {
    for (const other of [{ instrumentId: 'BBG004730N88' }, { interval: '5m' as const, time: MINUTE - 300 }, { venue: 'kraken' as const }]) {
      const msg = { g: GATEWAY, s: 2, candles: [closedBar, { ...formingBar, ...other }] };
      expect(refused(decodeMarketData(bytes(msg), candleExpect, NOW))).toBe('market data.candles.1 belongs to another key');
    }
  });

  it('refuses a candle in the future, one with high below low, and one not aligned to its interval', () => {
    const future = { ...formingBar, time: MINUTE + 3600 };
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, candles: [future] }), candleExpect, NOW))).toBe('market data.candles.0: open time in the future');
    const inverted = { ...formingBar, high: '281', low: '282' };
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, candles: [inverted] }), candleExpect, NOW))).toBe('market data.candles.0: high below low');
    const unaligned = { ...formingBar, time: MINUTE + 7 };
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, candles: [unaligned] }), candleExpect, NOW))).toMatch(/not aligned to 1m/);
  });

  it('refuses decimals that are not plain texts, and numbers where texts are due', () => {
    for (const bad of ['1e3', '-1', '0x10', ' 1', '1 ', '', '.5', '1.', 'NaN', 'Infinity', `1${MARKER}`, '1'.repeat(41)]) {
      const msg = { g: GATEWAY, s: 2, candles: [{ ...formingBar, close: bad }] };
      expect(refused(decodeMarketData(bytes(msg), candleExpect, NOW))).toMatch(/^market data\.candles\.0\.close /);
      expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 3, book: { ...book, bids: [{ price: bad, quantity: '1' }] } }), bookExpect, NOW))).toMatch(
        /^market data\.book\.bids\.0\.price /,
      );
    }
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, candles: [{ ...formingBar, close: 281.95 }] }), candleExpect, NOW))).toBe(
      'market data.candles.0.close must be a string',
    );
  });

  it('refuses NaN or Infinity where numbers are due ("1e400" parses to Infinity)', () => {
    const json = JSON.stringify({ g: GATEWAY, s: 1, book: { ...book, receivedAt: 'X' } }).replace('"X"', '1e400');
    expect(refused(decodeMarketData(raw(json), bookExpect, NOW))).toMatch(/^market data\.book\.receivedAt /);
    expect(refused(decodeMarketData(raw(`{"g":"${GATEWAY}","s":1e400}`), bookExpect, NOW))).toMatch(/^market data\.s /);
    expect(refused(decodeMarketData(raw(`{"g":"${GATEWAY}","s":-1e400}`), bookExpect, NOW))).toMatch(/^market data\.s /);
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 0 }), bookExpect, NOW))).toBe('market data.s is below 1');
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 1.5 }), bookExpect, NOW))).toBe('market data.s must be a whole number');
  });

  it('refuses a book of another depth or instrument, and more levels than its depth', () => {
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, book: { ...book, depth: 25 } }), bookExpect, NOW))).toBe('market data.book has another depth than its key');
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, book: { ...book, instrumentId: 'XETHZUSD' } }), bookExpect, NOW))).toBe(
      'market data.book belongs to another instrument',
    );
    const levels = Array.from({ length: 11 }, (_, i) => ({ price: `${97000 - i}`, quantity: '1' }));
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, book: { ...book, bids: levels } }), bookExpect, NOW))).toBe(
      'market data.book has more levels than its depth',
    );
  });

  it('refuses what does not belong on the subject: a book on a quote subject, candles on a market subject, a quote or trades of another instrument', () => {
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, book }), quoteExpect, NOW))).toBe('market data.book on a quote subject');
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, book }), candleExpect, NOW))).toMatch(/on a candle subject/);
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, candles: [formingBar] }), bookExpect, NOW))).toMatch(/holds candles/);
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, quote: { ...quote, venue: 'tinvest' } }), quoteExpect, NOW))).toBe(
      'market data.quote belongs to another instrument',
    );
    const stray = [...prints, { ...prints[0]!, tradeId: '9', instrumentId: 'XETHZUSD' }];
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, trades: stray }), tradesExpect, NOW))).toBe('market data.trades belong to another instrument');
    expect(refused(decodeMarketData(bytes({ g: GATEWAY, s: 2, trades: prints }), quoteExpect, NOW))).toBe('market data.trades on a quote subject');
  });

  it('refuses a gateway id with spaces or over 128 characters', () => {
    for (const g of [`gw ${MARKER}`, 'g'.repeat(129), '', 'gw\n1', 'gw/1', 'gw*']) {
      expect(refused(decodeMarketData(bytes({ g, s: 1 }), bookExpect, NOW))).toMatch(/^market data\.g /);
    }
    expect(accepted(decodeMarketData(bytes({ g: 'g'.repeat(128), s: 1 }), bookExpect, NOW)).g).toHaveLength(128);
  });
});

describe('gateway wire schemas: orders', () => {
  it('round-trips a worked order (fills with fees and a rebate, an amend, a venue id) and a rejected trailing stop', () => {
    for (const order of [workedOrder(), trailingStop()]) {
      const entry: OrderStreamEntry = { gatewayId: GATEWAY, order, source: 'send' };
      expect(accepted(decodeOrderEntry(bytes(entry)))).toEqual(entry);
    }
  });

  it('refuses an unknown status, type, side or source', () => {
    const o = workedOrder();
    for (const [field, value] of [
      ['status', 'half-filled'],
      ['type', 'iceberg'],
      ['side', MARKER],
    ] as const) {
      expect(refused(decodeOrderEntry(bytes({ gatewayId: GATEWAY, order: { ...o, [field]: value }, source: 'stream' })))).toMatch(
        new RegExp(`^order entry\\.order\\.${field} must be one of `),
      );
    }
    expect(refused(decodeOrderEntry(bytes({ gatewayId: GATEWAY, order: o, source: 'rumour' })))).toMatch(/^order entry\.source must be one of /);
  });

  it('checks every decimal of the order, fills and amends included', () => {
    const o = workedOrder();
    const cases: [Order, RegExp][] = [
      [{ ...o, quantity: '1e3' }, /^order entry\.order\.quantity /],
      [{ ...o, filledQuantity: '-1' }, /^order entry\.order\.filledQuantity /],
      [{ ...o, averagePrice: '0x10' }, /^order entry\.order\.averagePrice /],
      [{ ...o, fills: [o.fills[0]!, { ...o.fills[1]!, price: ' 1' }] }, /^order entry\.order\.fills\.1\.price /],
      [{ ...o, fills: [{ ...o.fills[0]!, fee: '1e-2' }] }, /^order entry\.order\.fills\.0\.fee /],
      [{ ...o, amends: [{ ...o.amends![0]!, quantity: '+5' }] }, /^order entry\.order\.amends\.0\.quantity /],
      [{ ...o, trailingOffset: { value: '1%', unit: 'percent' } }, /^order entry\.order\.trailingOffset\.value /],
    ];
    for (const [order, error] of cases) expect(refused(decodeOrderEntry(bytes({ gatewayId: GATEWAY, order, source: 'stream' })))).toMatch(error);
  });

  it('refuses times that are negative, fractional or beyond a safe integer', () => {
    const o = workedOrder();
    for (const bad of [-1, 1.5, 2 ** 53]) {
      expect(refused(decodeOrderEntry(bytes({ gatewayId: GATEWAY, order: { ...o, updatedAt: bad }, source: 'stream' })))).toMatch(/^order entry\.order\.updatedAt /);
      const fills = [{ ...o.fills[0]!, time: bad }];
      expect(refused(decodeOrderEntry(bytes({ gatewayId: GATEWAY, order: { ...o, fills }, source: 'stream' })))).toMatch(/^order entry\.order\.fills\.0\.time /);
    }
  });
});

describe('gateway wire schemas: status, events, alerts, hello', () => {
  it('round-trips a status with real diagnostics (a monitor that saw messages, errors, a malformed frame) and venue summaries', () => {
    const status: GatewayStatus = { gatewayId: GATEWAY, at: NOW, summaries, diagnostics: diagnostics(), orderSeq: 88_412, consoles: 4 };
    expect(status.diagnostics[0]!.malformedSamples).toHaveLength(1);
    expect(status.diagnostics[0]!.lastError).toBeDefined();
    expect(accepted(decodeGatewayStatus(bytes(status)))).toEqual(status);
  });

  it('refuses diagnostics with an unknown state, a non-finite rate, a timeline over 200 or samples over 50, and strips their unknown fields', () => {
    const [d] = diagnostics();
    const status = (x: object): Uint8Array => bytes({ gatewayId: GATEWAY, at: NOW, summaries, diagnostics: [{ ...d, ...x }], orderSeq: 1, consoles: 1 });
    expect(refused(decodeGatewayStatus(status({ state: 'melting' })))).toMatch(/^status\.diagnostics\.0\.state must be one of /);
    const rate = new TextDecoder().decode(status({ messageRate: 'X' })).replace('"X"', '1e400');
    expect(refused(decodeGatewayStatus(raw(rate)))).toMatch(/^status\.diagnostics\.0\.messageRate /);
    const change = { state: 'live', at: NOW, reason: 'ok' };
    expect(refused(decodeGatewayStatus(status({ timeline: Array.from({ length: 201 }, () => change) })))).toBe('status.diagnostics.0.timeline has more than 200 items');
    const sample = { at: NOW, detail: 'bad frame' };
    expect(refused(decodeGatewayStatus(status({ malformedSamples: Array.from({ length: 51 }, () => sample) })))).toBe(
      'status.diagnostics.0.malformedSamples has more than 50 items',
    );
    expect(refused(decodeGatewayStatus(status({ limiters: [{ name: 'orders', remaining: '3', limit: 20, queued: 0 }] })))).toMatch(/^status\.diagnostics\.0\.limiters\.0\.remaining /);
    expect(refused(decodeGatewayStatus(status({ breakers: [{ name: 'rest', state: 'ajar', failures: 0 }] })))).toMatch(/^status\.diagnostics\.0\.breakers\.0\.state /);
    const out = accepted(decodeGatewayStatus(status({ [MARKER]: 'x', subscriptions: { pending: 0, confirmed: 2, extra: 1 } })));
    expect(out.diagnostics[0]).not.toHaveProperty(MARKER);
    expect(out.diagnostics[0]!.subscriptions).toEqual({ pending: 0, confirmed: 2 });
  });

  it('round-trips a connection event, a fired alert (and its recovered phase) and both gateway hellos', () => {
    const event: ConnectionEvent = { venue: 'tinvest', connection: 'marketdata#0', state: 'reconnecting', at: NOW, reason: 'stream closed: UNAVAILABLE' };
    expect(accepted(decodeConnectionEvent(bytes(event)))).toEqual(event);
    expect(accepted(decodeFiredAlert(bytes(alert)))).toEqual(alert);
    const recovered: FiredAlert = { id: 'a-2', ruleId: 'r-9', kind: 'connection-down', phase: 'recovered', at: NOW, title: 'Kraken is back', message: 'live again after 42 s', venue: 'kraken', os: false };
    expect(accepted(decodeFiredAlert(bytes(recovered)))).toEqual(recovered);
    const hello: GatewayHello = { gatewayId: GATEWAY, version: '0.14.0', contract: CONTRACT_VERSION, startedAt: NOW, orderSeq: 0, leaseMs: DEFAULT_LEASE_MS };
    expect(accepted(decodeGatewayHello(bytes(hello)))).toEqual(hello);
    expect(accepted(decodeGatewayHello(bytes({ ...hello, stopping: true })))).toEqual({ ...hello, stopping: true });
    expect(refused(decodeGatewayHello(bytes({ ...hello, stopping: false })))).toMatch(/^gateway hello\.stopping /);
    expect(refused(decodeGatewayHello(bytes({ ...hello, leaseMs: 0 })))).toBe('gateway hello.leaseMs is below 1');
    expect(refused(decodeFiredAlert(bytes({ ...alert, kind: 'price-sideways' })))).toMatch(/^alert\.kind must be one of /);
    expect(refused(decodeConnectionEvent(bytes({ ...event, venue: 'binance' })))).toMatch(/^connection event\.venue must be one of "tinvest", "kraken"/);
  });
});

describe('gateway wire schemas: snapshots and leases', () => {
  const candleSnap = { key: SBER_1M, seq: 311, candles: [closedBar, formingBar] };
  const bookSnap = { key: XBT_BOOK, seq: 90_210, book };
  const quoteSnap = { key: XBT_QUOTE, seq: 12, quote, failure: venueFailure };

  it('round-trips a snapshot reply with candles, a book, a quote and a failure', () => {
    const reply: SnapshotReply = { gatewayId: GATEWAY, candles: [candleSnap, { key: { ...SBER_1M, interval: '1h' }, seq: 0, candles: [], failure: venueFailure }], markets: [bookSnap, quoteSnap] };
    expect(accepted(decodeSnapshotReply(bytes(reply), NOW))).toEqual(reply);
  });

  it('refuses snapshot contents that do not belong to their key, or are not sane', () => {
    const reply = (x: Partial<SnapshotReply>): Uint8Array => bytes({ gatewayId: GATEWAY, candles: [], markets: [], ...x });
    expect(refused(decodeSnapshotReply(reply({ candles: [{ ...candleSnap, key: { ...SBER_1M, interval: '5m' } }] }), NOW))).toBe(
      'snapshot reply.candles.0.candles.0 belongs to another key',
    );
    expect(refused(decodeSnapshotReply(reply({ candles: [{ ...candleSnap, candles: [{ ...formingBar, time: MINUTE + 600 }] }] }), NOW))).toBe(
      'snapshot reply.candles.0.candles.0: open time in the future',
    );
    expect(refused(decodeSnapshotReply(reply({ markets: [bookSnap, { ...bookSnap, key: { ...XBT_BOOK, depth: 25 } }] }), NOW))).toBe(
      'snapshot reply.markets.1.book has another depth than its key',
    );
    expect(refused(decodeSnapshotReply(reply({ markets: [{ ...quoteSnap, key: XBT_BOOK }] }), NOW))).toBe('snapshot reply.markets.0.quote on a book subject');
  });

  it('round-trips a lease, a snapshot request, a console hello, a bye and a lease reply', () => {
    const lease: ConsoleLease = { consoleId: 'desk-3:anna', candles: [SBER_1M, { venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '4h' }], markets: [XBT_BOOK, XBT_QUOTE, XBT_TRADES] };
    expect(accepted(decodeConsoleLease(bytes(lease)))).toEqual(lease);
    const req: SnapshotRequest = { candles: lease.candles, markets: lease.markets };
    expect(accepted(decodeSnapshotRequest(bytes(req)))).toEqual(req);
    expect(accepted(decodeConsoleHello(bytes({ consoleId: 'desk-3:anna', version: '0.14.0' })))).toEqual({ consoleId: 'desk-3:anna', version: '0.14.0' });
    expect(accepted(decodeBye(bytes({ consoleId: 'desk-3:anna' })))).toEqual({ consoleId: 'desk-3:anna' });
    expect(accepted(decodeLeaseReply(bytes({ gatewayId: GATEWAY, leaseMs: 15_000 })))).toEqual({ gatewayId: GATEWAY, leaseMs: 15_000 });
  });

  it(`takes ${MAX_LEASE_KEYS} keys of each kind and refuses ${MAX_LEASE_KEYS + 1}`, () => {
    const candles = Array.from({ length: MAX_LEASE_KEYS }, (_, i): CandleKey => ({ venue: 'tinvest', instrumentId: `uid-${i}`, interval: '1m' }));
    const markets = Array.from({ length: MAX_LEASE_KEYS }, (_, i): MarketKey => ({ venue: 'kraken', instrumentId: `PAIR${i}`, stream: 'book', depth: 10 }));
    expect(accepted(decodeConsoleLease(bytes({ consoleId: 'desk-1', candles, markets }))).candles).toHaveLength(MAX_LEASE_KEYS);
    const extraCandle: CandleKey = { ...SBER_1M, instrumentId: 'one-more' };
    const extraMarket: MarketKey = { ...XBT_QUOTE, instrumentId: 'ONEMORE' };
    expect(refused(decodeConsoleLease(bytes({ consoleId: 'desk-1', candles: [...candles, extraCandle], markets })))).toBe(`lease.candles has more than ${MAX_LEASE_KEYS} items`);
    expect(refused(decodeConsoleLease(bytes({ consoleId: 'desk-1', candles, markets: [...markets, extraMarket] })))).toBe(`lease.markets has more than ${MAX_LEASE_KEYS} items`);
    expect(refused(decodeSnapshotRequest(bytes({ candles: [...candles, extraCandle], markets: [] })))).toBe(`snapshot request.candles has more than ${MAX_LEASE_KEYS} items`);
  });

  it('checks keys as the contract checks candles.subscribe and market.subscribe', () => {
    const lease = (candles: unknown[], markets: unknown[]): Uint8Array => bytes({ consoleId: 'desk-1', candles, markets });
    expect(refused(decodeConsoleLease(lease([{ ...SBER_1M, interval: '2m' }], [])))).toMatch(/^lease\.candles\.0\.interval must be one of /);
    expect(refused(decodeConsoleLease(lease([{ ...SBER_1M, instrumentId: `a b ${MARKER}` }], [])))).toMatch(/^lease\.candles\.0\.instrumentId /);
    expect(refused(decodeConsoleLease(lease([{ ...SBER_1M, [MARKER]: 1 }], [])))).toBe('lease.candles.0 has an unknown field');
    expect(refused(decodeConsoleLease(lease([], [{ ...XBT_QUOTE, depth: 10 }])))).toMatch(/^lease\.markets\.0\.depth a book subscription needs a depth/);
    expect(refused(decodeConsoleLease(lease([], [{ ...XBT_BOOK, depth: undefined }])))).toMatch(/^lease\.markets\.0\.depth /);
    expect(refused(decodeConsoleLease(lease([], [{ ...XBT_BOOK, depth: 1001 }])))).toMatch(/^lease\.markets\.0\.depth is above 1000/);
  });

  it('refuses console ids with spaces, other characters or over 128 characters', () => {
    for (const consoleId of [`desk 1 ${MARKER}`, 'd'.repeat(129), '', 'desk/1', 'desk>', 'désk']) {
      expect(refused(decodeBye(bytes({ consoleId })))).toMatch(/^bye\.consoleId /);
      expect(refused(decodeConsoleHello(bytes({ consoleId, version: '1' })))).toMatch(/^console hello\.consoleId /);
    }
  });
});

describe('gateway wire schemas: requests and replies', () => {
  const place: MethodRequest<'orders.place'> = {
    venue: 'kraken',
    accountId: 'main',
    instrumentId: 'XXBTZUSD',
    side: 'buy',
    type: 'limit',
    quantity: '0.01',
    price: '97000',
    clientOrderId: '3c8b2f1e-5a7d-4e9c-b1a0-6f2d8e4c7b93',
  };

  it('round-trips a request, its payload passed on as it came for the contract to check', () => {
    const req: GatewayRequest = { consoleId: 'desk-1', clientId: 'tab-4f1c', requestId: 'desk-1:000173', request: place };
    expect(accepted(decodeGatewayRequest(bytes(req)))).toEqual(req);
    // A method without parameters may come without a payload, as over the bridge.
    expect(accepted(decodeGatewayRequest(bytes({ consoleId: 'desk-1', clientId: 'tab', requestId: 'r2' }))).request).toBeUndefined();
  });

  it('passes a request on for the contract to check: a valid one is taken, a __proto__ inside it is refused there and pollutes nothing', () => {
    const good = accepted(decodeGatewayRequest(bytes({ consoleId: 'desk-1', clientId: 'tab', requestId: 'r1', request: place })));
    expect(validateRequest('orders.place', good.request)).toMatchObject({ ok: true, method: 'orders.place' });
    const inner = `{"__proto__":{"polluted":"${MARKER}"},${JSON.stringify(place).slice(1)}`;
    const hostile = accepted(decodeGatewayRequest(raw(`{"consoleId":"desk-1","clientId":"tab","requestId":"r2","request":${inner}}`)));
    const checked = validateRequest('orders.place', hostile.request);
    expect(checked).toMatchObject({ ok: false, code: 'bad-request' });
    expect(JSON.stringify(checked)).not.toContain(MARKER);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('refuses request ids with spaces or over 128 characters, naming which', () => {
    const base = { consoleId: 'desk-1', clientId: 'tab', requestId: 'r1', request: place };
    for (const field of ['consoleId', 'clientId', 'requestId'] as const) {
      for (const bad of [`r 1 ${MARKER}`, 'r'.repeat(129), '', 7]) {
        expect(refused(decodeGatewayRequest(bytes({ ...base, [field]: bad })))).toMatch(new RegExp(`^request\\.${field} `));
      }
    }
  });

  it('refuses a request or a reply whose payload nests deeper than the bound, where nothing else would look', () => {
    const deep = `${'['.repeat(65)}${']'.repeat(65)}`;
    expect(refused(decodeGatewayRequest(raw(`{"consoleId":"d","clientId":"c","requestId":"r","request":${deep}}`)))).toBe('request is nested deeper than 64 levels');
    expect(refused(decodeGatewayReply(raw(`{"ok":true,"value":${deep}}`)))).toBe('reply is nested deeper than 64 levels');
    // Brackets inside strings are text, not nesting.
    const inText = JSON.stringify({ ok: true, value: { note: '['.repeat(500) + '"\\{' } });
    expect(accepted(decodeGatewayReply(raw(inText)))).toEqual(JSON.parse(inText));
  });

  it('round-trips replies: a value, null, and a venue failure', () => {
    const order: GatewayReply = { ok: true, value: workedOrder() };
    const empty: GatewayReply = { ok: true, value: null };
    const failure: GatewayReply = { ok: false, code: 'rejected', message: 'EOrder:Insufficient funds', venue: { code: 'EOrder:Insufficient funds', trackingId: 'k-77' } };
    for (const r of [order, empty, failure]) expect(accepted(decodeGatewayReply(bytes(r)))).toEqual(r);
  });

  it('refuses a reply with an unknown error code, no value, an overlong message or an ok that is not a boolean', () => {
    expect(refused(decodeGatewayReply(bytes({ ok: false, code: MARKER, message: 'x' })))).toMatch(/^reply\.code must be one of /);
    expect(refused(decodeGatewayReply(bytes({ ok: true })))).toBe('reply.value is missing');
    expect(refused(decodeGatewayReply(bytes({ ok: false, code: 'internal', message: 'x'.repeat(2001) })))).toBe('reply.message is longer than 2000 characters');
    expect(refused(decodeGatewayReply(bytes({ ok: 'yes', value: 1 })))).toMatch(/^reply/);
  });
});

describe("a forwarded method's answer, as a console passes it on", () => {
  it('passes orders, chart history and venues that fit, with unknown fields dropped', () => {
    const o = workedOrder();
    expect(accepted(checkForwardedResult('orders.place', { ...o, extra: MARKER }, NOW))).toEqual(o);
    expect(accepted(checkForwardedResult('orders.list', [o, trailingStop()], NOW))).toEqual([o, trailingStop()]);
    expect(accepted(checkForwardedResult('candles.history', [closedBar, formingBar], NOW))).toEqual([closedBar, formingBar]);
  });

  it('refuses an order of an unknown status, a decimal with an exponent, a candle from the future, a venue unknown', () => {
    expect(refused(checkForwardedResult('orders.cancel', { ...workedOrder(), status: MARKER }, NOW))).toMatch(/orders.cancel answer/);
    expect(refused(checkForwardedResult('orders.list', [{ ...workedOrder(), price: '1e3' }], NOW))).toMatch(/decimal/);
    const future = { ...formingBar, time: MINUTE + 3600 };
    expect(refused(checkForwardedResult('candles.history', [closedBar, future], NOW))).toMatch(/future/);
    expect(refused(checkForwardedResult('venues.list', [{ id: 'nowhere' }], NOW))).toMatch(/venues.list answer/);
    // Every answer has a schema now: one that was passed on unchecked is refused.
    expect(refused(checkForwardedResult('alerts.list', [{ anything: 1 }], NOW))).toMatch(/^alerts\.list answer\.0/);
  });
});

// ── every forwarded method: a real answer of the real handlers passes, a hostile one is refused ──

/** What a hostile gateway sends instead of `answer`: its first value swapped for an object, or junk where there is none. */
function hostileOf(answer: unknown): unknown {
  const junk = { [MARKER]: MARKER };
  if (answer === null || typeof answer !== 'object') return junk;
  const copy = structuredClone(answer) as Record<string, unknown> | unknown[];
  const swapFirstLeaf = (node: Record<string, unknown> | unknown[]): boolean => {
    for (const [key, value] of Object.entries(node)) {
      if (value !== null && typeof value === 'object') {
        if (swapFirstLeaf(value as Record<string, unknown>)) return true;
      } else {
        (node as Record<string, unknown>)[key] = junk;
        return true;
      }
    }
    return false;
  };
  if (!swapFirstLeaf(copy)) return Array.isArray(copy) ? [MARKER] : MARKER;
  return copy;
}

describe('every forwarded method, answered by the real handlers of an app on the demo venues', () => {
  const answers = new Map<ForwardedMethod, unknown>();
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-answers-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const rendererDir = path.join(dir, 'renderer');
    await mkdir(rendererDir);
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Switchboard</title>');
    const tinvest = await startTInvestSim({ seed: 16 });
    closers.push(() => tinvest.close());
    const kraken = await startKrakenSim({ seed: 16 });
    closers.push(() => kraken.close());
    // A webhook that answers with a redirect: the delivery is dead at once (redirects are not followed), no retries to wait for.
    const hook = createServer((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:9/' }).end());
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => hook.close(resolve)));
    const app = await startHeadless({
      port: 0,
      demoLines: [tinvestReadyLine(tinvest), krakenReadyLine(kraken)],
      stateDir: dir,
      dataDir: path.join(dir, 'data'),
      rendererDir,
      secretStore: new MemorySecretStore(),
      log: silentLogger,
    });
    closers.push(async () => {
      await app.shutdown();
      await app.close();
    });
    const client = await BridgeClient.open(new URL(app.url));
    closers.push(async () => client.close());

    const call = async <M extends ForwardedMethod>(method: M, request: MethodRequest<M>): Promise<MethodResults[M]> => {
      const value = await client.value(method, request);
      answers.set(method, value);
      return value;
    };
    /** Asks until `done` holds: the venues and the webhook sender work on their own time. */
    const until = async <T>(ask: () => Promise<T>, done: (v: T) => boolean): Promise<T> => {
      for (let i = 0; i < 300; i++) {
        const v = await ask();
        if (done(v)) return v;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('gave up waiting');
    };

    await until(() => client.value('venues.list', {}), (vs) => vs.every((v) => v.state === 'live'));
    const view = await call('inspector.open', {});
    await call('venues.list', {});
    const found = await call('instruments.search', { venue: 'kraken', query: '', limit: 20 });
    const inst = await call('instruments.get', { venue: 'kraken', instrumentId: found.find((i) => i.tradable)!.id });
    await call('instruments.search', { venue: 'tinvest', query: '', limit: 20 });
    const bars = await call('candles.history', { venue: 'kraken', instrumentId: inst.id, interval: '1m', limit: 5 });
    await call('diagnostics.get', {});

    const venue = 'kraken';
    const accountId = 'spot';
    const price = nearestSteps(mul(bars.at(-1)!.close, '0.9'), inst.priceStep).down;
    const resting = { venue, accountId, instrumentId: inst.id, side: 'buy', type: 'limit', quantity: inst.minQty, price } as const;
    const placed = await call('orders.place', { ...resting, clientOrderId: randomUUID() });
    const lower = nearestSteps(mul(price, '0.99'), inst.priceStep).down;
    await call('orders.amend', { venue, accountId, clientOrderId: placed.clientOrderId, price: lower, amendId: randomUUID() });
    await call('orders.cancel', { venue, accountId, clientOrderId: placed.clientOrderId });
    await client.value('orders.place', { venue, accountId, instrumentId: inst.id, side: 'buy', type: 'market', quantity: inst.minQty, clientOrderId: randomUUID() });
    await client.value('orders.place', { ...resting, clientOrderId: randomUUID() });
    await call('orders.cancelAll', { venue });
    await until(() => call('trades.list', { limit: 100 }), (ts) => ts.length > 0);
    await call('positions.pnl', {});
    await call('history.exportCsv', { what: 'orders' });
    await call('portfolio.get', { venue, accountId });
    await call('orders.list', {});
    await call('orders.ackLatency', {});

    await call('credentials.status', {});
    await call('credentials.store', { venue: 'tinvest', credentials: { token: `t.${'x'.repeat(40)}`, mode: 'sandbox' } });
    await call('credentials.delete', { venue: 'tinvest' });
    await call('quitSettings.set', { venue, cancelOnQuit: true });
    await call('quitSettings.get', {});

    const endpoint = await call('webhooks.save', { name: 'desk hook', preset: 'generic', url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` });
    await call('webhooks.list', {});
    await call('webhooks.test', { id: endpoint.id });
    const rule = await call('alerts.create', { kind: 'price-above', venue, instrumentId: inst.id, level: '100000000', repeat: 'once', channels: { os: false, webhooks: [endpoint.id] } });
    await call('alerts.update', { id: rule.id, rule: { kind: 'order', events: ['fill', 'reject'], label: 'fills', channels: { os: true, webhooks: [] } } });
    await call('alerts.list', {});
    await call('alerts.history', {});
    const dead = await until(() => call('alerts.deadLetters', {}), (ds) => ds.length > 0);
    await call('alerts.resend', { deliveryId: dead[0]!.id });
    await call('alerts.delete', { id: rule.id });
    await call('webhooks.delete', { id: endpoint.id });

    await call('recording.start', {});
    await call('recording.status', {});
    await call('recording.stop', {});
    await call('inspector.read', { viewId: view.viewId, limit: 50 });
    await call('inspector.close', { viewId: view.viewId });
    await call('venues.disconnect', { venue });
    await call('venues.connect', { venue });
  }, 120_000);

  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  // From METHOD_ACCESS, not a list of our own: a method added there without a real answer here fails.
  it.each(Object.keys(METHOD_ACCESS) as ForwardedMethod[])('%s: the real answer passes whole, a hostile one is refused naming the method', (method) => {
    expect(answers.has(method), `no real answer of ${method}: call it in beforeAll`).toBe(true);
    const real = answers.get(method);
    // Equal after the check: the schema knows every field the real handler sends.
    expect(accepted(checkForwardedResult(method, real, Date.now()))).toEqual(real);
    const error = refused(checkForwardedResult(method, hostileOf(real), Date.now()));
    expect(error.startsWith(`${method} answer`), error).toBe(true);
    expect(error).not.toContain(MARKER);
  });

  it('got answers with content, not only empty lists', () => {
    for (const m of ['instruments.search', 'trades.list', 'positions.pnl', 'orders.ackLatency', 'alerts.deadLetters', 'alerts.list', 'webhooks.list', 'diagnostics.get'] as const) {
      expect(answers.get(m), m).not.toEqual([]);
    }
    expect((answers.get('inspector.read') as InspectorRead).frames.length).toBeGreaterThan(0);
    expect((answers.get('orders.cancelAll') as CancelAllResult).cancelled).toBeGreaterThan(0);
  });
});

describe("a forwarded method's answer: the bounds", () => {
  const instrument: Instrument = {
    venue: 'kraken',
    id: 'XXBTZUSD',
    symbol: 'BTC/USD',
    name: 'Bitcoin / US Dollar',
    currency: 'usd',
    priceStep: '0.1',
    qtyStep: '0.00000001',
    lotSize: '1',
    qtyUnit: 'base',
    minQty: '0.0001',
    tradable: true,
    codes: { altname: 'XBTUSD' },
    kind: 'spot',
  };

  it('takes as many instruments as a search may ask for, and not one more', () => {
    const many = Array.from({ length: MAX_SEARCH_RESULTS }, () => instrument);
    expect(accepted(checkForwardedResult('instruments.search', many, NOW))).toHaveLength(MAX_SEARCH_RESULTS);
    expect(refused(checkForwardedResult('instruments.search', [...many, instrument], NOW))).toBe(`instruments.search answer has more than ${MAX_SEARCH_RESULTS} items`);
  });

  it('refuses an instrument with a thousand codes, a price step with an exponent, a pricing rule unknown', () => {
    const codes = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`c${i}`, 'x']));
    expect(refused(checkForwardedResult('instruments.get', { ...instrument, codes }, NOW))).toMatch(/^instruments\.get answer\.codes has more than 100 codes/);
    expect(refused(checkForwardedResult('instruments.get', { ...instrument, priceStep: '1e-1' }, NOW))).toMatch(/^instruments\.get answer\.priceStep /);
    expect(refused(checkForwardedResult('instruments.get', { ...instrument, pricing: { rule: 'magic' } }, NOW))).toMatch(/^instruments\.get answer\.pricing/);
  });

  it(`takes a CSV export up to ${MAX_EXPORT_CSV_CHARS} characters (what a message can carry) and refuses more`, () => {
    const csv = 'a,b\r\n'.padEnd(MAX_EXPORT_CSV_CHARS, 'x');
    expect(accepted(checkForwardedResult('history.exportCsv', { filename: 'orders.csv', csv, rows: 1 }, NOW)).csv).toHaveLength(MAX_EXPORT_CSV_CHARS);
    expect(refused(checkForwardedResult('history.exportCsv', { filename: 'orders.csv', csv: `${csv}x`, rows: 1 }, NOW))).toBe(
      `history.exportCsv answer.csv is longer than ${MAX_EXPORT_CSV_CHARS} characters`,
    );
  });

  it('refuses more inspector frames than one read returns', () => {
    const frame = { seq: 1, at: NOW + 0.25, venue: 'kraken', connection: 'public', dir: 'in', kind: 'frame', size: 2, text: '{}' };
    const read = { frames: Array.from({ length: 501 }, () => frame), next: 1, more: false, gap: false, connections: [] };
    expect(refused(checkForwardedResult('inspector.read', read, NOW))).toBe('inspector.read answer.frames has more than 500 items');
  });

  it('takes exactly null where the contract answers null', () => {
    for (const m of ['inspector.close', 'alerts.delete', 'webhooks.delete'] as const) {
      expect(accepted(checkForwardedResult(m, null, NOW))).toBeNull();
      for (const bad of [{}, 0, '', false, []]) expect(refused(checkForwardedResult(m, bad, NOW))).toMatch(new RegExp(`^${m.replace('.', '\\.')} answer`));
    }
  });

  it('refuses quit settings without every venue, and drops a venue unknown', () => {
    expect(refused(checkForwardedResult('quitSettings.get', { cancelOnQuit: { tinvest: true } }, NOW))).toMatch(/^quitSettings\.get answer\.cancelOnQuit/);
    expect(refused(checkForwardedResult('quitSettings.get', { cancelOnQuit: { tinvest: true, kraken: false, [MARKER]: true } }, NOW))).toMatch(/^quitSettings\.get answer\.cancelOnQuit/);
  });
});
