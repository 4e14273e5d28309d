/**
 * A hostile T-Invest venue on 127.0.0.1: just enough of the real contract (GetAccounts, Shares,
 * GetCandles) for the adapter to connect, and a MarketDataStream whose answers are raw bytes,
 * so a test or a fuzz run can write any frame at all (see frames.ts). Subscribe requests and
 * PingRequests are answered as the venue answers them, unless the script takes over.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { ServerDuplexStream, ServerUnaryCall, ServiceDefinition, sendUnaryData } from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { contractServices, loadContract } from '../../tinvest/proto.js';
import { PKG } from '../../tinvest/wire.js';
import type { HostileInstrument } from './frames.js';
import { pingAnswer, subscribeAnswer } from './frames.js';
import { encode, timestamp } from './pb.js';

const identity = (b: Buffer): Buffer => b;

/**
 * MarketDataStream with bytes in and out, untouched by any codec: how a hostile venue writes
 * frames no encoder would make (and how a test reads exactly what the client sent).
 */
export const RAW_MARKET_DATA_STREAM: ServiceDefinition = {
  MarketDataStream: {
    path: `/${PKG}.MarketDataStreamService/MarketDataStream`,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface SubscribeItem {
  instrumentId: string;
  interval: number;
}

/** One open MarketDataStream, as the script sees it. */
export interface HostileCall {
  /** Writes one response; false when the transport wants a pause (await drain()). */
  write(bytes: Buffer): boolean;
  drain(): Promise<void>;
  /** Ends the call with OK. */
  end(): void;
  readonly closed: boolean;
}

export interface HostileTInvestOptions {
  /** Instruments the venue lists (default 4) and as many more it lists but nobody should subscribe. */
  instruments?: number;
  /**
   * Called for each subscribe request, after the venue's own answer unless `answerSubscribe`
   * is false (then the script answers, or leaves the request unanswered).
   */
  onSubscribe?(call: HostileCall, items: readonly SubscribeItem[], action: number): void;
  answerSubscribe?: boolean;
  /** Answers PingRequests (default true): false makes a silent venue. */
  answerPings?: boolean;
  /** GetCandles answer as proto-loader objects (keepCase); default none. */
  getCandles?(req: { instrument_id?: string; from?: { seconds?: string }; to?: { seconds?: string } }): Record<string, unknown>[];
  now?: () => number;
}

export interface HostileTInvest {
  endpoint: string;
  /** The first half: meant to be subscribed. */
  instruments: HostileInstrument[];
  /** Listed, never meant to be subscribed. */
  others: HostileInstrument[];
  /** Frames written on every stream so far. */
  readonly written: number;
  readonly streamsOpened: number;
  /** Calls open now. */
  readonly calls: HostileCall[];
  close(): Promise<void>;
}

function instrument(i: number, tag: string): HostileInstrument {
  return { uid: `0000${tag}00-0000-4000-8000-${String(i).padStart(12, '0')}`, figi: `BBGHOST${tag}${String(i).padStart(4, '0')}`, ticker: `H${tag}${i}` };
}

export async function startHostileTInvest(opts: HostileTInvestOptions = {}): Promise<HostileTInvest> {
  const n = opts.instruments ?? 4;
  const now = opts.now ?? Date.now;
  const instruments = Array.from({ length: n }, (_, i) => instrument(i, 'A'));
  const others = Array.from({ length: n }, (_, i) => instrument(i, 'B'));
  const all = [...instruments, ...others];
  const byId = new Map<string, HostileInstrument>();
  for (const i of all) {
    byId.set(i.uid, i);
    byId.set(i.figi, i);
  }
  const def = loadContract();
  const services = contractServices(def);
  const Req = def[`${PKG}.MarketDataRequest`] as MessageTypeDefinition<object, Record<string, unknown>>;
  let written = 0;
  let streamsOpened = 0;
  const open = new Set<HostileCall>();

  const server = new Server();
  const svc = (name: string): ServiceDefinition => {
    const s = services.get(name);
    if (!s) throw new Error(`${name} missing from proto/`);
    return s;
  };
  server.addService(svc('UsersService'), {
    GetAccounts: (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, { accounts: [{ id: '2000000001', name: 'hostile', type: 1, status: 2, access_level: 1 }] }),
  });
  const shares = all.map((i) => ({
    figi: i.figi,
    ticker: i.ticker,
    class_code: 'TQBR',
    isin: `RU${i.ticker}`,
    lot: 10,
    currency: 'rub',
    name: `hostile ${i.ticker}`,
    uid: i.uid,
    min_price_increment: { units: '0', nano: 10_000_000 },
    api_trade_available_flag: true,
    buy_available_flag: true,
    sell_available_flag: true,
  }));
  server.addService(svc('InstrumentsService'), {
    Shares: (_c: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, { instruments: shares }),
  });
  server.addService(svc('MarketDataService'), {
    GetCandles: (c: ServerUnaryCall<Record<string, unknown>, object>, cb: sendUnaryData<object>) => cb(null, { candles: opts.getCandles?.(c.request) ?? [] }),
  });
  server.addService(RAW_MARKET_DATA_STREAM, {
    MarketDataStream: (call: ServerDuplexStream<Buffer, Buffer>) => {
      streamsOpened++;
      let closed = false;
      const h: HostileCall = {
        write: (b) => {
          if (closed) return false;
          written++;
          return call.write(b);
        },
        drain: () => (closed ? Promise.resolve() : new Promise<void>((r) => call.once('drain', r))),
        end: () => {
          if (closed) return;
          closed = true;
          open.delete(h);
          call.end();
        },
        get closed() {
          return closed;
        },
      };
      open.add(h);
      const gone = (): void => {
        closed = true;
        open.delete(h);
      };
      call.on('cancelled', gone);
      call.on('error', gone);
      call.on('close', gone);
      call.on('data', (bytes: Buffer) => {
        const req = Req.deserialize(bytes) as {
          payload?: string;
          subscribe_candles_request?: { subscription_action?: number; instruments?: { instrument_id?: string; figi?: string; interval?: number }[] };
          ping?: { time?: { seconds?: string; nanos?: number } | null };
        };
        if (req.payload === 'ping') {
          if (opts.answerPings === false) return;
          const t = req.ping?.time;
          h.write(pingAnswer(now(), t ? encode(timestamp(BigInt(t.seconds ?? '0'), t.nanos ?? 0)) : undefined));
          return;
        }
        if (req.payload !== 'subscribe_candles_request') return;
        const r = req.subscribe_candles_request ?? {};
        const items = (r.instruments ?? []).map((x) => ({ instrumentId: x.instrument_id || x.figi || '', interval: x.interval ?? 0 }));
        const action = r.subscription_action ?? 0;
        if (opts.answerSubscribe !== false && action === 1) h.write(subscribeAnswer(items, (id) => byId.get(id)));
        opts.onSubscribe?.(h, items, action);
      });
      call.on('end', () => h.end());
    },
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    instruments,
    others,
    get written() {
      return written;
    },
    get streamsOpened() {
      return streamsOpened;
    },
    get calls() {
      return [...open];
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of open) c.end();
        server.tryShutdown(() => r());
        // Streams a client keeps open must not hold the shutdown forever.
        setTimeout(() => {
          server.forceShutdown();
          r();
        }, 1_000).unref();
      }),
  };
}

