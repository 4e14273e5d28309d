import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppStore } from '../../renderer/store/app-store.js';
import { mergeCandles } from '../../renderer/store/candles.js';
import { venueState, type ConnectionView } from '../../renderer/store/venues.js';
import { FakeBridge } from './fake-bridge.js';
import { candle, instrument, settle, venue } from './fixtures.js';
import { defaultWorkspace } from '../../renderer/store/layout.js';

const view = (connection: string, state: ConnectionView['state'], at = 1): ConnectionView => ({
  venue: 'kraken',
  connection,
  state,
  at,
  reason: '',
});

describe('venue state', () => {
  it('is the worst state among the venue connections, else what venues.list said', () => {
    const v = venue({ state: 'live' });
    expect(venueState(v, {})).toBe('live');
    expect(venueState(v, { a: view('ws-public', 'live'), b: view('ws-private', 'reconnecting') })).toBe('reconnecting');
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
