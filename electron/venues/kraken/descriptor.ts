/**
 * Kraken spot as the app sees it: demo against the local venue, live with stored keys (Kraken
 * spot has no sandbox). The config file may point live elsewhere and set the dead man's switch:
 * armed for 60 s by default on live, so resting orders are cancelled by the venue if this
 * process dies; off in demo unless the section asks (`demoDeadManSwitchSec`), so a debugger
 * pause doesn't wipe the simulator's orders.
 */
import { z } from 'zod';
import type { VenueMode } from '../../../common/domain.js';
import { VENUE_MODES } from '../../../common/domain.js';
import type { ConfiguredVenue, VenueDescriptor, VenuePlan } from '../descriptor.js';
import { lineText, parseSection, VenueConfigError } from '../descriptor.js';
import { createKrakenVenue } from './adapter.js';
import { DEAD_MAN_SWITCH_SEC, KRAKEN_REST_URL, KRAKEN_TIERS, KRAKEN_WS_PRIVATE_URL, KRAKEN_WS_PUBLIC_URL } from './constants.js';
import type { KrakenTier } from './constants.js';

interface Endpoints {
  rest: string;
  ws: string;
  wsAuth: string;
  /** A root CA to trust besides Node's. */
  rootCertsPem?: string;
}

const url = (schemes: readonly string[]) =>
  z.string().refine((s) => {
    try {
      return schemes.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, `must be a ${schemes.join(' or ')} URL`);

/** The venue's own limits: 0 = off, else 1..86400 s (§2.4 CancelAllOrdersAfter). */
const timeoutSec = z.number().int().min(0).max(86_400);

const sectionSchema = z
  .object({
    live: z
      .object({ rest: url(['https:', 'http:']), ws: url(['wss:', 'ws:']), wsAuth: url(['wss:', 'ws:']), rootCaFile: z.string().min(1).optional() })
      .strict()
      .optional(),
    deadManSwitchSec: timeoutSec.optional(),
    demoDeadManSwitchSec: timeoutSec.optional(),
    /** The account's verification tier (its REST and trading rate limits); default starter, the strictest. */
    tier: z.enum(KRAKEN_TIERS).optional(),
  })
  .strict();

const LIVE: Endpoints = { rest: KRAKEN_REST_URL, ws: KRAKEN_WS_PUBLIC_URL, wsAuth: KRAKEN_WS_PRIVATE_URL };

function plan(mode: VenueMode, at: Endpoints, apiKey: string, apiSecret: string, deadManSwitchSec: number, tier: KrakenTier): VenuePlan {
  return {
    mode,
    where: at.rest,
    secrets: [apiKey, apiSecret],
    create: ({ sink, stateDir, wire }) => createKrakenVenue({ mode, ...at, apiKey, apiSecret, sink, stateDir, wire, deadManSwitchSec, tier }),
  };
}

export const krakenDescriptor: VenueDescriptor<'kraken'> = {
  id: 'kraken',
  modes: VENUE_MODES.kraken,
  configure(section, ctx): ConfiguredVenue {
    const s = parseSection('kraken', sectionSchema, section);
    let live = LIVE;
    if (s.live) {
      const { rootCaFile, ...urls } = s.live;
      live = urls;
      if (rootCaFile !== undefined) {
        if (![urls.rest, urls.ws, urls.wsAuth].some((u) => /^(https|wss):/.test(u))) {
          throw new VenueConfigError('kraken.live.rootCaFile', 'a root CA needs an https: or wss: endpoint');
        }
        try {
          live = { ...urls, rootCertsPem: ctx.readText(rootCaFile) };
        } catch (err) {
          throw new VenueConfigError('kraken.live.rootCaFile', `cannot read ${rootCaFile}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    return {
      demo(line) {
        const [rest, ws, wsAuth, apiKey, apiSecret] = (['rest', 'ws', 'wsAuth', 'apiKey', 'apiSecret'] as const).map((k) => lineText(line, k));
        if (line.venue !== 'kraken' || !rest || !ws || !wsAuth || !apiKey || !apiSecret) return undefined;
        const caPem = lineText(line, 'caPem');
        const lineTier = lineText(line, 'tier');
        const tier = KRAKEN_TIERS.find((t) => t === lineTier) ?? 'starter';
        return plan('demo', { rest, ws, wsAuth, ...(caPem ? { rootCertsPem: caPem } : {}) }, apiKey, apiSecret, s.demoDeadManSwitchSec ?? 0, tier);
      },
      withCredentials(creds) {
        if (!('apiKey' in creds)) return undefined;
        return plan(creds.mode, live, creds.apiKey, creds.apiSecret, s.deadManSwitchSec ?? DEAD_MAN_SWITCH_SEC, s.tier ?? 'starter');
      },
    };
  },
};
