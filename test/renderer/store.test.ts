import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppStore } from '../../renderer/store/app-store.js';
import { mergeCandles } from '../../renderer/store/candles.js';
import { venueState, type ConnectionView } from '../../renderer/store/venues.js';
import { FakeBridge } from './fake-bridge.js';
import { candle, deferred, instrument, settle, venue } from './fixtures.js';
import type { Instrument } from '../../electron/domain.js';
import type { Result } from '../../electron/contract.js';

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

  it('selects the first live venue and its first instrument once venues are listed', async () => {
    const bridge = new FakeBridge()
      .answer('venues.list', () => ({ ok: true, value: [venue({ id: 'tinvest', name: 'T-Invest', state: 'idle' }), venue()] }))
      .answer('instruments.search', (r) => ({ ok: true, value: r.venue === 'kraken' ? [instrument('XXBTZUSD', 'BTC/USD')] : [] }));
    const store = createAppStore(bridge);
    await store.getState().loadVenues();
    await settle();
    expect(store.getState().layout.venue).toBe('kraken');
    expect(store.getState().layout.instrument?.symbol).toBe('BTC/USD');
  });

  it('asks a venue that refuses searches while connecting again later', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const bridge = new FakeBridge().answer('instruments.search', () =>
      ++calls < 3 ? { ok: false, code: 'not-connected', message: 'connecting' } : { ok: true, value: [instrument('XXBTZUSD', 'BTC/USD')] },
    );
    const store = createAppStore(bridge);
    store.getState().selectVenue('kraken');
    await vi.advanceTimersByTimeAsync(500);
    expect(store.getState().layout.instrument).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(3);
    expect(store.getState().layout.instrument?.symbol).toBe('BTC/USD');
  });

  it('lets only the newest instrument search write its results', async () => {
    const answers = [deferred<Result<Instrument[]>>(), deferred<Result<Instrument[]>>()];
    let n = 0;
    const bridge = new FakeBridge().answer('instruments.search', () => answers[n++]!.promise);
    const store = createAppStore(bridge);
    store.setState({ layout: { venue: 'kraken', interval: '1m' } });
    const first = store.getState().searchInstruments('b');
    const second = store.getState().searchInstruments('bt');
    answers[1]!.resolve({ ok: true, value: [instrument('XXBTZUSD', 'BTC/USD')] });
    answers[0]!.resolve({ ok: true, value: [instrument('XETHZUSD', 'ETH/USD')] });
    await Promise.all([first, second]);
    expect(store.getState().instrumentSearch.results.map((i) => i.symbol)).toEqual(['BTC/USD']);
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
      },
    ]);
    expect(Object.values(store.getState().connections)[0]?.state).toBe('live');
  });
});

describe('the venue the app picks by itself', () => {
  it('gives way to the next venue when it lists nothing without a query, but a venue the user chose stays', async () => {
    const bridge = new FakeBridge()
      .answer('venues.list', () => ({ ok: true, value: [venue({ id: 'tinvest', name: 'T-Invest' }), venue()] }))
      .answer('instruments.search', (r) => ({ ok: true, value: r.venue === 'kraken' ? [instrument('XXBTZUSD', 'BTC/USD')] : [] }));
    const store = createAppStore(bridge);
    await store.getState().loadVenues();
    await settle();
    expect(store.getState().layout.instrument?.symbol).toBe('BTC/USD');

    store.getState().selectVenue('tinvest');
    await settle();
    expect(store.getState().layout.venue).toBe('tinvest');
    expect(store.getState().layout.instrument).toBeUndefined();
  });
});
