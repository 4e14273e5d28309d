import type { Interval } from '../../common/domain.js';
import { useAppState, useServices } from '../services.js';
import { activeSlot } from '../store/layout.js';
import { CHART_INTERVALS } from '../store/series-key.js';
import { SegmentedRadio } from './SegmentedRadio.js';

const SPOKEN: Readonly<Record<Interval, string>> = {
  '1m': '1 minute',
  '5m': '5 minutes',
  '15m': '15 minutes',
  '1h': '1 hour',
  '4h': '4 hours',
  '1d': '1 day',
  '1w': '1 week',
};

/** The active chart's timeframe, among those its venue offers. */
export function TimeframePicker() {
  const { store } = useServices();
  const interval = useAppState((s) => activeSlot(s).interval);
  const offered = useAppState((s) => s.venues.find((v) => v.id === activeSlot(s).venue)?.intervals);
  const intervals = CHART_INTERVALS.filter((iv) => !offered || offered.includes(iv));
  return (
    <SegmentedRadio
      label="Timeframe"
      className="timeframes"
      choices={intervals.map((iv) => ({ value: iv, label: iv, title: SPOKEN[iv] }))}
      value={interval}
      onChange={(iv) => store.getState().selectInterval(iv)}
    />
  );
}
