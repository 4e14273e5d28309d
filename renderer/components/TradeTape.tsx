import { useRef, useState } from 'react';
import type { TradePrint } from '../../common/domain.js';
import { clockTime, sideText } from '../order-text.js';
import { useAppState, useSampledAppState } from '../services.js';
import { activeSlot } from '../store/layout.js';
import { instrumentMarketKey } from '../store/market.js';
import { useMarketFeed } from './market-feed.js';

/** Prints shown: a screenful; the store keeps more. */
const SHOWN = 100;
/** The tape is read this often: readable, and no React work per frame. */
const TAPE_EVERY_MS = 100;
const NONE: readonly TradePrint[] = [];

/** Time and sale of the active chart's instrument: newest on top; holds still while the pointer is on it. */
export function TradeTape() {
  const instrument = useAppState((s) => activeSlot(s).instrument);
  const key = instrument ? instrumentMarketKey(instrument.venue, instrument.id) : '';
  useMarketFeed(instrument ? { venue: instrument.venue, instrumentId: instrument.id, stream: 'trades' } : undefined);
  const live = useSampledAppState(`t|${key}`, (s) => s.tapes[key] ?? NONE, TAPE_EVERY_MS);
  const failure = useAppState((s) => s.marketFailures[`${key}|trades`]);
  const [held, setHeld] = useState<readonly TradePrint[] | undefined>(undefined);
  const heldKey = useRef('');
  if (held && heldKey.current !== key) setHeld(undefined);
  const shown = (held ?? live).slice(0, SHOWN);
  const newer = held ? live.findIndex((p) => p === held[0]) : 0;

  return (
    <section
      className="tape"
      aria-label={instrument ? `Trades ${instrument.symbol}` : 'Trades'}
      onMouseEnter={() => {
        heldKey.current = key;
        setHeld(live);
      }}
      onMouseLeave={() => setHeld(undefined)}
    >
      <h2>
        Trades {held && <span className="tape-paused">paused{newer > 0 ? ` · ${newer} new` : newer < 0 ? ' · more new' : ''}</span>}
      </h2>
      {failure && (
        <p className="field-problem" role="alert">
          No trades: {failure.message}
        </p>
      )}
      <table aria-label="Trade tape">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Price</th>
            <th scope="col">Size</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((p) => (
            <tr key={p.tradeId} className={p.side ? `tape-${p.side}` : undefined} title={p.side ? `${sideText(p.side)} taker` : 'Side not given'}>
              <td>{clockTime(p.time)}</td>
              <td>{p.price}</td>
              <td>{p.quantity}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {instrument && shown.length === 0 && !failure && <p className="muted">No trades yet.</p>}
    </section>
  );
}
