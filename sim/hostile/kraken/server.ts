/**
 * A hostile Kraken on 127.0.0.1: just enough REST (AssetPairs, OHLC, Time) and WS v2 (status on
 * open, pong, one ack per symbol, heartbeats while subscribed) for the adapter to connect and
 * subscribe, and then whatever frames the test or the fuzzer pushes. Shapes follow sim/kraken
 * (the faithful venue); what is sent after that is up to the caller. One pair: BTC/USD.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { rfc1123, rfc3339 } from '../../kraken/wire.js';

/** AssetPairs in the venue's layout (doc §2.3), one pair. */
const PAIRS = {
  XXBTZUSD: {
    altname: 'XBTUSD', wsname: 'XBT/USD', aclass_base: 'currency', base: 'XXBT', aclass_quote: 'currency', quote: 'ZUSD',
    pair_decimals: 1, cost_decimals: 5, lot_decimals: 8, ordermin: '0.0001', costmin: '0.5', tick_size: '0.1', status: 'online',
  },
};
const PRIVATE: Record<string, unknown> = {
  GetWebSocketsToken: { token: 'hostile-token', expires: 900 },
  OpenOrders: { open: {} },
  QueryOrders: {},
  ClosedOrders: { closed: {}, count: 0 },
  TradesHistory: { trades: {}, count: 0 },
  Balance: {},
  BalanceEx: {},
};
/** Private channels: one ack without a symbol, then an empty snapshot (doc §4.5, §12). */
const PRIVATE_CHANNELS = new Set(['executions', 'balances']);
export const HOSTILE_SYMBOL = 'BTC/USD';
export const HOSTILE_PAIR_ID = 'XXBTZUSD';

export interface HostileSubscribe {
  channel: string;
  symbol: string;
  /** interval (ohlc) or depth (book). */
  extra: number | undefined;
  reqId: unknown;
}

export interface HostileKrakenOptions {
  /** What to do with one subscribe of one symbol: ack it (default), refuse it with this error, or never answer. */
  answer?: (s: HostileSubscribe) => 'ack' | 'silent' | { error: string };
  /** Called after a subscribe was acked on a connection. */
  onSubscribed?: (s: HostileSubscribe, conn: HostileConn) => void;
  /** REST OHLC rows for gap fill, in the venue's layout; default none. */
  ohlcRows?: () => unknown[];
}

export interface HostileConn {
  send(text: string): void;
  /** Bytes queued in the socket and not yet written. */
  readonly buffered: number;
}

export interface HostileKraken {
  rest: string;
  ws: string;
  /** Sends one frame text to every open connection. */
  send(text: string): void;
  /** While true nothing is sent at all (no heartbeat, no pong): a silent stall. */
  silent: boolean;
  /** WS connections accepted so far (1 unless the adapter reconnected). */
  readonly connections: number;
  /** When the last frame of any kind went out (ms). */
  readonly lastSentAt: number;
  /** Frames of every kind sent so far, on all connections (the adapter must read as many). */
  readonly sent: number;
  /** Subscriptions acked so far. */
  readonly subscribed: number;
  close(): Promise<void>;
}

