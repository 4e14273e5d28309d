import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type MouseEvent as ReactMouseEvent, type PointerEvent as ReactPointerEvent } from 'react';
import type { LogicalRange, MouseEventParams, Time } from 'lightweight-charts';
import type { Candle, Dec, Instrument, Interval } from '../../common/domain.js';
import { add, sub } from '../../common/decimal.js';
import { newClientOrderId } from '../client-order-id.js';
import { priceLineText, quantityText, sideText, VENUE_NAMES } from '../order-text.js';
import { useAppState, useServices } from '../services.js';
import { seriesKey } from '../store/series-key.js';
import { priceFormatFor } from './chart-bars.js';
import { LineDrag } from './chart-drag.js';
import { applyChartTheme, CHART_PALETTES } from './chart-theme.js';
import type { ChartClock } from './chart-time.js';
import { fillMarkers, sendAmend } from './chart-trading.js';
import { applyChartClock, createChartView, seriesTarget, type ChartView } from './chart-view.js';
import { CandleLegend, CrosshairLegend } from './CandleLegend.js';
import { CursorMenu, type CursorMenuAt } from './CursorMenu.js';
import { chartLines, ordersOnChart, PriceLines, priceLabel, triggerKind, type ChartLine } from './price-lines.js';
import { followSeries, type FeedStatus, type SeriesFeed } from './series-feed.js';
import { useTheme } from './theme.js';

export interface ChartProps {
  instrument: Instrument;
  interval: Interval;
}

/** Bars from the left edge at which the next older page is asked for. */
const LOAD_OLDER_MARGIN = 20;
/** How near (px) the pointer must be to a line to pick it up. */
const GRAB_PX = 6;

/** A line's name for people: "Buy 1 lot limit" / "Sell 0.01 SL". */
function lineName(l: ChartLine, instrument: Instrument): string {
  const what = l.field === 'triggerPrice' ? triggerKind(l.order.type) : 'limit';
  return `${sideText(l.order.side)} ${quantityText(l.order.quantity, instrument)} ${what}`;
}

/**
 * One candle chart with volume, the crosshair's candle, the trader's fills as markers, and
 * the working orders of its instrument as lines to drag (amend), cancel (×) or, with a
 * right-click, to place at. The chart is made once; series data never passes through props.
 */
