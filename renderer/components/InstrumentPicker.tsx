import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { kindText } from '../instrument-text.js';
import type { Instrument } from '../../common/domain.js';
import { VENUE_NAMES } from '../order-text.js';
import { useAppState, useServices } from '../services.js';
import { activeSlot } from '../store/layout.js';

/** Waits this long after the last keystroke before asking the venues. */
const SEARCH_DELAY_MS = 200;

function optionLabel(i: Instrument): string {
  return `${i.symbol} — ${i.name} · ${kindText(i)} · ${VENUE_NAMES[i.venue]}`;
}

interface SearchState {
  results: Instrument[];
  status: 'idle' | 'loading' | 'error';
  error?: string;
}

export interface InstrumentSearchProps {
  label: string;
  listLabel: string;
  placeholder: string;
  /** Shown in the box while it is closed. */
  current?: Instrument;
  onPick(instrument: Instrument): void;
}

/**
 * An editable combobox with a list popup (ARIA combobox pattern) searching every connected
 * venue at once: arrows move, Enter picks, Escape closes. Only the newest search may answer.
 */
export function InstrumentSearch({ label, listLabel, placeholder, current, onPick }: InstrumentSearchProps) {
  const { store } = useServices();
  const anyVenue = useAppState((s) => s.venues.length > 0);
  const [text, setText] = useState(current?.symbol ?? '');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [search, setSearch] = useState<SearchState>({ results: [], status: 'idle' });
  const latest = useRef(0);
  const listId = useId();
  const optionId = (i: number) => `${listId}-option-${i}`;

  useEffect(() => {
    if (!open) setText(current?.symbol ?? '');
  }, [current, open]);

  useEffect(() => {
    if (!open) return;
    // Opening on the current symbol lists everything a venue lists unasked, not just the current one.
    const query = text === current?.symbol ? '' : text.trim();
    const ticket = ++latest.current;
    setSearch((s) => ({ ...s, status: 'loading' }));
    const timer = setTimeout(() => {
      void store
        .getState()
        .searchEverywhere(query)
        .then(({ results, failures }) => {
          if (ticket !== latest.current) return;
          if (results.length === 0 && failures.length > 0) {
            setSearch({ results, status: 'error', error: failures.map((f) => `${VENUE_NAMES[f.venue]}: ${f.message}`).join('; ') });
          } else setSearch({ results, status: 'idle' });
        });
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [open, text, store, current]);

  const results = search.results;
  const choose = (instrument: Instrument) => {
    onPick(instrument);
    setText(current?.symbol ?? instrument.symbol);
    setOpen(false);
  };
  const close = () => {
    setOpen(false);
    setText(current?.symbol ?? '');
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
        aria-label={label}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && results[active] ? optionId(active) : undefined}
        aria-busy={search.status === 'loading'}
        placeholder={anyVenue ? placeholder : 'No venue'}
        disabled={!anyVenue}
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
      <ul id={listId} role="listbox" aria-label={listLabel} className="instrument-list" hidden={!expanded}>
        {results.map((instrument, i) => (
          <li
            key={`${instrument.venue}|${instrument.id}`}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            className={instrument.venue === current?.venue && instrument.id === current.id ? 'current' : undefined}
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

/** The toolbar's instrument box: what the active chart shows. */
export function InstrumentPicker() {
  const { store } = useServices();
  const current = useAppState((s) => activeSlot(s).instrument);
  return (
    <InstrumentSearch
      label="Instrument"
      listLabel="Instruments"
      placeholder="Search instruments"
      {...(current ? { current } : {})}
      onPick={(i) => store.getState().selectInstrument(i)}
    />
  );
}
