import { useEffect, useId, useRef, useState, type MouseEvent } from 'react';
import type { Side } from '../../../common/domain.js';
import { VENUE_NAMES } from '../../order-text.js';
import { useAppState, useSampledAppState, useServices } from '../../services.js';
import { activeSlot } from '../../store/layout.js';
import { bookKeyId } from '../../store/market.js';
import { useMarketFeed } from '../market-feed.js';
import { DomLadderSurface } from './dom-ladder-surface.js';
import { LadderPainter, paintFromStore } from './ladder-painter.js';
import { defaultDepth } from './ladder-rows.js';

/** Health is read this often: a trader glances at it, it need not move every frame. */
const HEALTH_EVERY_MS = 250;

/**
 * The depth ladder (DOM) of the active chart's instrument: sizes per price, the spread, our
 * own working orders at their levels, and how far the book can be trusted. The rows are
 * painted imperatively in the frame the book arrived (ladder-painter.ts); React draws the rest.
 */
export function DepthLadder() {
  const { store, bookLatency } = useServices();
  const instrument = useAppState((s) => activeSlot(s).instrument);
  const depths = useAppState((s) => s.venues.find((v) => v.id === instrument?.venue)?.bookDepths);
  const [chosen, setChosen] = useState<number | undefined>(undefined);
  const offered = depths ?? [];
  const depth = chosen !== undefined && offered.includes(chosen) ? chosen : defaultDepth(offered);
  const key = instrument && depth !== undefined ? { venue: instrument.venue, instrumentId: instrument.id, stream: 'book' as const, depth } : undefined;
  useMarketFeed(key);
  const keyId = key ? bookKeyId(key.venue, key.instrumentId, key.depth) : '';
  const health = useSampledAppState(`h|${keyId}`, (s) => s.books[keyId]?.health, HEALTH_EVERY_MS);
  const hasBook = useAppState((s) => keyId !== '' && s.books[keyId] !== undefined);
  const failure = useAppState((s) => s.marketFailures[keyId]);
  const oneClick = useAppState((s) => s.oneClick);
  const body = useRef<HTMLTableSectionElement>(null);
  const ids = useId();

  useEffect(() => {
    const el = body.current;
    if (!el || !keyId) return undefined;
    el.replaceChildren();
    return paintFromStore(store, keyId, new LadderPainter(new DomLadderSurface(el), bookLatency ? (b) => bookLatency.painted(b) : undefined));
  }, [store, keyId, bookLatency]);

  const onClick = (e: MouseEvent<HTMLTableSectionElement>) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-side]');
    const price = button?.dataset.price;
    const side = button?.dataset.side as Side | undefined;
    if (!price || !side || button.textContent === '') return;
    store.getState().presetTicket({ side, price, send: store.getState().oneClick });
  };

  if (!instrument) {
    return (
      <section className="ladder" aria-label="Depth ladder">
        <h2>Depth</h2>
        <p className="muted">Choose an instrument on a chart.</p>
      </section>
    );
  }
  const warn = failure !== undefined || (health !== undefined && (!health.consistent || health.failures > 0));
  return (
    <section className="ladder" aria-label={`Depth ladder ${instrument.symbol}`}>
      <header className="ladder-head">
        <h2>
          Depth <span className="muted">{instrument.symbol}</span>
        </h2>
        {offered.length > 0 && (
          <label className="ladder-depth">
            <span className="visually-hidden">Book depth</span>
            <select aria-label="Book depth" value={depth} onChange={(e) => setChosen(Number(e.target.value))}>
              {offered.map((d) => (
                <option key={d} value={d}>
                  {d} levels
                </option>
              ))}
            </select>
          </label>
        )}
      </header>
      {offered.length === 0 && <p className="muted">{VENUE_NAMES[instrument.venue]} streams no order book here.</p>}
      {failure && (
        <p className="field-problem" role="alert">
          No book: {failure.code === failure.message ? failure.message : `${failure.code}: ${failure.message}`}
        </p>
      )}
      {health && (
        <p className={`ladder-health${warn ? ' warn' : ''}`} role="status" aria-label="Book health">
          {warn && '⚠ '}
          {!health.consistent ? 'Book not consistent — resyncing · ' : ''}
          {health.verification === 'checksum' ? 'checksums' : 'snapshots'} {health.verified} verified · {health.failures} failed · {health.resyncs} resyncs
        </p>
      )}
      <table className="ladder-table" hidden={offered.length === 0} aria-label={`Order book ${instrument.symbol}`} aria-describedby={`${ids}-help`}>
        <thead>
          <tr>
            <th scope="col" title="Our buy orders at this price">Mine</th>
            <th scope="col">Bid</th>
            <th scope="col">Price</th>
            <th scope="col">Ask</th>
            <th scope="col" title="Our sell orders at this price">Mine</th>
          </tr>
        </thead>
        <tbody ref={body} onClick={onClick} />
      </table>
      {!hasBook && offered.length > 0 && !failure && <p className="muted">Waiting for the book…</p>}
      <p id={`${ids}-help`} className="field-hint" hidden={offered.length === 0}>
        Click a bid size to buy at that price, an ask size to sell at it: the ticket takes a limit order there
        {oneClick ? ' and, with one-click trading on, sends it at once.' : '.'}
      </p>
    </section>
  );
}
