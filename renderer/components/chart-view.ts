/** The lightweight-charts instance: a candle series, a volume histogram on its own scale, and fill markers. */
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type Time,
} from 'lightweight-charts';
import type { Theme } from '../store/prefs.js';
import { CHART_PALETTES, candleThemeOptions, chartThemeOptions } from './chart-theme.js';
import { crosshairTimeText, tickText, type ChartClock } from './chart-time.js';
import type { SeriesTarget } from './series-feed.js';

export interface ChartView {
  chart: IChartApi;
  candles: ISeriesApi<'Candlestick'>;
  volume: ISeriesApi<'Histogram'>;
  markers: ISeriesMarkersPluginApi<Time>;
}

/** Without a clock the axis reads UTC (the library's own labels). */
export function createChartView(host: HTMLElement, theme: Theme = 'dark', clock?: ChartClock): ChartView {
  const palette = CHART_PALETTES[theme];
  const themed = chartThemeOptions(palette);
  const chart = createChart(host, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: palette.background },
      textColor: palette.text,
      fontFamily: 'system-ui, sans-serif',
      // The logo injects a <style> element, which our CSP refuses; the status bar carries the attribution.
      attributionLogo: false,
    },
    grid: themed.grid,
    rightPriceScale: themed.rightPriceScale,
    timeScale: { ...themed.timeScale, timeVisible: true, secondsVisible: false },
    // Free crosshair with price and time labels; the legend shows the exact candle under it.
    crosshair: { mode: CrosshairMode.Normal, ...themed.crosshair },
  });
  if (clock) applyChartClock(chart, clock);
  const candles = chart.addSeries(CandlestickSeries, { ...candleThemeOptions(palette), borderVisible: false });
  const volume = chart.addSeries(HistogramSeries, {
    priceFormat: { type: 'volume' },
    priceScaleId: '',
    lastValueVisible: false,
    priceLineVisible: false,
  });
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.7, bottom: 0 } });
  const markers = createSeriesMarkers(candles, []);
  return { chart, candles, volume, markers };
}

/**
 * The chart keeps UTC seconds (it has no zones); the axis and crosshair labels are written in
 * the trader's zone by our formatters, the same ones the legends use.
 */
export function applyChartClock(chart: IChartApi, clock: ChartClock): void {
  const seconds = (t: Time): number | undefined => (typeof t === 'number' ? t : undefined);
  chart.applyOptions({
    localization: {
      timeFormatter: (t: Time) => {
        const s = seconds(t);
        return s === undefined ? String(t) : crosshairTimeText(s, clock);
      },
    },
    timeScale: {
      tickMarkFormatter: (t: Time, type: number) => {
        const s = seconds(t);
        return s === undefined ? null : tickText(s, type, clock);
      },
    },
  });
}

export function seriesTarget(view: ChartView): SeriesTarget {
  return {
    candles: view.candles,
    volume: view.volume,
    scrollToRealTime: () => view.chart.timeScale().scrollToRealTime(),
  };
}
