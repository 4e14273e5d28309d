import { describe, expect, it } from 'vitest';
import { startLiveSession } from '../../renderer/live-session.js';
import { createAppStore } from '../../renderer/store/app-store.js';
import { defaultWorkspace } from '../../renderer/store/layout.js';
import { FakeBridge } from './fake-bridge.js';
import { batch, candle, instrument, settle, snapshot, venue } from './fixtures.js';

function setup() {
  let seq = 0;
  const bridge = new FakeBridge()
    .answer('session.snapshot', () => ({ ok: true, value: snapshot(seq, { candles: [candle(60, `snap${seq}`)] }) }))
    .answer('venues.list', () => ({ ok: true, value: [venue()] }))
    .answer('instruments.search', () => ({ ok: true, value: [] }))
    .answer('diagnostics.get', () => ({ ok: true, value: [] }));
  const store = createAppStore(bridge);
  const frames: (() => void)[] = [];
  startLiveSession(bridge, store, { scheduleFrame: (fn) => frames.push(fn), later: () => undefined });
  const frame = () => {
    for (const fn of frames.splice(0)) fn();
  };
  const close = () => Object.values(store.getState().lastCandles)[0]?.close;
  return { bridge, store, frame, close, setSeq: (n: number) => (seq = n) };
}

describe('live session', () => {
  it('resyncs from a snapshot when a batch goes missing', async () => {
    const { bridge, frame, close, setSeq } = setup();
    await settle();
    frame();
    expect(close()).toBe('snap0');
    bridge.push('batch', batch(1, { candles: [candle(60, '1')] }));
    frame();
    expect(close()).toBe('1');
    setSeq(3);
    bridge.push('batch', batch(3, { candles: [candle(60, '3')] })); // 2 is missing
    await settle();
    frame();
    expect(bridge.count('session.snapshot')).toBe(2);
    expect(close()).toBe('snap3');
    bridge.push('batch', batch(4, { candles: [candle(60, '4')] }));
    frame();
    expect(close()).toBe('4');
  });

  it('starts over when the socket comes back: new snapshot, venues again, views resubscribe', async () => {
    const { bridge, store } = setup();
    bridge.setLink('open');
    await settle();
    expect(store.getState().epoch).toBe(0);
    bridge.setLink('reconnecting');
    expect(store.getState().link).toBe('reconnecting');
    bridge.setLink('open');
    await settle();
    expect(store.getState().epoch).toBe(1);
    expect(bridge.count('session.snapshot')).toBe(2);
    expect(bridge.count('venues.list')).toBe(2);
  });

  it('subscribes held books, tapes and quotes again on the new far-side session, and applies its snapshot\'s books', async () => {
    const { bridge, store, frame } = setup();
    bridge.answer('market.subscribe', () => ({ ok: true, value: { subscriptionId: `m${bridge.count('market.subscribe')}` } }));
    bridge.setLink('open');
    await settle();
    store.getState().retainMarket({ venue: 'kraken', instrumentId: 'XXBTZUSD', stream: 'book', depth: 10 });
    await settle();
    expect(bridge.count('market.subscribe')).toBe(1);
    const book = {
      venue: 'kraken' as const,
      instrumentId: 'XXBTZUSD',
      depth: 10,
      bids: [{ price: '1', quantity: '1' }],
      asks: [{ price: '2', quantity: '1' }],
      receivedAt: 5,
      health: { verification: 'checksum' as const, verified: 3, failures: 0, resyncs: 0, consistent: true },
    };
    bridge.answer('session.snapshot', () => ({ ok: true, value: snapshot(7, { books: [book] }) }));
    bridge.setLink('reconnecting');
    bridge.setLink('open');
    await settle();
    frame();
    expect(bridge.count('market.subscribe')).toBe(2);
    expect(bridge.count('market.unsubscribe')).toBe(0); // the old session's ids died with it
    expect(store.getState().books['kraken|XXBTZUSD|book|10']?.receivedAt).toBe(5);
  });
});

describe('picking an instrument', () => {
  it('tries again when the selected venue goes live after failing to answer a search', async () => {
    let live = false;
    const bridge = new FakeBridge()
      .answer('session.snapshot', () => ({ ok: true, value: snapshot(0) }))
      .answer('venues.list', () => ({ ok: true, value: [venue({ state: 'connecting' })] }))
      .answer('diagnostics.get', () => ({ ok: true, value: [] }))
      .answer('instruments.search', () =>
        live ? { ok: true, value: [instrument('XXBTZUSD', 'BTC/USD')] } : { ok: false, code: 'not-connected', message: 'connecting' },
      );
    const store = createAppStore(bridge, { workspace: { ...defaultWorkspace(), size: 1 } });
    const frames: (() => void)[] = [];
    startLiveSession(bridge, store, { scheduleFrame: (fn) => frames.push(fn), later: () => undefined });
    await settle();
    expect(store.getState().workspace.charts[0]!.venue).toBe('kraken');
    expect(store.getState().workspace.charts[0]!.instrument).toBeUndefined();
    live = true;
    bridge.push('batch', batch(1, { connections: [{ venue: 'kraken', connection: 'ws-public', state: 'live', at: 1, reason: '' }] }));
    for (const fn of frames.splice(0)) fn();
    await settle();
    expect(store.getState().workspace.charts[0]!.instrument?.symbol).toBe('BTC/USD');
  });
});
