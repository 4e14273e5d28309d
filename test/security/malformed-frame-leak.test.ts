/**
 * A malformed frame is kept for inspection and shown in the diagnostics panel: whatever secret
 * it carries — one the vault registered, or a shape nobody registered (a Kraken private key, a
 * T-Invest token, a token field) — must not reach the renderer, whole or in pieces, through
 * either the diagnostics push or diagnostics.get. The same holds for the reason in `detail`.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConnectionDiagnostics } from '../../common/domain.js';
import { Hub } from '../../electron/core/hub.js';
import { registerSecret } from '../../electron/core/log.js';
import { MALFORMED_SAMPLES } from '../../electron/core/diagnostics.js';
import { Session } from '../../electron/bridge/session.js';
import { memoryVenues } from '../core/memory-venue.js';

const REGISTERED = randomBytes(42).toString('base64');
const KRAKEN_SECRET = randomBytes(64).toString('base64');
const TINVEST_TOKEN = `t.${randomBytes(64).toString('base64url')}`;
const FIELD_TOKEN = `WsToken${randomBytes(12).toString('hex')}`;
const SECRETS = [REGISTERED, KRAKEN_SECRET, TINVEST_TOKEN, FIELD_TOKEN];

/** Any 10-character piece of any secret: a cut through a secret must not leave its head behind. */
function leaks(text: string): string[] {
  const out: string[] = [];
  for (const s of SECRETS) for (let i = 0; i + 10 <= s.length; i++) if (text.includes(s.slice(i, i + 10))) out.push(`${s.slice(0, 6)}…@${i}`);
  return out;
}

describe('a secret inside a malformed frame', () => {
  it('never reaches the renderer, whole or cut, through the diagnostics push or diagnostics.get', async () => {
    registerSecret(REGISTERED);
    const hub = new Hub();
    const venues = memoryVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const pushed: ConnectionDiagnostics[][] = [];
    const session = new Session({ hub, transport: 'websocket', diagnosticsMs: 10, push: (t, p) => t === 'diagnostics' && pushed.push(p as ConnectionDiagnostics[]) });
    const r = venues.current().stream;
    const frames = [
      JSON.stringify({ channel: 'executions', data: [{ order_id: 'O1', token: FIELD_TOKEN, secret: KRAKEN_SECRET }] }),
      `{"payload":{"authorization":"Bearer ${TINVEST_TOKEN}","figi":null}}`,
      // The secret straddles where a long frame is cut for keeping.
      `${'x'.repeat(2028)}${REGISTERED}${'y'.repeat(100)}`,
      `${'z'.repeat(2020)} ${KRAKEN_SECRET} tail`,
      `${'q'.repeat(2015)} token=${FIELD_TOKEN}`,
    ];
    for (const f of frames) r.malformed(`bad frame near ${REGISTERED}`, f);
    const asked = await session.handle('diagnostics.get', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.close();
    expect(asked.ok).toBe(true);
    const text = JSON.stringify(asked) + JSON.stringify(pushed);
    expect(pushed.length).toBeGreaterThan(0);
    expect(leaks(text)).toEqual([]);
    // The frames are still there to inspect, minus the secrets.
    const samples = (asked.ok ? (asked.value as ConnectionDiagnostics[]) : [])[0]?.malformedSamples ?? [];
    expect(samples).toHaveLength(Math.min(frames.length, MALFORMED_SAMPLES));
    expect(samples[0]?.frame).toContain('"order_id":"O1"');
  });
});
