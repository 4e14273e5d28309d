/**
 * Every venue the app can build, one descriptor each, imported statically so the bundle holds
 * them all and a typo fails the typecheck rather than a trader's start-up.
 */
import type { VenueId } from '../../common/domain.js';
import type { VenueDescriptor } from '../venues/descriptor.js';
import { krakenDescriptor } from '../venues/kraken/descriptor.js';
import { tinvestDescriptor } from '../venues/tinvest/descriptor.js';

/** Keyed by id, so the typecheck sees one descriptor for every VenueId and no other. */
const BY_ID: { readonly [V in VenueId]: VenueDescriptor<V> } = {
  tinvest: tinvestDescriptor,
  kraken: krakenDescriptor,
};

export const VENUE_DESCRIPTORS: readonly VenueDescriptor[] = Object.values(BY_ID);
