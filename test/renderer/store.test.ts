import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppStore } from '../../renderer/store/app-store.js';
import { mergeCandles } from '../../renderer/store/candles.js';
import { venueState, type ConnectionView } from '../../renderer/store/venues.js';
import { FakeBridge } from './fake-bridge.js';
import { batch, candle, instrument, settle, snapshot, venue } from './fixtures.js';
import { FrameDrain } from '../../renderer/store/frame-drain.js';
import type { Frame } from '../../renderer/store/session.js';
import { defaultWorkspace } from '../../renderer/store/layout.js';

const view = (connection: string, state: ConnectionView['state'], at = 1): ConnectionView => ({
  venue: 'kraken',
  connection,
  state,
  at,
  reason: '',
});

describe('venue state', () => {
  it("is the hub's word (venues.list, then its venue events), never a second ranking of the connections", () => {
    const store = createAppStore(new FakeBridge());
    store.getState().commitFrame({ resync: { venues: [venue({ state: 'live' })], orders: [], subscriptionFailures: [] }, candles: [], orders: [], connections: [] });
    // A stream waiting on subscriptions and an unused idle socket: the hub still calls the venue live.
    store.getState().commitFrame({ candles: [], orders: [], connections: [{ ...view('ws-public', 'subscribing', 2) }, { ...view('ws-private', 'idle', 2) }] });
    const kraken = () => store.getState().venues[0]!;
    expect(venueState(kraken())).toBe('live');
    store.getState().commitFrame({ candles: [], orders: [], connections: [{ ...view('venue', 'reconnecting', 3), reason: 'ws-public: dropped' }] });
    expect(venueState(kraken())).toBe('reconnecting');
    // The hub's pseudo-connection is the venue's state, not a connection of it.
    expect(Object.keys(store.getState().connections).sort()).toEqual(['kraken|ws-private', 'kraken|ws-public']);
  });
});

describe('subscription failures', () => {
  const failure = { venue: 'kraken' as const, instrumentId: 'XXBTZUSD', interval: '1m' as const, error: { kind: 'invalid' as const, code: 'EQuery:Unknown asset pair', message: 'unknown pair', at: 5 } };

  it('are kept per series until a candle of the series shows it recovered', () => {
    const store = createAppStore(new FakeBridge());
    store.getState().commitFrame({ candles: [], orders: [], connections: [], failures: [failure] });
    expect(store.getState().subscriptionFailures['kraken|XXBTZUSD|1m']).toEqual(failure.error);
    store.getState().commitFrame({ candles: [candle(120, '5')], orders: [], connections: [], recovered: ['kraken|XXBTZUSD|1m'] });
    expect(store.getState().subscriptionFailures).toEqual({});
  });

  it('travel through the frame drain in order: a failure after a candle stands, a candle after a failure clears it', () => {
    const frames: Frame[] = [];
    const drain = new FrameDrain({ commitFrame: (f) => frames.push(f) }, () => undefined);
    drain.batch(batch(1, { candles: [candle(60, '1')], subscriptionFailures: [failure] }));
    drain.flush();
    expect(frames[0]).toMatchObject({ failures: [failure], recovered: [] });
    drain.batch(batch(2, { candles: [candle(120, '2')] }));
    drain.flush();
    expect(frames[1]).toMatchObject({ failures: [], recovered: ['kraken|XXBTZUSD|1m'] });
    drain.snapshot(snapshot(3, { subscriptionFailures: [failure] }));
    drain.flush();
    expect(frames[2]?.resync?.subscriptionFailures).toEqual([failure]);
  });
});

describe('app store', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks a venue that refuses searches while connecting again later', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const bridge = new FakeBridge()
      .answer('venues.list', () => ({ ok: true, value: [venue()] }))
      .answer('instruments.search', () =>
        ++calls < 3 ? { ok: false, code: 'not-connected', message: 'connecting' } : { ok: true, value: [instrument('XXBTZUSD', 'BTC/USD')] },
      );
    const store = createAppStore(bridge, { workspace: { ...defaultWorkspace(), size: 1 } });
    await store.getState().loadVenues();
    await vi.advanceTimersByTimeAsync(500);
    expect(store.getState().workspace.charts[0]!.instrument).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(3);
    expect(store.getState().workspace.charts[0]!.instrument?.symbol).toBe('BTC/USD');
  });

  it('searches every live venue at once and says which ones failed', async () => {
    const bridge = new FakeBridge()
      .answer('venues.list', () => ({ ok: true, value: [venue({ id: 'tinvest', name: 'T-Invest' }), venue()] }))
      .answer('instruments.search', (r) =>
        r.venue === 'kraken'
          ? { ok: true, value: [instrument('XXBTZUSD', 'BTC/USD')] }
          : { ok: false, code: 'unavailable', message: 'down' },
      );
    const store = createAppStore(bridge, { workspace: { ...defaultWorkspace(), size: 1 } });
    await store.getState().loadVenues();
    const found = await store.getState().searchEverywhere('b');
    expect(found.results.map((i) => i.symbol)).toEqual(['BTC/USD']);
    expect(found.failures).toEqual([{ venue: 'tinvest', message: 'down' }]);
    // What was found can be named later (the blotter shows symbols, orders carry ids).
    expect(store.getState().instruments['kraken|XXBTZUSD']?.symbol).toBe('BTC/USD');
  });

  it('commits a frame in one write and never lets an older bar replace a newer one', () => {
    const store = createAppStore(new FakeBridge());
    let writes = 0;
    store.subscribe(() => writes++);
    store.getState().commitFrame({
      candles: [candle(120, '5')],
      orders: [],
      connections: [{ venue: 'kraken', connection: 'ws-public', state: 'degraded', at: 5, reason: 'slow' }],
    });
    expect(writes).toBe(1);
    expect(Object.values(store.getState().lastCandles).map((c) => c.close)).toEqual(['5']);
    expect(Object.values(store.getState().connections).map((c) => c.state)).toEqual(['degraded']);
    expect(mergeCandles(store.getState().lastCandles, [candle(60, '1')])).toBe(store.getState().lastCandles);
  });

  it('keeps the newer connection change when diagnostics arrive late', () => {
    const store = createAppStore(new FakeBridge());
    store.getState().commitFrame({
      candles: [],
      orders: [],
      connections: [{ venue: 'kraken', connection: 'ws-public', state: 'live', at: 10, reason: '' }],
    });
    store.getState().applyDiagnostics([
      {
        venue: 'kraken',
        connection: 'ws-public',
        state: 'connecting',
        timeline: [{ state: 'connecting', at: 5, reason: '' }],
        messageRate: 0,
        messages: 0,
        reconnects: 0,
        subscriptions: { pending: 0, confirmed: 0 },
        limiters: [],
        breakers: [],
        malformed: 0,
      malformedSamples: [],
      },
    ]);
    expect(Object.values(store.getState().connections)[0]?.state).toBe('live');
  });
});

