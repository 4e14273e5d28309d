import { useEffect, useRef, useState } from 'react';
import type { Instrument, Interval } from '../../electron/domain.js';
import { useAppState, useServices } from '../services.js';
import { seriesKey } from '../store/series-key.js';
import { priceFormatFor } from './chart-bars.js';
import { CandleLegend } from './CandleLegend.js';
import { createChartView, seriesTarget, type ChartView } from './chart-view.js';
import { followSeries, type FeedStatus } from './series-feed.js';

export interface ChartProps {
  instrument: Instrument;
  interval: Interval;
}

/** One candle chart with volume. The chart is made once; series data never passes through props. */
export function Chart({ instrument, interval }: ChartProps) {
  const { bridge, store } = useServices();
  const epoch = useAppState((s) => s.epoch);
  const hostRef = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<ChartView | null>(null);
  const [status, setStatus] = useState<FeedStatus>({ state: 'loading' });

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const created = createChartView(host);
    setView(created);
    return () => {
      setView(null);
      created.chart.remove();
    };
  }, []);

  useEffect(() => {
    view?.candles.applyOptions({ priceFormat: { type: 'price', ...priceFormatFor(instrument.priceStep) } });
  }, [view, instrument.priceStep]);

  const venue = instrument.venue;
  const instrumentId = instrument.id;
  // `epoch` changes when the far side restarted its session: subscribe again, refill from history.
  useEffect(() => {
    if (!view) return;
    return followSeries(seriesTarget(view), { venue, instrumentId, interval }, { bridge, store, onStatus: setStatus });
  }, [view, bridge, store, venue, instrumentId, interval, epoch]);

  const title = `${instrument.symbol} ${interval} chart`;
  return (
    <section className="chart-panel" aria-label={`${instrument.symbol} ${interval}`}>
      <div className="chart-legend">
        <span className="chart-symbol">
          {instrument.symbol} · {interval}
        </span>
        <CandleLegend keyId={seriesKey({ venue, instrumentId, interval })} />
        {status.state === 'loading' && <span className="chart-note">Loading history…</span>}
        {status.state === 'ready' && status.bars === 0 && <span className="chart-note">No history yet</span>}
        {status.state === 'error' && (
          <span className="chart-note chart-error" role="alert">
            {status.message}
          </span>
        )}
      </div>
      <div ref={hostRef} className="chart-host" role="img" aria-label={title} />
    </section>
  );
}
