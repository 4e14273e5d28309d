/**
 * The UI bench page: the real renderer (store, live session, React workspace, charts) booted
 * on the real WebSocket bridge over a synthetic far side. Candles come from a worker as JSON
 * frames; the page measures tick-to-screen latency with the app's own probe, the frame rate
 * with an animation-frame loop, and the load and draw of 100k candles. bench/ui.ts drives it.
 */
import '../styles.css';
import type { Candle, Instrument } from '../../common/domain.js';
import { boot } from '../boot.js';
import { toChartBars } from '../components/chart-bars.js';
import { createChartView } from '../components/chart-view.js';
import { FrameRate } from '../perf/tick-latency.js';
import { WORKSPACE_KEY } from '../persist.js';
import type { Services } from '../services.js';
import type { Workspace } from '../store/layout.js';
import { WebSocketBridge, type SocketHandlers } from '../transport/websocket-bridge.js';
import type { TickerStart } from './ticker-worker.js';
import type { UiBenchOptions, UiBenchPage, UiBenchRun } from './ui-bench-types.js';

const HISTORY = 500;

function instrument(n: number): Instrument {
  const sym = `SIM${String(n).padStart(2, '0')}`;
  return {
    venue: 'kraken',
    id: sym,
    symbol: `${sym}/USD`,
    name: `Synthetic ${n}`,
    currency: 'usd',
    priceStep: '0.01',
    qtyStep: '0.0001',
    lotSize: '1',
    qtyUnit: 'base',
    minQty: '0.0001',
    tradable: true,
    codes: {},
  };
}

function history(i: Instrument, count: number, price: number): Candle[] {
  const minute = Math.floor(Date.now() / 60_000) * 60;
  const out: Candle[] = [];
  let p = price;
  for (let k = count; k >= 1; k--) {
    const open = p;
    p = Math.max(0.01, p * (1 + (Math.random() - 0.5) * 0.004));
    const hi = Math.max(open, p) * 1.001;
    const lo = Math.min(open, p) * 0.999;
    out.push({
      venue: i.venue,
      instrumentId: i.id,
      interval: '1m',
      time: minute - k * 60,
      open: open.toFixed(2),
      high: hi.toFixed(2),
      low: lo.toFixed(2),
      close: p.toFixed(2),
      volume: String(Math.round(Math.random() * 100)),
    });
  }
  return out;
}

const INSTRUMENTS = Array.from({ length: 20 }, (_, k) => instrument(k + 1));
const BASE_PRICE = (i: Instrument) => 100 + INSTRUMENTS.indexOf(i) * 10;

/** Answers the bridge methods the workspace calls, like the main side would. */
function answer(method: string, params: Record<string, unknown>): unknown {
  const venues = [
    {
      id: 'kraken',
      name: 'Kraken',
      mode: 'demo',
      state: 'live',
      accounts: [{ venue: 'kraken', id: 'spot', name: 'Bench' }],
      intervals: ['1m', '5m', '15m', '1h', '1d'],
      bookDepths: [10, 25],
      orderTypes: ['limit', 'market'],
      timeInForce: ['gtc'],
    },
  ];
  switch (method) {
    case 'session.snapshot':
      return { seq: 0, venues, candles: [], orders: [], subscriptionFailures: [], books: [], quotes: [] };
    case 'venues.list':
      return venues;
    case 'instruments.search':
      return INSTRUMENTS;
    case 'instruments.get':
      return INSTRUMENTS.find((i) => i.id === params.instrumentId);
    case 'candles.subscribe':
      return { subscriptionId: `s-${Math.random().toString(36).slice(2)}` };
    case 'candles.unsubscribe':
    case 'market.unsubscribe':
      return null;
    case 'market.subscribe':
      return { subscriptionId: `m-${Math.random().toString(36).slice(2)}` };
    case 'candles.history': {
      const i = INSTRUMENTS.find((x) => x.id === params.instrumentId) ?? INSTRUMENTS[0]!;
      return params.before === undefined ? history(i, HISTORY, BASE_PRICE(i)) : [];
    }
    case 'orders.list':
    case 'diagnostics.get':
      return [];
    case 'portfolio.get':
      return { venue: 'kraken', accountId: 'spot', positions: [], at: Date.now() };
    case 'credentials.status':
      return { backend: 'bench', venues: [] };
    case 'quitSettings.get':
      return { cancelOnQuit: { tinvest: false, kraken: false } };
    default:
      return undefined;
  }
}

let handlers: SocketHandlers | undefined;

function benchBridge(): WebSocketBridge {
  return new WebSocketBridge({
    url: 'ws://bench.invalid/bridge',
    openSocket: (_url, h) => {
      handlers = h;
      setTimeout(() => h.open(), 0);
      return {
        send(text) {
          const req = JSON.parse(text) as { id: number; method: string; params: Record<string, unknown> };
          const value = answer(req.method, req.params);
          const result = value === undefined ? { ok: false, code: 'not-found', message: req.method } : { ok: true, value };
          setTimeout(() => h.message(JSON.stringify({ id: req.id, result })), 0);
        },
        close: () => undefined,
      };
    },
  });
}

