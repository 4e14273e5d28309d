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

/** Groups the unary methods of the served services by budget. */
export function unaryGroups(unaryMethods: readonly string[]): UnaryGroup[] {
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
  return [...groups.values()];
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