export async function startHostileKraken(opts: HostileKrakenOptions = {}): Promise<HostileKraken> {
  let silent = false;
  let connections = 0;
  let lastSentAt = 0;
  let sent = 0;
  let subscribed = 0;
  const http: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    const url = req.url ?? '';
    if (url.startsWith('/0/public/AssetPairs')) res.end(JSON.stringify({ error: [], result: PAIRS }));
    else if (url.startsWith('/0/public/OHLC')) res.end(JSON.stringify({ error: [], result: { [HOSTILE_PAIR_ID]: opts.ohlcRows?.() ?? [], last: 0 } }));
    else if (url.startsWith('/0/public/Time')) res.end(JSON.stringify({ error: [], result: { unixtime: Math.floor(Date.now() / 1000), rfc1123: rfc1123(Date.now()) } }));
    // Private calls are answered without checking the signature: an account with nothing in it.
    else if (url.startsWith('/0/private/')) {
      req.resume();
      const method = url.slice('/0/private/'.length);
      const result = PRIVATE[method];
      res.end(JSON.stringify(result !== undefined ? { error: [], result } : { error: ['EGeneral:Unknown method'] }));
    } else res.end(JSON.stringify({ error: ['EGeneral:Unknown method'] }));
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws)));
  const open = new Set<{ ws: WebSocket; subs: number; lastSent: number }>();
  const send = (c: { ws: WebSocket; lastSent: number }, text: string): void => {
    if (silent || c.ws.readyState !== c.ws.OPEN) return;
    c.ws.send(text);
    sent++;
    c.lastSent = lastSentAt = Date.now();
  };
  wss.on('connection', (ws: WebSocket) => {
    connections++;
    const c = { ws, subs: 0, lastSent: 0 };
    open.add(c);
    ws.on('close', () => open.delete(c));
    send(c, '{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":9007199254740993,"system":"online","version":"2.0.9"}]}');
    ws.on('message', (raw: WebSocket.RawData) => {
      let m: { method?: unknown; params?: Record<string, unknown>; req_id?: unknown };
      try {
        m = JSON.parse(raw.toString()) as typeof m;
      } catch {
        return;
      }
      const timeIn = rfc3339(Date.now());
      const reqId = typeof m.req_id === 'number' ? m.req_id : undefined;
      if (m.method === 'ping') {
        send(c, JSON.stringify({ method: 'pong', req_id: reqId, time_in: timeIn, time_out: rfc3339(Date.now()) }));
        return;
      }
      if (m.method !== 'subscribe' && m.method !== 'unsubscribe') return;
      const p = m.params ?? {};
      const channel = String(p.channel);
      if (PRIVATE_CHANNELS.has(channel)) {
        if (m.method === 'subscribe') c.subs++;
        send(c, JSON.stringify({ method: m.method, result: { channel, snapshot: true }, success: true, time_in: timeIn, time_out: rfc3339(Date.now()), req_id: reqId }));
        if (m.method === 'subscribe') {
          send(c, JSON.stringify({ channel, type: 'snapshot', data: [], sequence: 1 }));
          opts.onSubscribed?.({ channel, symbol: '', extra: undefined, reqId }, { send: (t) => send(c, t), get buffered() { return ws.bufferedAmount; } });
        }
        return;
      }
      const symbols = Array.isArray(p.symbol) ? (p.symbol as unknown[]).map(String) : [];
      const extra = channel === 'ohlc' ? Number(p.interval) : channel === 'book' ? Number(p.depth) : undefined;
      for (const symbol of symbols) {
        const result: Record<string, unknown> = { channel, symbol };
        if (extra !== undefined) result[channel === 'ohlc' ? 'interval' : 'depth'] = extra;
        if (m.method === 'unsubscribe') {
          c.subs = Math.max(0, c.subs - 1);
          send(c, JSON.stringify({ method: 'unsubscribe', result, success: true, time_in: timeIn, time_out: rfc3339(Date.now()), req_id: reqId }));
          continue;
        }
        const s: HostileSubscribe = { channel, symbol, extra, reqId };
        const answer = symbol !== HOSTILE_SYMBOL ? { error: `Currency pair not supported ${symbol}` } : (opts.answer?.(s) ?? 'ack');
        if (answer === 'silent') continue;
        if (answer !== 'ack') {
          send(c, JSON.stringify({ method: 'subscribe', result, error: answer.error, success: false, time_in: timeIn, time_out: rfc3339(Date.now()), req_id: reqId }));
          continue;
        }
        c.subs++;
        subscribed++;
        send(c, JSON.stringify({ method: 'subscribe', result: { ...result, snapshot: true }, success: true, time_in: timeIn, time_out: rfc3339(Date.now()), req_id: reqId }));
        opts.onSubscribed?.(s, { send: (t) => send(c, t), get buffered() { return ws.bufferedAmount; } });
      }
    });
  });
  // Kraken's heartbeat: about once a second when nothing else was sent, once anything is subscribed.
  const beat = setInterval(() => {
    const t = Date.now();
    for (const c of open) if (c.subs > 0 && t - c.lastSent >= 1000) send(c, '{"channel":"heartbeat"}');
  }, 250);
  beat.unref();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    rest: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/v2`,
    send(text) {
      for (const c of open) send(c, text);
    },
    get silent() {
      return silent;
    },
    set silent(v: boolean) {
      silent = v;
    },
    get connections() {
      return connections;
    },
    get lastSentAt() {
      return lastSentAt;
    },
    get sent() {
      return sent;
    },
    get subscribed() {
      return subscribed;
    },
    async close() {
      clearInterval(beat);
      for (const c of open) c.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
