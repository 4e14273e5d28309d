/**
 * T-Invest as the app sees it: demo against the local venue, sandbox and live with a stored
 * token. The config file may point sandbox or live elsewhere (host:port), turn TLS off for a
 * loopback venue, or add a root CA (T-Bank's certificates chain to the Russian Trusted Root CA,
 * which Node does not ship).
 */
import { z } from 'zod';
import type { VenueMode } from '../../../common/domain.js';
import { VENUE_MODES } from '../../../common/domain.js';
import type { ConfiguredVenue, CredentialedMode, VenueDescriptor, VenuePlan } from '../descriptor.js';
import { lineText, parseSection, VenueConfigError } from '../descriptor.js';
import type { TlsSetting } from './channel.js';
import { HOSTS } from './constants.js';
import { createTInvestVenue } from './adapter.js';

interface Endpoint {
  endpoint: string;
  tls: boolean | TlsSetting;
}

const endpointSchema = z
  .object({
    endpoint: z.string().regex(/^[\w.-]+:\d{1,5}$|^\[[\da-fA-F:]+\]:\d{1,5}$/, 'must be host:port'),
    tls: z.boolean().optional(),
    rootCaFile: z.string().min(1).optional(),
  })
  .strict();

const sectionSchema = z
  .object({
    sandbox: endpointSchema.optional(),
    live: endpointSchema.optional(),
    /** x-app-name sent with every call. */
    appName: z.string().regex(/^[\w.-]{1,64}$/).optional(),
  })
  .strict();

const DEFAULTS: Readonly<Record<CredentialedMode, Endpoint>> = {
  sandbox: { endpoint: HOSTS.sandbox, tls: true },
  live: { endpoint: HOSTS.live, tls: true },
};

function plan(mode: VenueMode, at: Endpoint, token: string, accountId: string | undefined, appName: string | undefined): VenuePlan {
  return {
    mode,
    where: at.endpoint,
    secrets: [token],
    create: ({ sink, wire }) =>
      createTInvestVenue({
        mode,
        endpoint: at.endpoint,
        token,
        tls: at.tls,
        sink,
        wire,
        ...(accountId !== undefined ? { accountId } : {}),
        ...(appName !== undefined ? { appName } : {}),
      }),
  };
}

export const tinvestDescriptor: VenueDescriptor<'tinvest'> = {
  id: 'tinvest',
  modes: VENUE_MODES.tinvest,
  configure(section, ctx): ConfiguredVenue {
    const s = parseSection('tinvest', sectionSchema, section);
    const endpoints = { ...DEFAULTS };
    for (const mode of ['sandbox', 'live'] as const) {
      const e = s[mode];
      if (!e) continue;
      let tls: Endpoint['tls'] = e.tls ?? true;
      if (e.rootCaFile !== undefined) {
        if (tls === false) throw new VenueConfigError(`tinvest.${mode}.rootCaFile`, 'a root CA needs TLS on');
        try {
          tls = { rootCertsPem: ctx.readText(e.rootCaFile) };
        } catch (err) {
          throw new VenueConfigError(`tinvest.${mode}.rootCaFile`, `cannot read ${e.rootCaFile}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      endpoints[mode] = { endpoint: e.endpoint, tls };
    }
    return {
      demo(line) {
        const endpoint = lineText(line, 'endpoint');
        const token = lineText(line, 'token');
        if (line.venue !== 'tinvest' || endpoint === undefined || token === undefined) return undefined;
        const caPem = lineText(line, 'caPem');
        const tls = line.tls === true && caPem !== undefined ? { rootCertsPem: caPem } : false;
        return plan('demo', { endpoint, tls }, token, lineText(line, 'accountId'), s.appName);
      },
      withCredentials(creds) {
        if (!('token' in creds)) return undefined;
        return plan(creds.mode, endpoints[creds.mode], creds.token, creds.accountId, s.appName);
      },
    };
  },
};
