import { describe, expect, it } from 'vitest';
import { CONNECTION_STATES } from '../../common/domain.js';
import { stateTone, venueState } from '../../common/venue-state.js';

describe('the one venue-state rule (common/venue-state.ts)', () => {
  it('shows the lifecycle until the venue is live', () => {
    expect(venueState('connecting', ['live'])).toBe('connecting');
    expect(venueState('closed', ['reconnecting'])).toBe('closed');
    expect(venueState('idle', [])).toBe('idle');
  });

  it('shows the worst connection of a live venue: reconnecting, degraded, connecting, authenticating, live', () => {
    expect(venueState('live', ['live', 'reconnecting', 'degraded'])).toBe('reconnecting');
    expect(venueState('live', ['live', 'degraded', 'authenticating'])).toBe('degraded');
    expect(venueState('live', ['authenticating', 'connecting'])).toBe('connecting');
    expect(venueState('live', ['live', 'authenticating'])).toBe('authenticating');
  });

  it('counts a closed connection under a live venue as degraded, a subscribing one as live, an idle one not at all', () => {
    expect(venueState('live', ['live', 'closed'])).toBe('degraded');
    expect(venueState('live', ['subscribing'])).toBe('live');
    expect(venueState('live', ['idle', 'live'])).toBe('live');
    expect(venueState('live', [])).toBe('live');
  });

  it('reads every state as ok, busy or bad for the status bar and the toasts', () => {
    const tones = Object.fromEntries(CONNECTION_STATES.map((s) => [s, stateTone(s)]));
    expect(tones).toEqual({
      idle: 'busy',
      connecting: 'busy',
      authenticating: 'busy',
      subscribing: 'busy',
      live: 'ok',
      degraded: 'bad',
      reconnecting: 'bad',
      closed: 'bad',
    });
  });
});
