/** Holds a book, tape or quote subscription while a view shows it (counted in the store). */
import { useEffect } from 'react';
import type { MarketKey } from '../../common/domain.js';
import { marketKeyId } from '../../common/domain.js';
import { useServices } from '../services.js';

export function useMarketFeed(key: MarketKey | undefined): void {
  const { store } = useServices();
  const id = key ? marketKeyId(key) : '';
  useEffect(() => {
    if (!key) return undefined;
    return store.getState().retainMarket(key);
    // Keyed on the key's identity: a fresh object for the same key must not resubscribe.
  }, [store, id]);
}
