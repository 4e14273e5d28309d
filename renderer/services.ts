import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { BridgeApi } from '../electron/contract.js';
import type { BookLatency } from './perf/book-latency.js';
import type { TickLatency } from './perf/tick-latency.js';
import type { AppState, AppStore } from './store/app-store.js';

export interface Services {
  bridge: BridgeApi;
  store: AppStore;
  /** Tick-to-screen latency of the charts, for the diagnostics panel. */
  latency?: TickLatency;
  /** Book-to-screen latency of the depth ladder, for the UI bench. */
  bookLatency?: BookLatency;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('ServicesContext is not provided');
  return services;
}

/** Selects from the app store; the selector must return stable values (no fresh objects). */
export function useAppState<T>(selector: (state: AppState) => T): T {
  return useStore(useServices().store, selector);
}

/**
 * Like useAppState, but read every `ms` instead of on every commit: for numbers that change
 * each frame where nobody reads faster than a few times a second (watchlist prices, the
 * ticket's last price), so React does not re-render them 60 times a second. `key` names what
 * the selector reads; a new key is read at once.
 */
export function useSampledAppState<T>(key: string, selector: (state: AppState) => T, ms: number): T {
  const { store } = useServices();
  const latest = useRef(selector);
  latest.current = selector;
  const [value, setValue] = useState(() => selector(store.getState()));
  useEffect(() => {
    const read = () => setValue(latest.current(store.getState()));
    read();
    const timer = setInterval(read, ms);
    return () => clearInterval(timer);
  }, [store, ms, key]);
  return value;
}
