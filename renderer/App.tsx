import { Chart } from './components/Chart.js';
import { InstrumentPicker } from './components/InstrumentPicker.js';
import { Notice } from './components/Notice.js';
import { StatusBar } from './components/StatusBar.js';
import { TimeframePicker } from './components/TimeframePicker.js';
import { VenuePicker } from './components/VenuePicker.js';
import { useAppState } from './services.js';

/** The shell: controls on top, the chart in the middle, connection states at the bottom. */
export function App({ transport }: { transport: 'ipc' | 'websocket' }) {
  const instrument = useAppState((s) => s.layout.instrument);
  const interval = useAppState((s) => s.layout.interval);
  const venuesLoaded = useAppState((s) => s.venuesLoaded);
  const venueCount = useAppState((s) => s.venues.length);
  const searched = useAppState((s) => s.instrumentSearch.status !== 'loading' && s.layout.venue !== undefined);

  return (
    <div className="app">
      <header className="top-bar">
        <h1 className="brand">Switchboard</h1>
        <nav className="controls" aria-label="Chart controls">
          <VenuePicker />
          <InstrumentPicker />
          <TimeframePicker />
        </nav>
      </header>
      <Notice />
      <main className="workspace">
        {instrument ? (
          <Chart instrument={instrument} interval={interval} />
        ) : (
          <p className="placeholder" role="status">
            {!venuesLoaded
              ? 'Connecting…'
              : venueCount === 0
                ? 'No venues are configured.'
                : searched
                  ? 'Search for an instrument to chart it.'
                  : 'Looking for instruments…'}
          </p>
        )}
      </main>
      <StatusBar transport={transport} />
    </div>
  );
}
