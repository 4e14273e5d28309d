/**
 * MarketDataService (unary market data) and MarketDataStreamService (the bidirectional and
 * server-side market data streams). Market trades drive every open stream; a short tick
 * flushes throttled candles.
 */
import type { ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import { getCandles } from './candles.js';
import { MarketDataSession } from './market-stream.js';
import type { MarketDataRequestIn, MarketDataResponseOut, MarketDataServerSideRequestIn, StreamHost, StreamSubscriptions } from './market-stream.js';
import { marketDataUnary } from './marketdata-unary.js';
import type { SimInstrument } from './instruments.js';
import type { OpenStream, SimContext, SimService } from './service-host.js';
import { VenueError, msOfTimestamp } from './wire.js';

interface GetCandlesRequestIn {
  figi?: string;
  from?: { seconds?: string; nanos?: number } | null;
  to?: { seconds?: string; nanos?: number } | null;
  interval?: number;
  instrument_id?: string;
  candle_source_type?: number;
  limit?: number;
}

export interface MarketDataService extends SimService {
  readonly streamsOpened: number;
  readonly streamsOpen: number;
  /** Requests received on market-data streams (bidi requests and server-side stream opens). */
  readonly streamRequests: number;
  activeSubscriptions(): StreamSubscriptions[];
  /** An instrument's trading status changed: info subscribers hear at once. */
  tradingStatusChanged(i: SimInstrument): void;
}

const STREAM_SERVICE = 'MarketDataStreamService';

export function marketDataService(ctx: SimContext): MarketDataService {
  const { market, instruments: book } = ctx;
  const sessions = new Set<MarketDataSession>();
  let streamsOpened = 0;
  let streamRequests = 0;

  const streamHost: StreamHost = {
    market,
    instruments: book,
    now: () => ctx.now(),
    stalled: () => ctx.stalled(),
    emptyStreamCloseMs: ctx.emptyStreamCloseMs,
    onSent: (kind) => ctx.onSent(kind),
  };

  function openSession(
    method: StreamSubscriptions['method'],
    call: ServerWritableStream<unknown, MarketDataResponseOut> | ServerDuplexStream<unknown, MarketDataResponseOut>,
  ): MarketDataSession {
    const session = new MarketDataSession(
      streamHost,
      method,
      (msg) => {
        call.write(msg);
      },
      (err) => {
        sessions.delete(session);
        if (err) call.emit('error', ctx.errorReply(err));
        else call.end();
      },
    );
    sessions.add(session);
    streamsOpened += 1;
    call.on('cancelled', () => {
      session.dispose();
      sessions.delete(session);
    });
    return session;
  }

  /** Counts and admits a stream open; false when it was refused (the error already went out). */
  function admitted(key: string, call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>): boolean {
    ctx.count(key);
    try {
      ctx.admitStream(key, call.metadata);
      return true;
    } catch (e) {
      call.emit('error', ctx.errorReply(ctx.asVenueError(e)));
      return false;
    }
  }

  const offTrade = market.onTrade((t) => {
    for (const s of sessions) s.onTrade(t);
  });
  const tick = setInterval(() => {
    for (const s of sessions) s.tick();
  }, 50);
  tick.unref();

  return {
    unary: {
      'MarketDataService/GetCandles': (raw) => {
        const req = raw as GetCandlesRequestIn;
        const idText = req.instrument_id || req.figi;
        if (!idText) throw VenueError.of('30093');
        const instrument = book.resolve(idText);
        if (!instrument) throw VenueError.of('50002');
        const candles = getCandles(
          market,
          {
            instrument,
            interval: req.interval ?? 0,
            fromMs: msOfTimestamp(req.from),
            toMs: msOfTimestamp(req.to),
            limit: req.limit ?? undefined,
            candleSourceGiven: req.candle_source_type !== undefined && req.candle_source_type !== null,
          },
          ctx.now(),
        );
        return { candles };
      },
      ...marketDataUnary({ market, instruments: book, now: () => ctx.now() }),
    },
    streams: {
      [`${STREAM_SERVICE}/MarketDataStream`]: (call: ServerDuplexStream<MarketDataRequestIn, MarketDataResponseOut>) => {
        if (!admitted(`${STREAM_SERVICE}/MarketDataStream`, call)) return;
        const session = openSession('MarketDataStream', call);
        call.on('data', (req: MarketDataRequestIn) => {
          streamRequests += 1;
          session.handle(req);
        });
        // The client half-closed: the venue completes the call with OK.
        call.on('end', () => session.end());
      },
      [`${STREAM_SERVICE}/MarketDataServerSideStream`]: (call: ServerWritableStream<MarketDataServerSideRequestIn, MarketDataResponseOut>) => {
        if (!admitted(`${STREAM_SERVICE}/MarketDataServerSideStream`, call)) return;
        const session = openSession('MarketDataServerSideStream', call);
        streamRequests += 1;
        session.handleServerSide(call.request);
      },
    },
    *openStreams(): Iterable<OpenStream> {
      for (const s of [...sessions]) yield { key: `${STREAM_SERVICE}/${s.method}`, end: (err: VenueError) => s.end(err) };
    },
    stop() {
      offTrade();
      clearInterval(tick);
    },
    get streamsOpened() {
      return streamsOpened;
    },
    get streamsOpen() {
      return sessions.size;
    },
    get streamRequests() {
      return streamRequests;
    },
    activeSubscriptions: () => [...sessions].map((s) => s.snapshot()),
    tradingStatusChanged(i) {
      for (const s of sessions) s.onTradingStatus(i);
    },
  };
}
