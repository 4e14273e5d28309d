/**
 * The charts' colours per theme. The page's colours are CSS variables (styles.css); the chart
 * draws on a canvas and takes its colours as options, so both themes are spelled out here and
 * applied live with applyOptions on a switch. Buy and sell colours are darker on the light
 * theme: the dark theme's teal on white is under 3:1 (WCAG's floor for graphics).
 */
import { ColorType, type IChartApi, type ISeriesApi } from 'lightweight-charts';
import type { Theme } from '../store/prefs.js';

export interface ChartPalette {
  background: string;
  text: string;
  grid: string;
  border: string;
  up: string;
  down: string;
  /** An order whose outcome is unknown, and an amend on its way. */
  unknown: string;
  pending: string;
}

export const CHART_PALETTES: Readonly<Record<Theme, ChartPalette>> = {
  dark: {
    background: '#11141a',
    text: '#c7cdd6',
    grid: '#1d222b',
    border: '#2a303b',
    up: '#26a69a',
    down: '#ef5350',
    unknown: '#e0b341',
    pending: '#8fa8d8',
  },
  light: {
    background: '#ffffff',
    text: '#1f2430',
    grid: '#eceff3',
    border: '#c9cfd8',
    up: '#00796b',
    down: '#c62828',
    unknown: '#9a6b00',
    pending: '#3b5ea8',
  },
};

/** The chart-wide options of a theme: layout, grid, scales, crosshair labels. */
export function chartThemeOptions(p: ChartPalette) {
  return {
    layout: { background: { type: ColorType.Solid, color: p.background }, textColor: p.text },
    grid: { vertLines: { color: p.grid }, horzLines: { color: p.grid } },
    rightPriceScale: { borderColor: p.border },
    timeScale: { borderColor: p.border },
    crosshair: { horzLine: { labelBackgroundColor: p.border }, vertLine: { labelBackgroundColor: p.border } },
  };
}

export function candleThemeOptions(p: ChartPalette) {
  return { upColor: p.up, downColor: p.down, wickUpColor: p.up, wickDownColor: p.down };
}

function channel(hex: string, at: number): number {
  const c = parseInt(hex.slice(at, at + 2), 16) / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  return 0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5);
}

/** WCAG contrast ratio of two #rrggbb colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** What a theme switch touches of a live chart. */
export interface ThemedChart {
  chart: Pick<IChartApi, 'applyOptions'>;
  candles: Pick<ISeriesApi<'Candlestick'>, 'applyOptions'>;
}

/** Re-colours a live chart; data, scroll position and lines stay. */
export function applyChartTheme(view: ThemedChart, theme: Theme): void {
  const palette = CHART_PALETTES[theme];
  view.chart.applyOptions(chartThemeOptions(palette));
  view.candles.applyOptions(candleThemeOptions(palette));
}
