import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { BridgeApi } from '../electron/contract.js';
import type { AppState, AppStore } from './store/app-store.js';

export interface Services {
  bridge: BridgeApi;
  store: AppStore;
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
