import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import type { Instrument } from '../../electron/domain.js';
import { useAppState, useServices } from '../services.js';

/** Waits this long after the last keystroke before asking the venue. */
const SEARCH_DELAY_MS = 200;

function optionLabel(i: Instrument): string {
  return `${i.symbol} — ${i.name}`;
}

/**
 * An editable combobox with a list popup (ARIA combobox pattern): typing searches the
 * selected venue through instruments.search; arrows move, Enter picks, Escape closes.
 */
export function InstrumentPicker() {
  const { store } = useServices();
  const venue = useAppState((s) => s.layout.venue);
  const selected = useAppState((s) => s.layout.instrument);
  const search = useAppState((s) => s.instrumentSearch);
  const [text, setText] = useState(selected?.symbol ?? '');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  const optionId = (i: number) => `${listId}-option-${i}`;

  useEffect(() => {
    if (!open) setText(selected?.symbol ?? '');
  }, [selected, open]);

  useEffect(() => {
    if (!open || !venue) return;
    // Opening on the current symbol lists everything, not just the current instrument.
    const query = text === selected?.symbol ? '' : text;
    const timer = setTimeout(() => void store.getState().searchInstruments(query), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [open, text, venue, store, selected]);

  const results = search.results;
  const choose = (instrument: Instrument) => {
    store.getState().selectInstrument(instrument);
    setText(instrument.symbol);
    setOpen(false);
  };
  const close = () => {
    setOpen(false);
    setText(selected?.symbol ?? '');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) {
        setOpen(true);
        setActive(0);
        return;
      }
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((a) => (results.length === 0 ? 0 : (a + step + results.length) % results.length));
    } else if (e.key === 'Enter') {
      const pick = results[active];
      if (open && pick) {
        e.preventDefault();
        choose(pick);
      }
    } else if (e.key === 'Escape') {
      if (open) e.preventDefault();
      close();
    }
  };

  const expanded = open && results.length > 0;
  return (
    <div className="instrument-picker">
      <input
        type="text"
        role="combobox"
        aria-label="Instrument"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && results[active] ? optionId(active) : undefined}
        aria-busy={search.status === 'loading'}
        placeholder={venue ? 'Search instruments' : 'No venue'}
        disabled={!venue}
        spellCheck={false}
        autoComplete="off"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={(e) => e.target.select()}
        onClick={() => setOpen(true)}
        onBlur={close}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label="Instruments" className="instrument-list" hidden={!expanded}>
        {results.map((instrument, i) => (
          <li
            key={`${instrument.venue}|${instrument.id}`}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            className={instrument.id === selected?.id ? 'current' : undefined}
            // mousedown, not click: the input's blur would close the list before a click lands.
            onMouseDown={(e) => {
              e.preventDefault();
              choose(instrument);
            }}
            onMouseEnter={() => setActive(i)}
          >
            {optionLabel(instrument)}
          </li>
        ))}
      </ul>
      {open && search.status === 'error' && (
        <span className="picker-error" role="alert">
          Search failed: {search.error}
        </span>
      )}
      {open && search.status === 'idle' && results.length === 0 && (
        <span className="picker-empty" role="status">
          No instruments match
        </span>
      )}
    </div>
  );
}