describe('the workspace', () => {
  const tinvestSber = instrument('sber-uid', 'SBER', { venue: 'tinvest', qtyUnit: 'lot', lotSize: '10', qtyStep: '1', minQty: '1', priceStep: '0.01' });
  const tinvestGazp = instrument('gazp-uid', 'GAZP', { venue: 'tinvest', qtyUnit: 'lot', lotSize: '10' });
  const btc = instrument('XXBTZUSD', 'BTC/USD');
  const eth = instrument('XETHZUSD', 'ETH/USD');
  function twoVenues() {
    return new FakeBridge()
      .answer('venues.list', () => ({ ok: true, value: [venue({ id: 'tinvest', name: 'T-Invest' }), venue()] }))
      .answer('instruments.search', (r) => {
        // Like T-Invest, an empty query lists nothing there.
        const list = r.venue === 'tinvest' ? [tinvestSber, tinvestGazp] : [btc, eth];
        const q = r.query.toLowerCase();
        return { ok: true, value: q ? list.filter((i) => i.symbol.toLowerCase().startsWith(q)) : r.venue === 'tinvest' ? [] : list };
      });
  }

  it('puts the venues side by side, each chart on its venue\'s usual first instrument, and watches them', async () => {
    const store = createAppStore(twoVenues());
    await store.getState().loadVenues();
    await settle();
    const charts = store.getState().workspace.charts;
    expect(charts.slice(0, 2).map((c) => c.instrument?.symbol)).toEqual(['SBER', 'BTC/USD']);
    expect(store.getState().workspace.watchlist.map((i) => i.symbol)).toEqual(['SBER', 'BTC/USD']);

    store.getState().setLayoutSize(4);
    await settle();
    expect(store.getState().workspace.charts.map((c) => c.instrument?.symbol)).toEqual(['SBER', 'BTC/USD', 'GAZP', 'ETH/USD']);
  });

  it('gives each chart its own instrument and interval; the toolbar acts on the active one', async () => {
    const store = createAppStore(twoVenues());
    await store.getState().loadVenues();
    await settle();
    store.getState().activateChart(1);
    store.getState().selectInterval('5m');
    store.getState().selectInstrument(eth);
    const [a, b] = store.getState().workspace.charts;
    expect([a!.instrument?.symbol, a!.interval]).toEqual(['SBER', '1m']);
    expect([b!.instrument?.symbol, b!.interval]).toEqual(['ETH/USD', '5m']);
    // Back to one chart: the active one falls back to the first; chart 2 is kept for later.
    store.getState().setLayoutSize(1);
    expect(store.getState().workspace.active).toBe(0);
    expect(store.getState().workspace.charts[1]!.instrument?.symbol).toBe('ETH/USD');
  });

  it('keeps restored charts and fills only the empty ones; a venue the user chose stays even if it lists nothing', async () => {
    const restored = defaultWorkspace();
    restored.charts[1] = { venue: 'kraken', instrument: eth, interval: '15m' };
    const store = createAppStore(twoVenues(), { workspace: restored });
    await store.getState().loadVenues();
    await settle();
    expect(store.getState().workspace.charts.slice(0, 2).map((c) => c.instrument?.symbol)).toEqual(['SBER', 'ETH/USD']);

    store.getState().selectVenue('kraken', 0);
    await settle();
    expect(store.getState().workspace.charts[0]!.instrument?.symbol).toBe('BTC/USD');
  });

  it('replaces every copy of an instrument with a fresher one', async () => {
    const store = createAppStore(twoVenues());
    await store.getState().loadVenues();
    await settle();
    const fresher = { ...tinvestSber, priceStep: '0.05' };
    store.getState().replaceInstrument(fresher);
    expect(store.getState().workspace.charts[0]!.instrument?.priceStep).toBe('0.05');
    expect(store.getState().workspace.watchlist[0]!.priceStep).toBe('0.05');
  });
});
