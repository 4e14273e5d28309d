import type { ChartSlot } from '../store/layout.js';
import { VENUE_NAMES } from '../order-text.js';
import { useAppState, useServices } from '../services.js';
import { Chart } from './Chart.js';

function Placeholder({ slot }: { slot: ChartSlot }) {
  const venuesLoaded = useAppState((s) => s.venuesLoaded);
  const venueCount = useAppState((s) => s.venues.length);
  const text = !venuesLoaded
    ? 'Connecting…'
    : venueCount === 0
      ? 'No venues are configured.'
      : slot.venue
        ? 'Search for an instrument to chart it.'
        : 'Looking for instruments…';
  return (
    <p className="placeholder" role="status">
      {text}
    </p>
  );
}

/**
 * One cell of the chart grid. Pressing anywhere in it makes it the active chart, the one
 * the toolbar, the watchlist and the ticket act on.
 */
export function ChartPanel({ index, slot, active }: { index: number; slot: ChartSlot; active: boolean }) {
  const { store } = useServices();
  const n = index + 1;
  const what = slot.instrument ? `${slot.instrument.symbol} ${slot.interval}` : 'empty';
  return (
    <section
      className={`chart-panel${active ? ' active' : ''}`}
      aria-label={`Chart ${n}: ${what}`}
      onPointerDown={() => store.getState().activateChart(index)}
    >
      <header className="chart-head">
        <button
          type="button"
          className="chart-select"
          aria-pressed={active}
          aria-label={`Select chart ${n}`}
          onClick={() => store.getState().activateChart(index)}
        >
          {n}
        </button>
        <span className="chart-symbol">
          {slot.instrument ? `${slot.instrument.symbol} · ${slot.interval}` : '—'}
        </span>
        {slot.venue && <span className="chart-venue">{VENUE_NAMES[slot.venue]}</span>}
      </header>
      {slot.instrument ? <Chart instrument={slot.instrument} interval={slot.interval} /> : <Placeholder slot={slot} />}
    </section>
  );
}

export function ChartGrid() {
  const workspace = useAppState((s) => s.workspace);
  return (
    <div className={`chart-grid size-${workspace.size}`}>
      {workspace.charts.slice(0, workspace.size).map((slot, i) => (
        <ChartPanel key={i} index={i} slot={slot} active={i === workspace.active} />
      ))}
    </div>
  );
}
