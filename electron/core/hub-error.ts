/** A failure of the core itself (unknown venue, venue not connected, a refused order…), as opposed to a VenueError. */
/** `unavailable`: the app itself refuses for now (it is shutting down). */
export type HubErrorCode = 'not-found' | 'not-connected' | 'invalid' | 'rejected' | 'unavailable';

export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
  ) {
    super(message);
  }
}
