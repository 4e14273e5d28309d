/**
 * Wires the bridge's pushes into the store: batches through the sequencer (seq gaps →
 * snapshot) into the frame drain; diagnostics straight in; a new far-side session after a
 * reconnect resyncs everything and makes views subscribe again.
 */
import type { RendererBridge } from './transport/link.js';
import type { AppStore } from './store/app-store.js';
import { BatchSequencer } from './store/batch-sequencer.js';
import { FrameDrain, type ScheduleFrame } from './store/frame-drain.js';
import { venueState } from './store/venues.js';

export interface LiveSessionOptions {
  scheduleFrame: ScheduleFrame;
  later(fn: () => void, ms: number): void;
}

export function startLiveSession(bridge: RendererBridge, store: AppStore, options: LiveSessionOptions): () => void {
  const drain = new FrameDrain({ commitFrame: (frame) => store.getState().commitFrame(frame) }, options.scheduleFrame);
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

  const offBatch = bridge.subscribe('batch', (batch) => sequencer.push(batch));
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
    } else if (!store.getState().venuesLoaded) {
      // The first list request timed out while the socket was still coming up.
      void store.getState().loadVenues();
    }
    opened = true;
  });

  // The selected venue may have been listed while still connecting: once live, give it an instrument.
  const offVenueLive = store.subscribe((s, prev) => {
    if (s.layout.instrument || !s.layout.venue) return;
    if (s.venues === prev.venues && s.connections === prev.connections) return;
    const summary = s.venues.find((v) => v.id === s.layout.venue);
    if (summary && venueState(summary, s.connections) === 'live') void s.pickFirstInstrument();
  });

  // Requests made before the socket opens wait for it, so start right away on either transport.
  sequencer.reset();
  void store.getState().loadVenues();

  return () => {
    offBatch();
    offDiagnostics();
    offLink();
    offVenueLive();
  };
}
