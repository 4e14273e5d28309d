/** The renderer's hook on the gateway link reader (gateway-link-reader.ts): one reader per bridge. */
import { useCallback, useSyncExternalStore } from 'react';
import type { BridgeApi, GatewayLinkStatus } from '../../electron/contract.js';
import { useServices } from '../services.js';
import { GatewayLinkReader } from './gateway-link-reader.js';

const readers = new WeakMap<object, GatewayLinkReader>();

/** The one reader of this bridge. */
export function gatewayLinkReader(bridge: BridgeApi): GatewayLinkReader {
  let reader = readers.get(bridge);
  if (!reader) readers.set(bridge, (reader = new GatewayLinkReader(bridge)));
  return reader;
}

/**
 * The link as last read, read on while the calling component is mounted: undefined until the
 * first answer, null in an app with a core of its own.
 */
export function useGatewayLink(): GatewayLinkStatus | null | undefined {
  const reader = gatewayLinkReader(useServices().bridge);
  const subscribe = useCallback((l: () => void) => reader.subscribe(l), [reader]);
  return useSyncExternalStore(subscribe, () => reader.current());
}
