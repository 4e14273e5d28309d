import type { Candle } from '../../common/domain.js';
import { describeCandle, describeHovered } from '../format.js';
import { useAppState } from '../services.js';

/**
 * The last candle as text, for eyes and for assistive tech and tests alike. It re-renders at
 * most once per frame (the store commits pushed data once per frame). Not announced: a
 * ticking price read aloud every frame would drown everything else.
 */
export function CandleLegend({ keyId }: { keyId: string }) {
  const candle = useAppState((s) => s.lastCandles[keyId]);
  return (
    <span className="chart-ohlc" role="status" aria-live="off" aria-label="Last candle">
      {candle ? describeCandle(candle) : 'Last: no candle yet'}
    </span>
  );
}

/** The candle under the crosshair, exact, while the pointer is over the chart. */
export function CrosshairLegend({ candle }: { candle: Candle | undefined }) {
  if (!candle) return null;
  return (
    <span className="chart-ohlc chart-hover" role="status" aria-live="off" aria-label="Crosshair candle">
      {describeHovered(candle)}
    </span>
  );
}
