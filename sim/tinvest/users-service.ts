/** UsersService: the token's brokerage accounts and the tariff (the budgets in force and streams open now). */
import { accountMessage } from './accounts.js';
import { fullMethodName } from './limits.js';
import type { SimContext, SimService } from './service-host.js';
import { AccountStatus } from './wire.js';

interface GetAccountsRequestIn {
  status?: number;
}

export function usersService(ctx: SimContext): SimService {
  return {
    unary: {
      'UsersService/GetAccounts': (raw) => {
        const req = raw as GetAccountsRequestIn;
        const want = req.status ?? AccountStatus.UNSPECIFIED;
        const all = ctx.accounts.brokerage();
        const list = want === AccountStatus.UNSPECIFIED || want === AccountStatus.ALL ? all : all.filter((a) => a.status === want);
        return { accounts: list.map(accountMessage) };
      },
      'UsersService/GetUserTariff': () => ({
        unary_limits: ctx.unaryLimits.map((g) => ({ limit_per_minute: g.limitPerMinute, methods: g.methods.map(fullMethodName) })),
        stream_limits: ctx.streamLimits.map((g) => ({ limit: g.limit, streams: g.streams.map(fullMethodName), open: ctx.openStreamsOf(g.streams) })),
      }),
    },
  };
}