const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

async function frameRate(ms: number): Promise<{ fps: number; frames: number; longFrames: number }> {
  const rate = new FrameRate();
  const start = await nextFrame();
  let last = start;
  let frames = 0;
  let longFrames = 0;
  let t = start;
  while (t - start < ms) {
    t = await nextFrame();
    rate.frame(t);
    frames += 1;
    if (t - last > 1.5 * (1000 / 60)) longFrames += 1;
    last = t;
  }
  return { fps: (frames * 1000) / (t - start), frames, longFrames };
}

/** Time from the call to the frame after the chart drew what it was given; and the call alone. */
async function timeDraw(draw: () => void): Promise<{ total: number; call: number }> {
  await nextFrame();
  const t0 = performance.now();
  draw();
  const call = performance.now() - t0;
  await nextFrame(); // the chart paints in this frame
  await nextFrame();
  return { total: performance.now() - t0, call };
}

async function loadAndDraw(count: number, prebuilt: boolean): Promise<{ total: number; call: number }> {
  const host = document.getElementById('bench-host')!;
  host.replaceChildren();
  const box = document.createElement('div');
  box.style.cssText = 'position:fixed;left:0;top:0;width:1280px;height:720px;z-index:100;background:#000';
  host.append(box);
  const view = createChartView(box);
  const candles = history(INSTRUMENTS[0]!, count, 100);
  const ready = prebuilt ? toChartBars(candles) : undefined;
  // The real path: exact candles become chart bars (the chart boundary), then setData, then the first draw.
  const ms = await timeDraw(() => {
    const { bars, volumes } = ready ?? toChartBars(candles);
    view.candles.setData(bars);
    view.volume.setData(volumes);
  });
  view.chart.remove();
  host.replaceChildren();
  return ms;
}

function seedWorkspace(): void {
  const workspace: Workspace = {
    size: 4,
    active: 0,
    charts: INSTRUMENTS.slice(0, 4).map((i) => ({ venue: i.venue, instrument: i, interval: '1m' })),
    watchlist: INSTRUMENTS,
  };
  localStorage.setItem(WORKSPACE_KEY, JSON.stringify(workspace));
}

seedWorkspace();
const services: Services = boot(benchBridge(), document.getElementById('root')!);

const bench: UiBenchPage = {
  async ready() {
    // Every chart has its history and every watched instrument a price slot.
    while (document.querySelectorAll('[role="img"][aria-description*="bars"]').length < 4) await nextFrame();
  },
  async run(o) {
    const idle = await frameRate(2000);
    const candlesOnly = await stream(o, false);
    const withBooks = await stream(o, true);
    const setDataOnly = await loadAndDraw(o.candles, true);
    const loadDraw = await loadAndDraw(o.candles, false);
    console.info(`bench: setData prebuilt ${JSON.stringify(setDataOnly)}, from candles ${JSON.stringify(loadDraw)}`);
    return {
      ...candlesOnly,
      idleFps: idle.fps,
      loadAndDraw: loadDraw.total,
      loadCall: loadDraw.call,
      setDataOnly: setDataOnly.total,
      withBooks,
    };
  },
};

let seq = 0;

/** One streaming window: candles across the instruments, and with `books` the active chart's book too. */
async function stream(o: UiBenchOptions, books: boolean): Promise<UiBenchRun> {
  const worker = new Worker(new URL('./ticker-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (ev: MessageEvent<string>) => {
    seq = (JSON.parse(ev.data) as { payload: { seq: number } }).payload.seq;
    handlers?.message(ev.data);
  };
  const active = INSTRUMENTS[0]!;
  const start: TickerStart = {
    instruments: INSTRUMENTS.slice(0, o.instruments).map((i) => ({ venue: i.venue, id: i.id, price: BASE_PRICE(i) })),
    perSecond: o.updatesPerSecond,
    batchMs: o.batchMs,
    seq,
    ...(books ? { books: { venue: active.venue, id: active.id, price: BASE_PRICE(active), perSecond: o.booksPerSecond, depth: o.bookDepth } } : {}),
  };
  worker.postMessage(start);
  await frameRate(1000); // warm up
  services.latency!.reset();
  services.bookLatency!.reset();
  const taken = services.latency!.taken();
  const paintsBefore = services.bookLatency!.taken();
  const busy = await frameRate(o.seconds * 1000);
  const latency = services.latency!.stats();
  const samples = services.latency!.taken() - taken;
  const bookLatency = services.bookLatency!.stats();
  const bookWritten = services.bookLatency!.writtenStats();
  const ladderPaints = services.bookLatency!.taken() - paintsBefore;
  worker.postMessage('stop');
  worker.terminate();
  await frameRate(500); // the last batches drain
  return { latency, fps: busy.fps, frames: busy.frames, longFrames: busy.longFrames, samples, ...(books ? { bookLatency, bookWritten, ladderPaints } : {}) };
}

(window as Window & { uiBench?: UiBenchPage }).uiBench = bench;
