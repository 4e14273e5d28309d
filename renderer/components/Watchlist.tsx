import { useEffect } from 'react';
import type { Candle, Instrument } from '../../common/domain.js';
import { VENUE_NAMES } from '../order-text.js';
import { useAppState, useSampledAppState, useServices } from '../services.js';
import { activeSlot } from '../store/layout.js';
import { InstrumentSearch } from './InstrumentPicker.js';

/** Watchlist prices are read this often: readable, and no React work each frame. */
const PRICE_EVERY_MS = 250;

/** The last close of any series of this instrument on screen, if one is. */
function lastClose(candles: Readonly<Record<string, Candle>>, i: Instrument): string | undefined {
  const prefix = `${i.venue}|${i.id}|`;
  for (const [key, c] of Object.entries(candles)) if (key.startsWith(prefix)) return c.close;
  return undefined;
}

/** Keeps 1m candles of a watched instrument coming, for its last price; again after a new far-side session. */
function useLivePrice(instrument: Instrument): void {
  const { bridge } = useServices();
  const epoch = useAppState((s) => s.epoch);
  const { venue, id } = instrument;
  useEffect(() => {
    let cancelled = false;
    let subscriptionId: string | undefined;
    void bridge.invoke('candles.subscribe', { venue, instrumentId: id, interval: '1m' }).then((r) => {
      if (!r.ok) return;
      if (cancelled) void bridge.invoke('candles.unsubscribe', { subscriptionId: r.value.subscriptionId });
      else subscriptionId = r.value.subscriptionId;
    });
    return () => {
      cancelled = true;
      if (subscriptionId) void bridge.invoke('candles.unsubscribe', { subscriptionId });
    };
  }, [bridge, venue, id, epoch]);
}

function WatchItem({ instrument, current }: { instrument: Instrument; current: boolean }) {
  const { store } = useServices();
  useLivePrice(instrument);
  const price = useSampledAppState(`${instrument.venue}|${instrument.id}`, (s) => lastClose(s.lastCandles, instrument), PRICE_EVERY_MS);
  return (
    <li className={current ? 'current' : undefined}>
      <button
        type="button"
        className="watch-show"
        aria-current={current ? 'true' : undefined}
        title="Show on the active chart"
        onClick={() => store.getState().selectInstrument(instrument)}
      >
        <span className="watch-symbol">{instrument.symbol}</span> <span className="muted">{VENUE_NAMES[instrument.venue]}</span>
      </button>
      <span className="watch-price">{price ?? ''}</span>
      <button
        type="button"
        className="watch-remove"
        aria-label={`Remove ${instrument.symbol} from watchlist`}
        onClick={() => store.getState().removeFromWatchlist(instrument)}
      >
        ×
      </button>
    </li>
  );
}

/** Instruments of every connected venue, one press from the active chart. */
export function Watchlist() {
  const { store } = useServices();
  const list = useAppState((s) => s.workspace.watchlist);
  const shown = useAppState((s) => activeSlot(s).instrument);
  return (
    <aside className="watchlist" aria-label="Watchlist">
      <h2>Watchlist</h2>
      <InstrumentSearch
        label="Add to watchlist"
        listLabel="Instruments to watch"
        placeholder="Search all venues"
        onPick={(i) => {
          store.getState().addToWatchlist(i);
          store.getState().selectInstrument(i);
        }}
      />
      <ul aria-label="Watched instruments">
        {list.map((i) => (
          <WatchItem key={`${i.venue}|${i.id}`} instrument={i} current={shown?.venue === i.venue && shown.id === i.id} />
        ))}
      </ul>
      {list.length === 0 && <p className="muted">Search to add instruments.</p>}
    </aside>
  );
}
