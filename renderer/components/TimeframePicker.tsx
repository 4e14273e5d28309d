import { useRef, type KeyboardEvent } from 'react';
import type { Interval } from '../../electron/domain.js';
import { useAppState, useServices } from '../services.js';
import { CHART_INTERVALS } from '../store/series-key.js';

const SPOKEN: Readonly<Record<Interval, string>> = {
  '1m': '1 minute',
  '5m': '5 minutes',
  '15m': '15 minutes',
  '1h': '1 hour',
  '1d': '1 day',
};

/** A radio group (one tab stop, arrows move the choice), as the ARIA radio group pattern has it. */
export function TimeframePicker() {
  const { store } = useServices();
  const interval = useAppState((s) => s.layout.interval);
  const offered = useAppState((s) => s.venues.find((v) => v.id === s.layout.venue)?.intervals);
  const intervals = CHART_INTERVALS.filter((iv) => !offered || offered.includes(iv));
  const buttons = useRef(new Map<Interval, HTMLButtonElement>());

  const choose = (iv: Interval) => {
    store.getState().selectInterval(iv);
    buttons.current.get(iv)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = intervals.indexOf(interval);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    let next: Interval | undefined;
    if (step !== undefined) next = intervals[(i + step + intervals.length) % intervals.length];
    else if (e.key === 'Home') next = intervals[0];
    else if (e.key === 'End') next = intervals[intervals.length - 1];
    if (!next) return;
    e.preventDefault();
    choose(next);
  };

  return (
    <div className="timeframes" role="radiogroup" aria-label="Timeframe" onKeyDown={onKeyDown}>
      {intervals.map((iv) => (
        <button
          key={iv}
          ref={(el) => {
            if (el) buttons.current.set(iv, el);
            else buttons.current.delete(iv);
          }}
          type="button"
          role="radio"
          aria-checked={iv === interval}
          tabIndex={iv === interval ? 0 : -1}
          title={SPOKEN[iv]}
          onClick={() => choose(iv)}
        >
          {iv}
        </button>
      ))}
    </div>
  );
}
