/**
 * Wires the bridge's pushes into the store: batches through the sequencer (seq gaps →
 * snapshot) into the frame drain; diagnostics straight in; a new far-side session after a
 * reconnect resyncs everything and makes views subscribe again. Each candle's arrival, in the
 * main process (the batch says when) and here, starts its tick-to-screen clock.
 */
import type { RendererBridge } from './transport/link.js';
import type { AppStore } from './store/app-store.js';
import { BatchSequencer } from './store/batch-sequencer.js';
import { FrameDrain, type ScheduleFrame } from './store/frame-drain.js';
import { seriesKey } from './store/series-key.js';
import { watchSession } from './store/watchers.js';
import type { LatencySink } from './perf/tick-latency.js';

export interface LiveSessionOptions {
  scheduleFrame: ScheduleFrame;
  later(fn: () => void, ms: number): void;
  /** Stamped with each candle's arrival, for tick-to-screen latency. */
  latency?: LatencySink;
  /** Wall-clock ms, the clock of the batch's main-side stamps (performance.timeOrigin + now()). */
  now?: () => number;
}

export function startLiveSession(bridge: RendererBridge, store: AppStore, options: LiveSessionOptions): () => void {
  const drain = new FrameDrain(
    { commitFrame: (frame) => store.getState().commitFrame(frame), shownBar: (id) => store.getState().lastCandles[id]?.time },
    options.scheduleFrame,
  );
  const refreshDiagnostics = () =>
    void bridge.invoke('diagnostics.get', {}).then((r) => {
      if (r.ok) store.getState().applyDiagnostics(r.value);
    });
  const sequencer = new BatchSequencer({
    requestSnapshot: () => bridge.invoke('session.snapshot', {}),
    onBatch: (batch) => drain.batch(batch),
    onSnapshot: (snapshot) => {
      drain.snapshot(snapshot);
      // A snapshot carries venue summaries, not connection changes missed in the gap.
      refreshDiagnostics();
    },
    later: options.later,
  });

  const latency = options.latency;
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  const offBatch = bridge.subscribe('batch', (batch) => {
    if (latency && batch.candles.length > 0) {
      const at = now();
      const { sentAt, candlesAgeUs: ages } = batch;
      const stamped = typeof sentAt === 'number' && Number.isFinite(sentAt) && Array.isArray(ages);
      for (let i = 0; i < batch.candles.length; i++) {
        const c = batch.candles[i]!;
        const age = stamped ? ages[i] : undefined;
        // Without a stamp (an older main side) the clock starts here: the hop is left out, not made up.
        const mainAt = typeof age === 'number' && Number.isFinite(age) ? sentAt! - age / 1000 : at;
        latency.received(seriesKey(c), c.time, mainAt, at);
      }
    }
    sequencer.push(batch);
  });
  const offDiagnostics = bridge.subscribe('diagnostics', (list) => store.getState().applyDiagnostics(list));

  let opened = bridge.link() === 'open';
  store.getState().setLink(bridge.link());
  const offLink = bridge.onLink((link) => {
    store.getState().setLink(link);
    if (link !== 'open') return;
    if (opened) {
      sequencer.reset();
      void store.getState().loadVenues();
      store.getState().newSession();
      // Book, tape and quote keys are held by the store, not by effects keyed on the epoch.
      store.getState().resubscribeMarket();
    } else if (!store.getState().venuesLoaded) {
      // The first list request timed out while the socket was still coming up.
      void store.getState().loadVenues();
    }
    opened = true;
  });

  // Venues listed while still connecting get their charts, accounts and orders once live.
  const offWatch = watchSession(store);

  // Requests made before the socket opens wait for it, so start right away on either transport.
  sequencer.reset();
  void store.getState().loadVenues();

  return () => {
    offBatch();
    offDiagnostics();
    offLink();
    offWatch();
  };
}
