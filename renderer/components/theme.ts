/** Which theme is on: the trader's choice, or the operating system's when they chose "system". */
import { useEffect, useSyncExternalStore } from 'react';
import { useAppState } from '../services.js';
import { resolveTheme, type Theme } from '../store/prefs.js';

const LIGHT_QUERY = '(prefers-color-scheme: light)';

function subscribeOs(onChange: () => void): () => void {
  const mq = window.matchMedia(LIGHT_QUERY);
  mq.addEventListener('change', onChange);
  return () => mq.removeEventListener('change', onChange);
}

function osPrefersLight(): boolean {
  return window.matchMedia(LIGHT_QUERY).matches;
}

/** The theme in force; follows an OS switch live while the choice is "system". */
export function useTheme(): Theme {
  const choice = useAppState((s) => s.prefs.theme);
  const light = useSyncExternalStore(subscribeOs, osPrefersLight);
  return resolveTheme(choice, light);
}

/** Puts the theme on <html data-theme>, where styles.css picks its variables. */
export function useDocumentTheme(): void {
  const theme = useTheme();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
}
