/**
 * The ready line of each local venue: what a client needs to connect, one JSON object per
 * venue. `npm run sim` prints them on stdout; the app reads them (demo mode, --demo-from), and
 * tests build them from the venues they start, so the shape has one owner.
 */
import type { KrakenSim } from './kraken/server.js';
import type { TInvestSim } from './tinvest/server.js';

export function tinvestReadyLine(s: Pick<TInvestSim, 'endpoint' | 'token' | 'accountId' | 'tls'>): Record<string, unknown> {
  return { venue: 'tinvest', endpoint: s.endpoint, token: s.token, accountId: s.accountId, ...(s.tls ? { tls: true, caPem: s.tls.caPem } : {}) };
}

export function krakenReadyLine(s: Pick<KrakenSim, 'rest' | 'ws' | 'wsAuth' | 'apiKey' | 'apiSecret' | 'caPem'> & { tier?: KrakenSim['tier'] }): Record<string, unknown> {
  return {
    venue: 'kraken',
    rest: s.rest,
    ws: s.ws,
    wsAuth: s.wsAuth,
    apiKey: s.apiKey,
    apiSecret: s.apiSecret,
    ...(s.caPem ? { caPem: s.caPem } : {}),
    // The account's verification tier sets its rate limits; the app paces itself by it.
    ...(s.tier && s.tier !== 'starter' ? { tier: s.tier } : {}),
  };
}
