/**
 * Reads an account's operations with GetOperationsByCursor (§10), page by page by cursor, each
 * call through the unary limiter like any other, within a bound on pages; then turns them into
 * trades (operations.ts). Items are de-duplicated by id within a read (page seams have repeated
 * and dropped items, §10). A read that would need more pages than the bound fails rather than
 * return part of the history: the caller asks again from a later time.
 */
import type { TradeRecord } from '../../../common/domain.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter } from '../venue.js';
import { DEADLINE_MS, OPERATIONS_PAGE_MAX, OPERATION_TYPE, SERVICES } from './constants.js';
import type { GetOperationsByCursorRequest, GetOperationsByCursorResponse, OperationItemMsg } from './order-messages.js';
import { tradesOfOperations } from './operations.js';
import { method } from './proto.js';
import type { TInvestRpc } from './rpc.js';

export interface AccountHistoryOptions {
  /** Items per page, at most 1000 (the venue refuses more, 30069). Default 1000. */
  pageSize?: number;
  /** Pages one read may take. Default 100. */
  maxPages?: number;
}

export interface AccountHistoryDeps extends AccountHistoryOptions {
  rpc: TInvestRpc;
  reporter: ConnectionReporter;
}

const getOperations = method<GetOperationsByCursorRequest, GetOperationsByCursorResponse>(SERVICES.operations, 'GetOperationsByCursor');

function timestamp(ms: number): { seconds: string; nanos: number } {
  const s = Math.floor(ms / 1000);
  return { seconds: String(s), nanos: (ms - s * 1000) * 1_000_000 };
}

export class AccountHistory {
  private readonly deps: AccountHistoryDeps;

  constructor(deps: AccountHistoryDeps) {
    this.deps = deps;
  }

  /** Every operation of the account from sinceMs on, by cursor (no upper bound: nothing at "now" is cut). */
  async operations(accountId: string, sinceMs: number): Promise<OperationItemMsg[]> {
    const limit = Math.max(3, Math.min(OPERATIONS_PAGE_MAX, this.deps.pageSize ?? OPERATIONS_PAGE_MAX));
    const maxPages = Math.max(1, this.deps.maxPages ?? 100);
    const byId = new Map<string, OperationItemMsg>();
    const anonymous: OperationItemMsg[] = [];
    let cursor = '';
    for (let page = 0; ; page++) {
      if (page >= maxPages) {
        throw new VenueError('unavailable', 'history-too-long', `the operations of ${accountId} since ${new Date(sinceMs).toISOString()} need more than ${maxPages} pages of ${limit}; read from a later time`);
      }
      const req: GetOperationsByCursorRequest = {
        accountId,
        from: timestamp(Math.max(0, sinceMs)),
        limit,
        operationTypes: [OPERATION_TYPE.buy, OPERATION_TYPE.sell, OPERATION_TYPE.brokerFee],
      };
      if (cursor) req.cursor = cursor;
      const res = await this.deps.rpc.call(getOperations, req, { deadlineMs: DEADLINE_MS.GetOperationsByCursor });
      for (const it of res.items) {
        if (it.id) byId.set(it.id, it);
        else anonymous.push(it);
      }
      if (!res.hasNext) break;
      if (!res.nextCursor || res.nextCursor === cursor) {
        this.deps.reporter.malformed('GetOperationsByCursor: has_next without a new cursor', JSON.stringify({ hasNext: res.hasNext, nextCursor: res.nextCursor }));
        throw new VenueError('invalid', 'malformed-answer', 'the operations history said there is more but gave no new cursor');
      }
      cursor = res.nextCursor;
    }
    return [...byId.values(), ...anonymous];
  }

  /** The executed trades of the account from sinceMs on, fees attached. */
  async trades(accountId: string, sinceMs: number): Promise<TradeRecord[]> {
    const items = await this.operations(accountId, sinceMs);
    return tradesOfOperations(accountId, items, (why, item) => this.deps.reporter.malformed(`operation ${item.id || '?'}: ${why}`, JSON.stringify(item)));
  }
}
