/**
 * Unary calls queue on the client instead of being refused (80002), and a service that keeps
 * failing opens its circuit breaker; both visible through the 'api' connection reporter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { ServerUnaryCall, ServiceDefinition, sendUnaryData } from '@grpc/grpc-js';
import { TInvestChannel } from '../../../electron/venues/tinvest/channel.js';
import { PROTO_PACKAGE, SERVICES } from '../../../electron/venues/tinvest/constants.js';
import type { GetAccountsRequest, GetAccountsResponse } from '../../../electron/venues/tinvest/messages.js';
import { method, packageDefinition } from '../../../electron/venues/tinvest/proto.js';
import { TInvestRpc } from '../../../electron/venues/tinvest/rpc.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { RecordingSink } from './helpers.js';

/**
 * A venue-shaped UsersService with a tiny budget: `limit` calls per fixed window, announced
 * in x-ratelimit-* headers, refused with RESOURCE_EXHAUSTED 80002 beyond it.
 */
interface TinyVenue {
  endpoint: string;
  served: number;
  refused: number;
  /** Calls the next window has already lost to "another client". */
  foreignUse: number;
  windowsServed: number[];
  close(): Promise<void>;
}

async function startTinyVenue(limit: number, windowMs: number): Promise<TinyVenue> {
  const server = new Server();
  let windowStart = 0;
  let used = 0;
  const v: TinyVenue = {
    endpoint: '',
    served: 0,
    refused: 0,
    foreignUse: 0,
    windowsServed: [],
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())),
  };
  const def = packageDefinition()[`${PROTO_PACKAGE}.${SERVICES.users}`] as unknown as ServiceDefinition;
  server.addService(def, {
    GetAccounts: (_call: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => {
      const now = Date.now();
      if (now - windowStart >= windowMs) {
        windowStart = now;
        used = v.foreignUse;
        v.foreignUse = 0;
        v.windowsServed.push(0);
      }
      const md = new Metadata();
      md.set('x-tracking-id', 'f'.repeat(32));
      const allowed = used < limit;
      if (allowed) used += 1;
      md.set('x-ratelimit-limit', `${limit}, ${limit};w=${windowMs / 1000}`);
      md.set('x-ratelimit-remaining', String(limit - used));
      md.set('x-ratelimit-reset', String(Math.ceil((windowStart + windowMs - now) / 1000)));
      if (!allowed) {
        v.refused += 1;
        md.set('message', 'request limit exceeded');
        cb({ code: status.RESOURCE_EXHAUSTED, details: '80002', metadata: md });
        return;
      }
      v.served += 1;
      v.windowsServed[v.windowsServed.length - 1]! += 1;
      _call.sendMetadata(md);
      cb(null, { accounts: [{ id: '2000000001', name: 'main', type: 1, status: 2, accessLevel: 1 }] });
    },
    GetUserTariff: (_call: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, {}),
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  v.endpoint = `127.0.0.1:${port}`;
  return v;
}

describe('T-Invest unary rate limits', () => {
  it('queues calls past the announced budget instead of having them refused', async () => {
    const tiny = await startTinyVenue(4, 1000);
    const channel = new TInvestChannel({ endpoint: tiny.endpoint, token: 't', tls: false });
    const rpc = new TInvestRpc({ channel });
    const m = method<GetAccountsRequest, GetAccountsResponse>(SERVICES.users, 'GetAccounts');
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => rpc.call(m, {}, { deadlineMs: 20_000 })));
      expect(results.every((r) => r.accounts[0]?.id === '2000000001')).toBe(true);
      expect(tiny.refused).toBe(0);
      expect(tiny.served).toBe(10);
      expect(Math.max(...tiny.windowsServed)).toBeLessThanOrEqual(4);
      expect(rpc.limiters()).toEqual([expect.objectContaining({ name: 'UsersService', limit: 4, queued: 0 })]);
    } finally {
      rpc.close();
      channel.close();
      await tiny.close();
    }
  });

  it('waits out an 80002 caused elsewhere and retries a read once the window resets', async () => {
    const tiny = await startTinyVenue(3, 1000);
    tiny.foreignUse = 3; // another client spent this window
    const channel = new TInvestChannel({ endpoint: tiny.endpoint, token: 't', tls: false });
    const rpc = new TInvestRpc({ channel });
    const m = method<GetAccountsRequest, GetAccountsResponse>(SERVICES.users, 'GetAccounts');
    try {
      const res = await rpc.call(m, {}, { deadlineMs: 20_000 });
      expect(res.accounts).toHaveLength(1);
      expect(tiny.refused).toBe(1);
      expect(tiny.served).toBe(1);
    } finally {
      rpc.close();
      channel.close();
      await tiny.close();
    }
  });

  it('gives a side-effect call its 80002 as a typed rate-limited error with the retry time', async () => {
    const tiny = await startTinyVenue(1, 2000);
    tiny.foreignUse = 1;
    const channel = new TInvestChannel({ endpoint: tiny.endpoint, token: 't', tls: false });
    const rpc = new TInvestRpc({ channel });
    const m = method<GetAccountsRequest, GetAccountsResponse>(SERVICES.users, 'GetAccounts');
    try {
      await expect(rpc.call(m, {}, { deadlineMs: 5_000, sideEffect: true })).rejects.toMatchObject({
        kind: 'rate-limited',
        code: '80002',
        message: 'request limit exceeded',
        trackingId: 'f'.repeat(32),
        retryAfterMs: 2000,
      });
    } finally {
      rpc.close();
      channel.close();
      await tiny.close();
    }
  });
});

describe('T-Invest circuit breaker', () => {
  let sim: TInvestSim;
  beforeAll(async () => {
    sim = await startTInvestSim({ seed: 4 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('opens after repeated failures, fails fast without calling the venue, and closes after a good trial', async () => {
    const sink = new RecordingSink();
    const venue = createTInvestVenue({
      endpoint: sim.endpoint,
      token: sim.token,
      mode: 'demo',
      tls: false,
      sink,
      breaker: { failureThreshold: 3, openMs: 300 },
    });
    await venue.connect();
    const key = { venue: 'tinvest' as const, instrumentId: sim.instruments[0]!.uid, interval: '1h' as const };
    sim.faults.failNext('GetCandles', 'UNAVAILABLE', 3);
    for (let i = 0; i < 3; i++) await expect(venue.history({ ...key, limit: 5 })).rejects.toMatchObject({ kind: 'unavailable' });
    const calls = sim.stats.calls('GetCandles');
    await expect(venue.history({ ...key, limit: 5 })).rejects.toMatchObject({ kind: 'unavailable', code: 'circuit-open' });
    expect(sim.stats.calls('GetCandles')).toBe(calls);
    expect(sink.record('api').breakers).toContainEqual({ name: 'MarketDataService', state: 'open', failures: 3 });

    await new Promise((r) => setTimeout(r, 350));
    const got = await venue.history({ ...key, limit: 5 });
    expect(got).toHaveLength(5);
    expect(sink.record('api').breakers).toContainEqual({ name: 'MarketDataService', state: 'closed', failures: 0 });
    // Errors about the request itself do not count against the service.
    for (let i = 0; i < 4; i++) {
      await expect(venue.history({ ...key, instrumentId: '00000000-0000-4000-8000-000000000000', limit: 5 })).rejects.toMatchObject({ kind: 'invalid', code: '50002' });
    }
    expect(sink.record('api').breakers).toContainEqual({ name: 'MarketDataService', state: 'closed', failures: 0 });
    await venue.close();
  });
});
