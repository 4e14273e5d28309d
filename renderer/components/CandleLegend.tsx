import type { Candle } from '../../common/domain.js';
import { useAppState } from '../services.js';
import { barTimeText, type ChartClock } from './chart-time.js';

/** The legend line; prices stay the exact decimals the venue sent, the time reads in the chart's zone. */
export function describeCandle(c: Candle, clock: ChartClock): string {
  return `Last: O ${c.open} H ${c.high} L ${c.low} C ${c.close} V ${c.volume} at ${barTimeText(c.time, clock)}`;
}

/** The candle under the crosshair, with the same time the crosshair's label shows. */
export function describeHovered(c: Candle, clock: ChartClock): string {
  return `${barTimeText(c.time, clock)}: O ${c.open} H ${c.high} L ${c.low} C ${c.close} V ${c.volume}`;
}

/**
 * The last candle as text, for eyes and for assistive tech and tests alike. It re-renders at
 * most once per frame (the store commits pushed data once per frame). Not announced: a
 * ticking price read aloud every frame would drown everything else.
 */
export function CandleLegend({ keyId, clock }: { keyId: string; clock: ChartClock }) {
  const candle = useAppState((s) => s.lastCandles[keyId]);
  return (
    <span className="chart-ohlc" role="status" aria-live="off" aria-label="Last candle">
      {candle ? describeCandle(candle, clock) : 'Last: no candle yet'}
    </span>
  );
}

/** The candle under the crosshair, exact, while the pointer is over the chart. */
export function CrosshairLegend({ candle, clock }: { candle: Candle | undefined; clock: ChartClock }) {
  if (!candle) return null;
  return (
    <span className="chart-ohlc chart-hover" role="status" aria-live="off" aria-label="Crosshair candle">
      {describeHovered(candle, clock)}
    </span>
  );
}