export function Chart({ instrument, interval }: ChartProps) {
  const { bridge, store, latency } = useServices();
  const epoch = useAppState((s) => s.epoch);
  const orders = useAppState((s) => s.orders);
  const zone = useAppState((s) => s.prefs.chartTimeZone);
  const theme = useTheme();
  const hostRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const feedRef = useRef<SeriesFeed | null>(null);
  const [view, setView] = useState<ChartView | null>(null);
  const [status, setStatus] = useState<FeedStatus>({ state: 'loading' });
  const [hovered, setHovered] = useState<Candle | undefined>(undefined);
  const [olderLoading, setOlderLoading] = useState(false);
  const [menu, setMenu] = useState<CursorMenuAt | undefined>(undefined);
  const closeMenu = useCallback(() => setMenu(undefined), []);

  const venue = instrument.venue;
  const instrumentId = instrument.id;
  const clock: ChartClock = useMemo(() => ({ zone, venue, interval }), [zone, venue, interval]);
  const themeRef = useRef(theme);
  themeRef.current = theme;
  const clockRef = useRef(clock);
  clockRef.current = clock;

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    // Made once with what is in force now; later switches are applied live below.
    const created = createChartView(host, themeRef.current, clockRef.current);
    setView(created);
    return () => {
      setView(null);
      created.chart.remove();
    };
  }, []);

  useEffect(() => {
    if (view) applyChartTheme(view, theme);
  }, [view, theme]);
  useEffect(() => {
    if (view) applyChartClock(view.chart, clock);
  }, [view, clock]);

  useEffect(() => {
    view?.candles.applyOptions({ priceFormat: { type: 'price', ...priceFormatFor(instrument.priceStep) } });
  }, [view, instrument.priceStep]);

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

  // Dragging lines: one gesture at a time; React re-renders on each step of it.
  const [, setDragTick] = useState(0);
  const stepRef = useRef(instrument.priceStep);
  stepRef.current = instrument.priceStep;
  const instrumentRef = useRef(instrument);
  instrumentRef.current = instrument;
  const drag = useMemo(
    () =>
      new LineDrag(() => stepRef.current, {
        send: (target, to, amendId) => sendAmend(bridge, target, to, amendId),
        confirmFirst: () => store.getState().prefs.confirmAmends,
        makeId: newClientOrderId,
        onChange: () => setDragTick((n) => n + 1),
        onRefused: (target, to, reason) =>
          store.getState().notify({
            tone: 'error',
            title: `Amend refused: ${sideText(target.order.side)} ${instrumentRef.current.symbol} stays at ${target.from} (not ${to})`,
            detail: reason,
          }),
      }),
    [bridge, store],
  );

  const onChart = useMemo(() => ordersOnChart(orders, instrument), [orders, instrument]);
  const lines = chartLines(onChart, drag);
  const linesRef = useRef(lines);
  linesRef.current = lines;
  const palette = CHART_PALETTES[theme];
  const priceLines = useMemo(() => (view ? new PriceLines(view.candles) : null), [view]);
  useEffect(() => {
    priceLines?.sync(lines, instrument, palette);
  });

  // The trader's fills on their bars.
  const markers = useMemo(() => fillMarkers(orders, instrument, interval, palette), [orders, instrument, interval, palette]);
  useEffect(() => {
    view?.markers.setMarkers(markers);
  }, [view, markers]);

  // Line tags follow their lines as the price scale moves: placed each frame, outside React.
  const tagRefs = useRef(new Map<string, HTMLElement>());
  useEffect(() => {
    if (!view) return;
    let raf = 0;
    const place = () => {
      for (const l of linesRef.current) {
        const el = tagRefs.current.get(l.id);
        if (!el) continue;
        const y = view.candles.priceToCoordinate(Number(l.price));
        const top = y === null ? '-9999px' : `${Math.round(y)}px`;
        if (el.style.top !== top) el.style.top = top;
      }
      raf = requestAnimationFrame(place);
    };
    raf = requestAnimationFrame(place);
    return () => cancelAnimationFrame(raf);
  }, [view]);

  // Pointer gestures on the chart: grab a line near the pointer (before the chart pans).
  const grabbed = useRef<number | undefined>(undefined);
  const yOf = (e: { clientY: number }) => e.clientY - (stageRef.current?.getBoundingClientRect().top ?? 0);
  const lineNear = (y: number): ChartLine | undefined => {
    if (!view) return undefined;
    let best: { line: ChartLine; d: number } | undefined;
    for (const l of linesRef.current) {
      if (!l.draggable) continue;
      const ly = view.candles.priceToCoordinate(Number(l.price));
      if (ly === null) continue;
      const d = Math.abs(ly - y);
      if (d <= GRAB_PX && (!best || d < best.d)) best = { line: l, d };
    }
    return best?.line;
  };
  const endGesture = () => {
    grabbed.current = undefined;
    view?.chart.applyOptions({ handleScroll: true, handleScale: true });
  };
  const onPointerDownCapture = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || !view || (e.target as Element).closest('button')) return;
    setMenu(undefined);
    const tag = (e.target as Element).closest<HTMLElement>('[data-line-id]');
    const line = tag ? linesRef.current.find((l) => l.id === tag.dataset.lineId) : lineNear(yOf(e));
    if (!line?.draggable || !drag.start(line.order, line.field)) return;
    // Cancelling pointerdown keeps the chart's own mouse handling (panning) out of the gesture.
    e.preventDefault();
    e.stopPropagation();
    stageRef.current?.setPointerCapture(e.pointerId);
    grabbed.current = e.pointerId;
    view.chart.applyOptions({ handleScroll: false, handleScale: false });
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const stage = stageRef.current;
    if (!view || !stage) return;
    if (grabbed.current === e.pointerId) {
      const price = view.candles.coordinateToPrice(yOf(e));
      if (price !== null) drag.move(price);
      return;
    }
    const cursor = lineNear(yOf(e)) ? 'ns-resize' : '';
    if (stage.style.cursor !== cursor) stage.style.cursor = cursor;
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (grabbed.current !== e.pointerId) return;
    endGesture();
    drag.release();
  };
  const onPointerCancel = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (grabbed.current !== e.pointerId) return;
    endGesture();
    drag.cancel();
  };
  // Escape drops a drag or its confirm step, wherever the focus is.
  const phase = drag.phase().phase;
  useEffect(() => {
    if (phase === 'idle') return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      endGesture();
      drag.cancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  // A line's handle from the keyboard: arrows move it a tick, Enter amends, Escape drops.
  const onHandleKey = (e: ReactKeyboardEvent<HTMLElement>, l: ChartLine) => {
    const up = e.key === 'ArrowUp';
    if (up || e.key === 'ArrowDown') {
      e.preventDefault();
      const p = drag.phase();
      if (p.phase === 'idle' && !drag.start(l.order, l.field)) return;
      const now = drag.phase();
      if (now.phase !== 'dragging') return;
      const next: Dec = up ? add(now.at, instrument.priceStep) : sub(now.at, instrument.priceStep);
      drag.move(Number(next));
    } else if (e.key === 'Enter' && drag.phase().phase === 'dragging') {
      e.preventDefault();
      drag.release();
    }
  };

  // Right-click: place an order at the cursor's price.
  const onContextMenu = (e: ReactMouseEvent<HTMLDivElement>) => {
    if (!view) return;
    e.preventDefault();
    const price = view.candles.coordinateToPrice(yOf(e));
    if (price === null) return;
    const rect = stageRef.current?.getBoundingClientRect();
    const x = e.clientX - (rect?.left ?? 0);
    const y = yOf(e);
    setMenu({ x, y, price, up: y > (rect?.height ?? 0) / 2, left: x > (rect?.width ?? 0) / 2 });
  };

  const title = `${instrument.symbol} ${interval} chart`;
  const linesLabel = `Price lines on ${instrument.symbol}`;
  const d = drag.phase();
  return (
    <div className="chart">
      <div className="chart-legend">
        <CandleLegend keyId={keyId} clock={clock} />
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
        ref={stageRef}
        className="chart-stage"
        onPointerDownCapture={onPointerDownCapture}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerCancel}
        onContextMenu={onContextMenu}
      >
        <div
          ref={hostRef}
          className="chart-host"
          role="img"
          aria-label={title}
          aria-description={
            status.state === 'ready'
              ? `${status.bars} bars, ${status.gaps} gap${status.gaps === 1 ? '' : 's'}${status.olderExhausted ? ', no older history' : ''}; ${onChart.length} open order${onChart.length === 1 ? '' : 's'} drawn; ${markers.length} fill${markers.length === 1 ? '' : 's'} marked`
              : undefined
          }
        />
        {/* Over the chart, not in the legend: a legend that grows on hover would move the chart under the pointer. */}
        <CrosshairLegend candle={hovered} clock={clock} />
        <div className="line-tags" role="group" aria-label={`Order lines on ${instrument.symbol}`}>
          {lines.map((l) => (
            <div
              key={l.id}
              data-line-id={l.id}
              ref={(el) => {
                if (el) tagRefs.current.set(l.id, el);
                else tagRefs.current.delete(l.id);
              }}
              className={`line-tag side-${l.order.side} line-${l.state}${l.field === 'triggerPrice' ? ' line-trigger' : ''}`}
            >
              <span
                className="line-handle"
                role="slider"
                tabIndex={l.draggable ? 0 : -1}
                aria-label={`Move ${lineName(l, instrument)}`}
                aria-disabled={!l.draggable || undefined}
                aria-valuenow={Number(l.price)}
                aria-valuetext={`${priceLabel(l.price)}${l.state === 'pending' ? ', amending' : ''}`}
                aria-orientation="vertical"
                onKeyDown={(e) => onHandleKey(e, l)}
              >
                {l.field === 'triggerPrice' ? `${triggerKind(l.order.type)} ${priceLabel(l.price)}` : `${sideText(l.order.side)} ${priceLabel(l.price)}`}
                {l.state === 'pending' && ' …'}
              </span>
              <button
                type="button"
                className="line-cancel"
                aria-label={`Cancel order from chart: ${lineName(l, instrument)} at ${l.price}`}
                title="Cancel this order"
                onClick={() => void store.getState().cancelOrder(l.order)}
              >
                ×
              </button>
            </div>
          ))}
        </div>
        {d.phase === 'confirming' && (
          <AmendConfirm
            top={view?.candles.priceToCoordinate(Number(d.to)) ?? 0}
            text={`${lineName({ ...d.target, id: '', price: d.to, state: 'confirming', draggable: true }, instrument)}: ${priceLabel(d.target.from)} → ${priceLabel(d.to)}`}
            onConfirm={() => drag.confirm()}
            onBack={() => drag.cancel()}
          />
        )}
        {menu && <CursorMenu at={menu} instrument={instrument} keyId={keyId} onClose={closeMenu} />}
      </div>
    </div>
  );
}

/** The confirm step of a dragged line, beside it: Enter amends, Escape (or Keep) puts it back. */
function AmendConfirm({ top, text, onConfirm, onBack }: { top: number; text: string; onConfirm(): void; onBack(): void }) {
  const ok = useRef<HTMLButtonElement>(null);
  useEffect(() => ok.current?.focus(), []);
  return (
    // Above the line when there is room, so it covers neither the line nor what lies under the chart.
    <div
      className="amend-confirm"
      role="dialog"
      aria-label="Confirm amend"
      style={{ top: `${Math.round(top)}px`, transform: top > 60 ? 'translateY(calc(-100% - 10px))' : 'translateY(10px)' }}
    >
      <span>Amend {text}?</span>
      <button type="button" onClick={onBack}>
        Keep
      </button>
      <button ref={ok} type="button" className="primary" onClick={onConfirm}>
        Amend
      </button>
    </div>
  );
}
