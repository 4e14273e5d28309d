/**
 * The trader's display and chart-trading preferences: the charts' time zone, the theme, and
 * whether a dragged order line asks before amending. Kept across restarts (renderer/persist.ts)
 * beside the workspace, under its own key, so an older saved workspace still loads.
 */
import type { SliceCreator } from './app-state.js';

/** utc: the axis as the venues stamp it; local: this computer's zone; exchange: the venue's own (MSK for MOEX). */
export const CHART_TIME_ZONES = ['utc', 'local', 'exchange'] as const;
export type ChartTimeZone = (typeof CHART_TIME_ZONES)[number];

/** system: follow the operating system's light or dark setting. */
export const THEME_CHOICES = ['dark', 'light', 'system'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];
export type Theme = 'dark' | 'light';

export function resolveTheme(choice: ThemeChoice, osPrefersLight: boolean): Theme {
  if (choice === 'system') return osPrefersLight ? 'light' : 'dark';
  return choice;
}

export interface Prefs {
  chartTimeZone: ChartTimeZone;
  theme: ThemeChoice;
  /** A dragged order line shows old → new and waits for a confirm before the amend goes out. */
  confirmAmends: boolean;
}

export function defaultPrefs(): Prefs {
  return { chartTimeZone: 'utc', theme: 'dark', confirmAmends: true };
}

export interface PrefsSlice {
  prefs: Prefs;
  setChartTimeZone(zone: ChartTimeZone): void;
  setTheme(theme: ThemeChoice): void;
  setConfirmAmends(on: boolean): void;
}

export const createPrefsSlice =
  (initial: Prefs | undefined): SliceCreator<PrefsSlice> =>
  () =>
  (set, get) => ({
    prefs: initial ?? defaultPrefs(),
    setChartTimeZone: (chartTimeZone) => set({ prefs: { ...get().prefs, chartTimeZone } }),
    setTheme: (theme) => set({ prefs: { ...get().prefs, theme } }),
    setConfirmAmends: (confirmAmends) => set({ prefs: { ...get().prefs, confirmAmends } }),
  });
