/**
 * The config file (`--config FILE`): where venues' credentialed modes connect and venue
 * options, one section per venue, each checked by that venue's descriptor. Without a file
 * every venue uses its own endpoints. Example (README, "Config file"):
 *
 *   { "venues": {
 *       "tinvest": { "sandbox": { "endpoint": "127.0.0.1:50051", "tls": false },
 *                    "live": { "endpoint": "invest-public-api.tbank.ru:443", "rootCaFile": "russian-trusted-root.pem" } },
 *       "kraken": { "deadManSwitchSec": 120 } } }
 *
 * A file that can't be read or parsed stops the start with a ConfigError naming the field:
 * connecting somewhere the trader didn't mean is worse than not starting.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { VenueId } from '../../common/domain.js';
import type { ConfiguredVenue } from '../venues/descriptor.js';
import { VenueConfigError } from '../venues/descriptor.js';
import { VENUE_DESCRIPTORS } from './venues.js';

export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

export interface AppConfig {
  /** Every venue the app can build, with its section applied. */
  readonly venues: ReadonlyMap<VenueId, ConfiguredVenue>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Applies a parsed config (undefined = none) with files it names resolved against baseDir. */
export function appConfig(raw: unknown = {}, baseDir = process.cwd(), source = 'the config'): AppConfig {
  if (!isRecord(raw)) throw new ConfigError(`${source}: must be a JSON object`);
  for (const key of Object.keys(raw)) if (key !== 'venues') throw new ConfigError(`${source}: unknown field "${key}" (only "venues")`);
  const sections = raw.venues ?? {};
  if (!isRecord(sections)) throw new ConfigError(`${source}: "venues" must be an object`);
  const known = new Set<string>(VENUE_DESCRIPTORS.map((d) => d.id));
  for (const key of Object.keys(sections)) {
    if (!known.has(key)) throw new ConfigError(`${source}: unknown venue "${key}" (known: ${[...known].join(', ')})`);
  }
  const venues = new Map<VenueId, ConfiguredVenue>();
  for (const d of VENUE_DESCRIPTORS) {
    try {
      venues.set(d.id, d.configure(sections[d.id], { readText: (file) => readFileSync(path.resolve(baseDir, file), 'utf8') }));
    } catch (err) {
      if (err instanceof VenueConfigError) throw new ConfigError(`${source}: venues.${err.message}`, { cause: err });
      throw err;
    }
  }
  return { venues };
}

/** Reads and applies a config file; relative paths in it are relative to the file. */
export async function readConfigFile(file: string): Promise<AppConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return appConfig(raw, path.dirname(path.resolve(file)), file);
}
