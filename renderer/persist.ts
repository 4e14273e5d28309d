/**
 * The workspace (layout, each chart's instrument and interval, the watchlist) kept in
 * localStorage across restarts. What is read back is checked field by field: a stale or
 * hand-edited entry falls back to the default instead of breaking the start. The one-click
 * switch is deliberately not kept: every start asks to confirm orders until told otherwise.
 */
import type { Instrument, Interval, VenueId } from '../common/domain.js';
import { VENUE_IDS } from '../common/domain.js';
import type { AppStore } from './store/app-store.js';
import { CHART_SLOTS, defaultWorkspace, LAYOUT_SIZES, type ChartSlot, type LayoutSize, type Workspace } from './store/layout.js';
import { CHART_INTERVALS } from './store/series-key.js';
import { CHART_TIME_ZONES, defaultPrefs, THEME_CHOICES, type Prefs } from './store/prefs.js';

export const WORKSPACE_KEY = 'switchboard.workspace.v1';
/** Its own key: a workspace saved before preferences existed loads as it was. */
export const PREFS_KEY = 'switchboard.prefs.v1';

/** What the store needs of localStorage (injected so tests run in Node). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isVenue(v: unknown): v is VenueId {
  return typeof v === 'string' && (VENUE_IDS as readonly string[]).includes(v);
}

function isInterval(v: unknown): v is Interval {
  return typeof v === 'string' && (CHART_INTERVALS as readonly string[]).includes(v);
}

const DEC = /^\d+(\.\d+)?$/;

function asInstrument(v: unknown): Instrument | undefined {
  if (!isRecord(v) || !isVenue(v.venue)) return undefined;
  const strings = ['id', 'symbol', 'name', 'currency'] as const;
  const decimals = ['priceStep', 'qtyStep', 'lotSize', 'minQty'] as const;
  if (!strings.every((k) => typeof v[k] === 'string')) return undefined;
  if (!decimals.every((k) => typeof v[k] === 'string' && DEC.test(v[k]))) return undefined;
  if (v.qtyUnit !== 'lot' && v.qtyUnit !== 'base') return undefined;
  if (typeof v.tradable !== 'boolean') return undefined;
  const codes: Record<string, string> = {};
  if (isRecord(v.codes)) for (const [k, c] of Object.entries(v.codes)) if (typeof c === 'string') codes[k] = c;
  return {
    venue: v.venue,
    id: v.id as string,
    symbol: v.symbol as string,
    name: v.name as string,
    currency: v.currency as string,
    priceStep: v.priceStep as string,
    qtyStep: v.qtyStep as string,
    lotSize: v.lotSize as string,
    minQty: v.minQty as string,
    qtyUnit: v.qtyUnit,
    tradable: v.tradable,
    codes,
  };
}

function asSlot(v: unknown): ChartSlot {
  if (!isRecord(v)) return { interval: '1m' };
  const slot: ChartSlot = { interval: isInterval(v.interval) ? v.interval : '1m' };
  const instrument = asInstrument(v.instrument);
  if (instrument) {
    slot.instrument = instrument;
    slot.venue = instrument.venue;
  } else if (isVenue(v.venue)) slot.venue = v.venue;
  return slot;
}

export function parseWorkspace(text: string | null): Workspace | undefined {
  if (!text) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v)) return undefined;
  const base = defaultWorkspace();
  const size = (LAYOUT_SIZES as readonly unknown[]).includes(v.size) ? (v.size as LayoutSize) : base.size;
  const charts = Array.isArray(v.charts) ? v.charts.slice(0, CHART_SLOTS).map(asSlot) : [];
  while (charts.length < CHART_SLOTS) charts.push({ interval: '1m' });
  const active = typeof v.active === 'number' && Number.isInteger(v.active) && v.active >= 0 && v.active < size ? v.active : 0;
  const watchlist = Array.isArray(v.watchlist) ? v.watchlist.map(asInstrument).filter((i): i is Instrument => i !== undefined) : [];
  return { size, active, charts, watchlist };
}

export function loadWorkspace(storage: KeyValueStorage | undefined): Workspace | undefined {
  try {
    return parseWorkspace(storage?.getItem(WORKSPACE_KEY) ?? null);
  } catch {
    return undefined; // storage refused (privacy mode): start from the default
  }
}

/** Writes the workspace whenever it changes; returns the unsubscribe. */
export function persistWorkspace(store: AppStore, storage: KeyValueStorage | undefined): () => void {
  if (!storage) return () => undefined;
  return store.subscribe((s, prev) => {
    if (s.workspace === prev.workspace) return;
    try {
      storage.setItem(WORKSPACE_KEY, JSON.stringify(s.workspace));
    } catch {
      // Full or refused: the layout just won't survive a restart.
    }
  });
}

/** Preferences read back field by field: an unknown value falls back to that field's default. */
export function parsePrefs(text: string | null): Prefs | undefined {
  if (!text) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v)) return undefined;
  const base = defaultPrefs();
  return {
    chartTimeZone: (CHART_TIME_ZONES as readonly unknown[]).includes(v.chartTimeZone) ? (v.chartTimeZone as Prefs['chartTimeZone']) : base.chartTimeZone,
    theme: (THEME_CHOICES as readonly unknown[]).includes(v.theme) ? (v.theme as Prefs['theme']) : base.theme,
    confirmAmends: typeof v.confirmAmends === 'boolean' ? v.confirmAmends : base.confirmAmends,
  };
}

export function loadPrefs(storage: KeyValueStorage | undefined): Prefs | undefined {
  try {
    return parsePrefs(storage?.getItem(PREFS_KEY) ?? null);
  } catch {
    return undefined;
  }
}

/** Writes the preferences whenever they change; returns the unsubscribe. */
export function persistPrefs(store: AppStore, storage: KeyValueStorage | undefined): () => void {
  if (!storage) return () => undefined;
  return store.subscribe((s, prev) => {
    if (s.prefs === prev.prefs) return;
    try {
      storage.setItem(PREFS_KEY, JSON.stringify(s.prefs));
    } catch {
      // Full or refused: the preferences just won't survive a restart.
    }
  });
}
