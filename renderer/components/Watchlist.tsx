import { useEffect } from 'react';
import type { Candle, Instrument, Quote } from '../../common/domain.js';
import { sub } from '../../common/decimal.js';
import { VENUE_NAMES } from '../order-text.js';
import { useAppState, useSampledAppState, useServices } from '../services.js';
import { activeSlot } from '../store/layout.js';
import { instrumentMarketKey } from '../store/market.js';
import { useMarketFeed } from './market-feed.js';
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

/** "+1.25 (+0.52%)", signed, from the quote's change against its reference. */
function changeText(q: Quote): string {
  if (q.change === undefined) return '';
  const sign = (v: string) => (v.startsWith('-') ? v : `+${v}`);
  return `${sign(q.change)}${q.changePct !== undefined ? ` (${sign(q.changePct)}%)` : ''}`;
}

function spreadOf(q: Quote): string | undefined {
  if (q.bid === undefined || q.ask === undefined) return undefined;
  try {
    return sub(q.ask, q.bid);
  } catch {
    return undefined;
  }
}

/** Bid, ask, spread and the change, from the instrument's quote. */
function QuoteLine({ quote }: { quote: Quote }) {
  const spread = spreadOf(quote);
  const dir = quote.change === undefined ? '' : quote.change.startsWith('-') ? ' down' : /[1-9]/.test(quote.change) ? ' up' : '';
  return (
    <span className="watch-quote" aria-label="Quote">
      <span title="Bid">{quote.bid ?? '—'}</span>
      {' / '}
      <span title="Ask">{quote.ask ?? '—'}</span>
      {spread !== undefined && <span className="muted" title="Spread"> · {spread}</span>}
      {quote.change !== undefined && <span className={`watch-change${dir}`} title="Change against the reference price"> {changeText(quote)}</span>}
    </span>
  );
}

function WatchItem({ instrument, current }: { instrument: Instrument; current: boolean }) {
  const { store } = useServices();
  useLivePrice(instrument);
  const key = instrumentMarketKey(instrument.venue, instrument.id);
  useMarketFeed({ venue: instrument.venue, instrumentId: instrument.id, stream: 'quote' });
  const price = useSampledAppState(key, (s) => s.quotes[key]?.last ?? lastClose(s.lastCandles, instrument), PRICE_EVERY_MS);
  const quote = useSampledAppState(`q|${key}`, (s) => s.quotes[key], PRICE_EVERY_MS);
  const halted = quote?.status !== undefined && !quote.status.tradable;
  return (
    <li
      className={`${current ? 'current' : ''}${halted ? ' halted' : ''}`.trim() || undefined}
      title={halted ? `Not trading now: ${quote.status!.venueStatus}` : undefined}
      aria-disabled={halted ? true : undefined}
    >
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
      {quote && <QuoteLine quote={quote} />}
      {halted && <span className="visually-hidden">Not trading now: {quote.status!.venueStatus}</span>}
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
