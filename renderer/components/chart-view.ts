/** The lightweight-charts instance: a candle series and a volume histogram on its own scale. */
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  createChart,
  type IChartApi,
  type ISeriesApi,
} from 'lightweight-charts';
import { DOWN_COLOR, UP_COLOR } from './chart-bars.js';
import type { SeriesTarget } from './series-feed.js';

export interface ChartView {
  chart: IChartApi;
  candles: ISeriesApi<'Candlestick'>;
  volume: ISeriesApi<'Histogram'>;
}

export function createChartView(host: HTMLElement): ChartView {
  const chart = createChart(host, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: '#11141a' },
      textColor: '#c7cdd6',
      fontFamily: 'system-ui, sans-serif',
      // The logo injects a <style> element, which our CSP refuses; the status bar carries the attribution.
      attributionLogo: false,
    },
    grid: { vertLines: { color: '#1d222b' }, horzLines: { color: '#1d222b' } },
    rightPriceScale: { borderColor: '#2a303b' },
    // Times are UTC seconds; the chart has no time zones, so its axis reads UTC too.
    timeScale: { borderColor: '#2a303b', timeVisible: true, secondsVisible: false },
    // Free crosshair with price and time labels; the legend shows the exact candle under it.
    crosshair: {
      mode: CrosshairMode.Normal,
      horzLine: { labelBackgroundColor: '#2a303b' },
      vertLine: { labelBackgroundColor: '#2a303b' },
    },
  });
  const candles = chart.addSeries(CandlestickSeries, {
    upColor: UP_COLOR,
    downColor: DOWN_COLOR,
    wickUpColor: UP_COLOR,
    wickDownColor: DOWN_COLOR,
    borderVisible: false,
  });
  const volume = chart.addSeries(HistogramSeries, {
    priceFormat: { type: 'volume' },
    priceScaleId: '',
    lastValueVisible: false,
    priceLineVisible: false,
  });
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.7, bottom: 0 } });
  return { chart, candles, volume };
}

export function seriesTarget(view: ChartView): SeriesTarget {
  return {
    candles: view.candles,
    volume: view.volume,
    scrollToRealTime: () => view.chart.timeScale().scrollToRealTime(),
  };
}
