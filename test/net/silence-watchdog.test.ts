import { describe, expect, it } from 'vitest';
import { SilenceWatchdog } from '../../electron/net/silence-watchdog.js';
import { waitFor } from '../venues/tinvest/helpers.js';

describe('SilenceWatchdog', () => {
  it('stays quiet while frames arrive and calls the stream dead once they stop', async () => {
    const events: string[] = [];
    const w = new SilenceWatchdog({
      intervalMs: 40,
      onInterval: () => events.push('interval'),
      onLate: () => events.push('late'),
      onDead: () => events.push('dead'),
    });
    w.start();
    const feeder = setInterval(() => w.frames++, 5);
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(feeder);
    expect(events).not.toContain('dead');
    expect(events).not.toContain('late');
    expect(events).toContain('interval');
    await waitFor('dead', () => events.includes('dead'), 3_000);
    expect(events.indexOf('late')).toBeLessThan(events.indexOf('dead'));
    expect(w.running).toBe(false);
  });
});
