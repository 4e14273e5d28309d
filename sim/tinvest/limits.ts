/**
 * The venue's limits as the simulator applies them: per-minute unary budgets shared by a
 * group of methods (x-ratelimit-* headers, 80002 when spent) and open-stream limits (80001).
 * Numbers from the venue notes §4.1-§4.2 (grade 1-3); GetUserTariff reports the same table.
 */
import { PKG } from './wire.js';

export interface UnaryGroup {
  name: string;
  limitPerMinute: number;
  /** "Service/Method" keys. */
  methods: string[];
}

export interface StreamGroup {
  limit: number;
  /** "Service/Method" keys. */
  streams: string[];
}

/** Methods with their own budget; every other method shares its service's budget. */
const METHOD_LIMITS: Record<string, number> = {
  'OrdersService/GetOrders': 200,
  'OrdersService/PostOrder': 300,
  'OrdersService/CancelOrder': 100,
  'OrdersService/PostOrderAsync': 450,
};

const SERVICE_LIMITS: Record<string, number> = {
  InstrumentsService: 200,
  UsersService: 100,
  OperationsService: 200,
  MarketDataService: 600,
  StopOrdersService: 50,
  SandboxService: 200,
  OrdersService: 100,
};

export const STREAM_GROUPS: readonly StreamGroup[] = [
  { limit: 16, streams: ['MarketDataStreamService/MarketDataStream', 'MarketDataStreamService/MarketDataServerSideStream'] },
  { limit: 10, streams: ['OrdersStreamService/TradesStream'] },
  { limit: 10, streams: ['OrdersStreamService/OrderStateStream'] },
];

/**
 * Budget overrides, for tests and demos: a unary group by its name ("OrdersService", or
 * "orders" for short; "OrdersService/PostOrder" or the bare "PostOrder" for a method with
 * its own budget), or a stream group by one of its streams ("OrderStateStream", …).
 */
export type LimitOverrides = Readonly<Record<string, number>>;

function namesUnary(g: UnaryGroup, key: string): boolean {
  return g.name === key || g.name.endsWith(`/${key}`) || g.name.toLowerCase() === `${key}service`.toLowerCase();
}

function namesStream(g: StreamGroup, key: string): boolean {
  return g.streams.some((s) => s === key || s.endsWith(`/${key}`));
}

/** Groups the unary methods of the served services by budget. */
export function unaryGroups(unaryMethods: readonly string[], overrides: LimitOverrides = {}): UnaryGroup[] {
  const groups = new Map<string, UnaryGroup>();
  for (const m of unaryMethods) {
    const service = m.split('/')[0] ?? m;
    const own = METHOD_LIMITS[m];
    const name = own !== undefined ? m : service;
    const limit = own ?? SERVICE_LIMITS[service] ?? 100;
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { name, limitPerMinute: limit, methods: [] }));
    g.methods.push(m);
  }
  const out = [...groups.values()];
  for (const [key, limit] of Object.entries(overrides)) {
    const g = out.find((x) => namesUnary(x, key));
    if (g) g.limitPerMinute = limit;
  }
  return out;
}

/** The stream groups with overrides applied. */
export function streamGroups(overrides: LimitOverrides = {}): StreamGroup[] {
  const out = STREAM_GROUPS.map((g) => ({ limit: g.limit, streams: [...g.streams] }));
  for (const [key, limit] of Object.entries(overrides)) {
    const g = out.find((x) => namesStream(x, key));
    if (g) g.limit = limit;
  }
  return out;
}

/** Override keys that name no group: a typo in a test should fail loudly, not test nothing. */
export function unknownLimitKeys(overrides: LimitOverrides, unary: readonly UnaryGroup[], streams: readonly StreamGroup[]): string[] {
  return Object.keys(overrides).filter((key) => !unary.some((g) => namesUnary(g, key)) && !streams.some((g) => namesStream(g, key)));
}

export function fullMethodName(key: string): string {
  return `${PKG}.${key}`;
}

interface Window {
  startMs: number;
  used: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Header values as the venue sends them. */
  headers: { 'x-ratelimit-limit': string; 'x-ratelimit-remaining': string; 'x-ratelimit-reset': string };
}

/** Fixed one-minute windows per group, opened by the group's first call. */
export class UnaryLimiter {
  private readonly groupOf = new Map<string, UnaryGroup>();
  private readonly windows = new Map<string, Window>();

  constructor(readonly groups: readonly UnaryGroup[]) {
    for (const g of groups) for (const m of g.methods) this.groupOf.set(m, g);
  }

  take(method: string, nowMs: number): RateDecision {
    const g = this.groupOf.get(method) ?? { name: method, limitPerMinute: 100, methods: [method] };
    let w = this.windows.get(g.name);
    if (!w || nowMs - w.startMs >= 60_000) this.windows.set(g.name, (w = { startMs: nowMs, used: 0 }));
    const allowed = w.used < g.limitPerMinute;
    if (allowed) w.used += 1;
    const reset = Math.max(0, Math.ceil((w.startMs + 60_000 - nowMs) / 1000));
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': `${g.limitPerMinute}, ${g.limitPerMinute};w=60`,
        'x-ratelimit-remaining': String(g.limitPerMinute - w.used),
        'x-ratelimit-reset': String(reset),
      },
    };
  }
}
