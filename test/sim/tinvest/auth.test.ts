import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { RawClient } from './helpers.js';
import type { MarketDataResponseMsg } from './helpers.js';

interface AccountsMsg {
  accounts: { id: string; type: number; status: number; access_level: number }[];
}

let sim: TInvestSim;
let client: RawClient;

beforeAll(async () => {
  sim = await startTInvestSim({ seed: 11 });
  client = new RawClient(sim.endpoint, sim.token);
});
afterAll(async () => {
  client.close();
  await sim.close();
});

async function rejection(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('the call succeeded');
}

describe('T-Invest sim: authentication and the error format', () => {
  it('refuses a call without a token with UNAUTHENTICATED, code 40003 and a message trailer', async () => {
    const err = await rejection(client.unary('UsersService', 'GetAccounts', {}, null));
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.details).toBe('40003');
    expect(err.metadata.get('message')).toEqual(['authentication token is missing or invalid']);
    expect(String(err.metadata.get('x-tracking-id')[0])).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a wrong token the same way', async () => {
    const err = await rejection(client.unary('InstrumentsService', 'Shares', {}, `${sim.token}x`));
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.details).toBe('40003');
    expect(err.metadata.get('message')).toEqual(['authentication token is missing or invalid']);
  });

  it('ends a market-data stream opened with a wrong token with 40003', async () => {
    const stream = client.bidi<MarketDataResponseMsg>('MarketDataStreamService', 'MarketDataStream', 'nope');
    const err = await stream.error;
    expect(err?.code).toBe(status.UNAUTHENTICATED);
    expect(err?.details).toBe('40003');
    expect(err?.metadata.get('message')).toEqual(['authentication token is missing or invalid']);
  });

  it('answers a good token with the accounts and the tracking and rate-limit headers', async () => {
    const { value, headers } = await client.unary<AccountsMsg>('UsersService', 'GetAccounts', {});
    expect(value.accounts.map((a) => a.id)).toContain(sim.accountId);
    const main = value.accounts.find((a) => a.id === sim.accountId);
    expect(main).toMatchObject({ type: 1, status: 2, access_level: 1 });
    expect(String(headers.get('x-tracking-id')[0])).toMatch(/^[0-9a-f]{32}$/);
    expect(headers.get('x-ratelimit-limit')).toEqual(['100, 100;w=60']);
    expect(Number(headers.get('x-ratelimit-remaining')[0])).toBeLessThan(100);
    expect(Number(headers.get('x-ratelimit-reset')[0])).toBeGreaterThan(0);
  });

  it('spends a per-minute budget per service and then answers 80002', async () => {
    const fresh = await startTInvestSim({ seed: 12 });
    const c = new RawClient(fresh.endpoint, fresh.token);
    try {
      for (let i = 0; i < 100; i++) await c.unary('UsersService', 'GetUserTariff', {});
      const err = await rejection(c.unary('UsersService', 'GetAccounts', {}));
      expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(err.details).toBe('80002');
      expect(err.metadata.get('x-ratelimit-remaining')).toEqual(['0']);
      // Another service has its own budget.
      await expect(c.unary('InstrumentsService', 'Shares', {})).resolves.toBeDefined();
      expect(fresh.stats.calls('GetAccounts')).toBe(1);
      expect(fresh.stats.calls('UsersService/GetUserTariff')).toBe(100);
    } finally {
      c.close();
      await fresh.close();
    }
  });

  it('fails the next call with an injected code, then recovers', async () => {
    sim.faults.failNext('GetAccounts', '70002');
    const err = await rejection(client.unary('UsersService', 'GetAccounts', {}));
    expect(err.code).toBe(status.INTERNAL);
    expect(err.details).toBe('70002');
    expect(err.metadata.get('message')).toEqual(['internal network error']);
    await expect(client.unary('UsersService', 'GetAccounts', {})).resolves.toBeDefined();
  });

  it('serves TLS with a certificate the client can trust from the given PEM', async () => {
    const secure = await startTInvestSim({ seed: 13, tls: true });
    const caPem = secure.tls?.caPem ?? '';
    expect(caPem).toContain('BEGIN CERTIFICATE');
    const trusted = new RawClient(secure.endpoint, secure.token, credentials.createSsl(Buffer.from(caPem)));
    const untrusted = new RawClient(secure.endpoint, secure.token, credentials.createSsl());
    try {
      const { value } = await trusted.unary<AccountsMsg>('UsersService', 'GetAccounts', {});
      expect(value.accounts.map((a) => a.id)).toContain(secure.accountId);
      const err = await rejection(untrusted.unary('UsersService', 'GetAccounts', {}));
      expect(err.code).toBe(status.UNAVAILABLE);
    } finally {
      trusted.close();
      untrusted.close();
      await secure.close();
    }
  });
});
