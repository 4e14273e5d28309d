/**
 * The config file (--config FILE): each venue's section checked by its descriptor, errors that
 * name the field, files it names read relative to it, and what it changes in a built venue.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appConfig, ConfigError, readConfigFile } from '../../electron/app/config-file.js';
import { VENUE_DESCRIPTORS } from '../../electron/app/venues.js';
import { VENUE_IDS } from '../../common/domain.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('the config file', () => {
  it('has one descriptor per venue, each offering demo first', () => {
    expect(VENUE_DESCRIPTORS.map((d) => d.id).sort()).toEqual([...VENUE_IDS].sort());
    for (const d of VENUE_DESCRIPTORS) expect(d.modes[0]).toBe('demo');
  });

  it('without a file, stored credentials connect to the venues\' own hosts', () => {
    const c = appConfig();
    expect(c.venues.get('tinvest')?.withCredentials({ token: 't'.repeat(30), mode: 'sandbox' })?.where).toBe('sandbox-invest-public-api.tinkoff.ru:443');
    expect(c.venues.get('tinvest')?.withCredentials({ token: 't'.repeat(30), mode: 'live' })?.where).toBe('invest-public-api.tinkoff.ru:443');
    expect(c.venues.get('kraken')?.withCredentials({ apiKey: 'k'.repeat(20), apiSecret: 'c2VjcmV0c2VjcmV0c2VjcmV0', mode: 'live' })?.where).toBe('https://api.kraken.com');
  });

  it('points a mode elsewhere, and each descriptor takes only its own credentials', async () => {
    const c = await readConfigFile(
      file('ok.json', JSON.stringify({ venues: { tinvest: { live: { endpoint: '127.0.0.1:5001', tls: false } }, kraken: { live: { rest: 'http://127.0.0.1:7', ws: 'ws://127.0.0.1:7/v2', wsAuth: 'ws://127.0.0.1:7/v2' } } } })),
    );
    const tinvest = c.venues.get('tinvest')!;
    const kraken = c.venues.get('kraken')!;
    const token = { token: 't'.repeat(30), mode: 'live' as const };
    const keys = { apiKey: 'k'.repeat(20), apiSecret: 'c2VjcmV0c2VjcmV0c2VjcmV0', mode: 'live' as const };
    expect(tinvest.withCredentials(token)).toMatchObject({ mode: 'live', where: '127.0.0.1:5001', secrets: [token.token] });
    expect(kraken.withCredentials(keys)).toMatchObject({ mode: 'live', where: 'http://127.0.0.1:7', secrets: [keys.apiKey, keys.apiSecret] });
    expect(tinvest.withCredentials(keys)).toBeUndefined();
    expect(kraken.withCredentials(token)).toBeUndefined();
    // Sandbox is untouched by a live override.
    expect(tinvest.withCredentials({ ...token, mode: 'sandbox' })?.where).toBe('sandbox-invest-public-api.tinkoff.ru:443');
  });

  it('reads a root CA relative to the file, and refuses one with TLS off', async () => {
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n');
    const c = await readConfigFile(file('ca.json', JSON.stringify({ venues: { tinvest: { live: { endpoint: 'invest-public-api.tbank.ru:443', rootCaFile: 'ca.pem' } } } })));
    expect(c.venues.get('tinvest')?.withCredentials({ token: 't'.repeat(30), mode: 'live' })?.where).toBe('invest-public-api.tbank.ru:443');
    await expect(readConfigFile(file('ca-off.json', JSON.stringify({ venues: { tinvest: { live: { endpoint: 'h:1', tls: false, rootCaFile: 'ca.pem' } } } })))).rejects.toThrow(
      /venues\.tinvest\.live\.rootCaFile: a root CA needs TLS on/,
    );
    await expect(readConfigFile(file('ca-missing.json', JSON.stringify({ venues: { tinvest: { sandbox: { endpoint: 'h:1', rootCaFile: 'nope.pem' } } } })))).rejects.toThrow(
      /venues\.tinvest\.sandbox\.rootCaFile: cannot read nope\.pem/,
    );
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['an array', '[]', /must be a JSON object/],
    ['an unknown top-level field', '{"venue":{}}', /unknown field "venue"/],
    ['an unknown venue', '{"venues":{"binance":{}}}', /unknown venue "binance"/],
    ['an unknown venue field', '{"venues":{"kraken":{"sandbox":{}}}}', /venues\.kraken/],
    ['a T-Invest endpoint that is not host:port', '{"venues":{"tinvest":{"live":{"endpoint":"https://x"}}}}', /venues\.tinvest\.live\.endpoint: must be host:port/],
    ['a Kraken REST URL that is not http(s)', '{"venues":{"kraken":{"live":{"rest":"ftp://x","ws":"wss://x","wsAuth":"wss://x"}}}}', /venues\.kraken\.live\.rest: must be a https: or http: URL/],
    ['a dead man\'s switch past a day', '{"venues":{"kraken":{"deadManSwitchSec":86401}}}', /venues\.kraken\.deadManSwitchSec/],
    ['a negative dead man\'s switch', '{"venues":{"kraken":{"deadManSwitchSec":-1}}}', /venues\.kraken\.deadManSwitchSec/],
    ['a Kraken tier that does not exist', '{"venues":{"kraken":{"tier":"gold"}}}', /venues\.kraken\.tier/],
  ])('refuses %s with a ConfigError naming the file and field', async (_what, text, message) => {
    const p = file(`bad-${Math.random().toString(36).slice(2)}.json`, text);
    const err = await readConfigFile(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(p);
  });

  it('stops the headless start with one line naming the file and field, and no stack', { timeout: 60_000 }, () => {
    const bad = file('cli-bad.json', '{"venues":{"kraken":{"deadManSwitchSec":-3}}}');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/headless.ts', '--config', bad, '--port', '0', '--data-dir', join(dir, 'cli-data')], {
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Switchboard headless: .*cli-bad\.json: venues\.kraken\.deadManSwitchSec: /)]);
  });

  it('says which file it could not read', async () => {
    await expect(readConfigFile(join(dir, 'absent.json'))).rejects.toThrow(/cannot read the config file .*absent\.json/);
  });

  it('takes a demo line only for its own venue, and only a complete one', () => {
    const c = appConfig();
    const t = { venue: 'tinvest', endpoint: '127.0.0.1:1', token: 'demo-token', accountId: 'A1' };
    const k = { venue: 'kraken', rest: 'http://127.0.0.1:2', ws: 'ws://127.0.0.1:2/v2', wsAuth: 'ws://127.0.0.1:2/v2', apiKey: 'key', apiSecret: 'c2VjcmV0' };
    expect(c.venues.get('tinvest')?.demo(t)).toMatchObject({ mode: 'demo', where: '127.0.0.1:1' });
    expect(c.venues.get('kraken')?.demo(k)).toMatchObject({ mode: 'demo', where: 'http://127.0.0.1:2' });
    expect(c.venues.get('tinvest')?.demo(k)).toBeUndefined();
    expect(c.venues.get('kraken')?.demo(t)).toBeUndefined();
    expect(c.venues.get('tinvest')?.demo({ ...t, token: 42 })).toBeUndefined();
    expect(c.venues.get('kraken')?.demo({ ...k, apiSecret: '' })).toBeUndefined();
  });
});
