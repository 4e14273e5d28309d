/**
 * An extra root CA for Kraken (a config file's live.rootCaFile; the demo venue's own certificate
 * with `npm run sim -- --tls`): REST and both WebSockets trust it, and without it the venue's
 * certificate is refused with an error, not a crash.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { krakenReadyLine } from '../../../sim/ready-lines.js';
import { appConfig } from '../../../electron/app/config-file.js';
import type { Venue } from '../../../electron/venues/venue.js';
import { SILENT_TAP } from '../../../electron/net/wire-tap.js';
import { RecordingSink, removeStateDirs, tempStateDir } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: Venue | undefined;
afterEach(async () => {
  await venue?.close();
  await sim?.close();
  venue = undefined;
  sim = undefined;
  removeStateDirs();
});

const keysOf = (s: KrakenSim) => ({ apiKey: s.apiKey, apiSecret: s.apiSecret, mode: 'live' as const });

describe("Kraken over TLS with an extra root CA", () => {
  it('connects live through the config file\'s rootCaFile: REST history, the public and the private socket', { timeout: 60_000 }, async () => {
    sim = await startKrakenSim({ seed: 81, tls: true });
    expect(sim.rest).toMatch(/^https:/);
    const dir = mkdtempSync(join(tmpdir(), 'sb-kraken-ca-'));
    writeFileSync(join(dir, 'ca.pem'), sim.caPem!);
    const config = appConfig({ venues: { kraken: { live: { rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, rootCaFile: 'ca.pem' }, deadManSwitchSec: 0 } } }, dir);
    const plan = config.venues.get('kraken')!.withCredentials(keysOf(sim))!;
    const sink = new RecordingSink();
    venue = plan.create({ sink, stateDir: tempStateDir(), wire: SILENT_TAP });
    await venue.connect();
    expect(sink.state('ws-private')).toBe('live');
    const hist = await venue.history({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m', limit: 20 });
    expect(hist).toHaveLength(20);
  });

  it("trusts the demo venue's certificate from its ready line", { timeout: 60_000 }, async () => {
    sim = await startKrakenSim({ seed: 82, tls: true });
    const plan = appConfig().venues.get('kraken')!.demo(krakenReadyLine(sim))!;
    const sink = new RecordingSink();
    venue = plan.create({ sink, stateDir: tempStateDir(), wire: SILENT_TAP });
    await venue.connect();
    expect(sink.state('ws-private')).toBe('live');
  });

  it('refuses the certificate without the CA: history fails with a TLS error, nothing crashes', { timeout: 60_000 }, async () => {
    sim = await startKrakenSim({ seed: 83, tls: true });
    const config = appConfig({ venues: { kraken: { live: { rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth }, deadManSwitchSec: 0 } } });
    const sink = new RecordingSink();
    venue = config.venues.get('kraken')!.withCredentials(keysOf(sim))!.create({ sink, stateDir: tempStateDir(), wire: SILENT_TAP });
    const err = await venue.history({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m', limit: 5 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'network' });
    expect((err as Error).message).toMatch(/self-signed certificate/);
  });

  it('refuses a rootCaFile on plain http/ws endpoints', () => {
    expect(() => appConfig({ venues: { kraken: { live: { rest: 'http://127.0.0.1:1', ws: 'ws://127.0.0.1:1/v2', wsAuth: 'ws://127.0.0.1:1/v2', rootCaFile: 'ca.pem' } } } })).toThrow(
      /venues\.kraken\.live\.rootCaFile: a root CA needs an https: or wss: endpoint/,
    );
  });
});
