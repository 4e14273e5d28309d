import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogicalRange, MouseEventParams, Time } from 'lightweight-charts';
import type { Candle, Instrument, Interval } from '../../common/domain.js';
import { priceLineText, VENUE_NAMES } from '../order-text.js';
import { useAppState, useServices } from '../services.js';
import { seriesKey } from '../store/series-key.js';
import { priceFormatFor } from './chart-bars.js';
import { CandleLegend, CrosshairLegend } from './CandleLegend.js';
import { createChartView, seriesTarget, type ChartView } from './chart-view.js';
import { ordersOnChart, PriceLines } from './price-lines.js';
import { followSeries, type FeedStatus, type SeriesFeed } from './series-feed.js';

export interface ChartProps {
  instrument: Instrument;
  interval: Interval;
}

/** Bars from the left edge at which the next older page is asked for. */
const LOAD_OLDER_MARGIN = 20;

/**
 * One candle chart with volume, the crosshair's candle, and the open orders of its
 * instrument as price lines. The chart is made once; series data never passes through props.
 */
export function Chart({ instrument, interval }: ChartProps) {
  const { bridge, store, latency } = useServices();
  const epoch = useAppState((s) => s.epoch);
  const orders = useAppState((s) => s.orders);
  const hostRef = useRef<HTMLDivElement>(null);
  const feedRef = useRef<SeriesFeed | null>(null);
  const [view, setView] = useState<ChartView | null>(null);
  const [status, setStatus] = useState<FeedStatus>({ state: 'loading' });
  const [hovered, setHovered] = useState<Candle | undefined>(undefined);
  const [olderLoading, setOlderLoading] = useState(false);

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
  const keyId = seriesKey({ venue, instrumentId, interval });
  // Why the venue is not delivering this chart's live bars, if it said so.
  const failure = useAppState((s) => s.subscriptionFailures[keyId]);
  // `epoch` changes when the far side restarted its session: subscribe again, refill from history.
  useEffect(() => {
    if (!view) return;
    const deps = latency ? { bridge, store, latency, onStatus: setStatus } : { bridge, store, onStatus: setStatus };
    const feed = followSeries(seriesTarget(view), { venue, instrumentId, interval }, deps);
    feedRef.current = feed;
    return () => {
      feedRef.current = null;
      feed.stop();
    };
  }, [view, bridge, store, latency, venue, instrumentId, interval, epoch]);

  // Older history when the left edge comes into view.
  useEffect(() => {
    if (!view) return;
    const onRange = (range: LogicalRange | null) => {
      const feed = feedRef.current;
      if (!range || !feed || range.from > LOAD_OLDER_MARGIN) return;
      setOlderLoading(true);
      void feed.loadOlder().finally(() => setOlderLoading(false));
    };
    const scale = view.chart.timeScale();
    scale.subscribeVisibleLogicalRangeChange(onRange);
    return () => scale.unsubscribeVisibleLogicalRangeChange(onRange);
  }, [view]);

  useEffect(() => {
    if (!view) return;
    const onMove = (p: MouseEventParams<Time>) => {
      const t = typeof p.time === 'number' ? p.time : undefined;
      setHovered(t === undefined ? undefined : feedRef.current?.candleAt(t));
    };
    view.chart.subscribeCrosshairMove(onMove);
    return () => view.chart.unsubscribeCrosshairMove(onMove);
  }, [view]);

  const onChart = useMemo(() => ordersOnChart(orders, instrument), [orders, instrument]);
  const lines = useMemo(() => (view ? new PriceLines(view.candles) : null), [view]);
  useEffect(() => {
    lines?.sync(onChart, instrument);
  }, [lines, onChart, instrument]);

  const title = `${instrument.symbol} ${interval} chart`;
  const linesLabel = `Price lines on ${instrument.symbol}`;
  return (
    <div className="chart">
      <div className="chart-legend">
        <CandleLegend keyId={keyId} />
        <CrosshairLegend candle={hovered} />
        {status.state === 'loading' && <span className="chart-note">Loading history…</span>}
        {olderLoading && <span className="chart-note">Loading older bars…</span>}
        {status.state === 'ready' && status.bars === 0 && <span className="chart-note">No history yet</span>}
        {status.state === 'error' && (
          <span className="chart-note chart-error" role="alert">
            {status.message}
          </span>
        )}
      </div>
      <ul className="order-chips" aria-label={linesLabel}>
        {onChart.map((o) => (
          <li key={`${o.venue}|${o.clientOrderId}`} className={o.status === 'unknown' ? 'status-unknown' : `side-${o.side}`}>
            {priceLineText(o, instrument)}
          </li>
        ))}
      </ul>
      {failure && (
        <p className="chart-failure" role="alert">
          {`${VENUE_NAMES[venue]} is not sending live ${instrument.symbol} ${interval} bars: ${failure.message} (${failure.code}). The chart shows history only; it resumes by itself if the venue starts sending.`}
        </p>
      )}
      <div
        ref={hostRef}
        className="chart-host"
        role="img"
        aria-label={title}
        aria-description={
          status.state === 'ready'
            ? `${status.bars} bars, ${status.gaps} gap${status.gaps === 1 ? '' : 's'}${status.olderExhausted ? ', no older history' : ''}; ${onChart.length} open order${onChart.length === 1 ? '' : 's'} drawn`
            : undefined
        }
      />
    </div>
  );
}
