/**
 * The sandbox's own calls (§2.8): accounts are opened, listed, paid into and closed through
 * SandboxService; everything else (orders, positions) goes through the normal services on the
 * sandbox host, as the venue docs recommend.
 */
import type { Account, Dec } from '../../../common/domain.js';
import { VenueError } from '../venue.js';
import { DEADLINE_MS, SERVICES } from './constants.js';
import type { GetAccountsRequest, GetAccountsResponse } from './messages.js';
import type {
  CloseSandboxAccountRequest,
  OpenSandboxAccountRequest,
  OpenSandboxAccountResponse,
  SandboxPayInRequest,
  SandboxPayInResponse,
} from './order-messages.js';
import { method } from './proto.js';
import { QuotationError, decToMoney, quotationToDec } from './quotation.js';
import type { TInvestRpc } from './rpc.js';

const methods = {
  open: method<OpenSandboxAccountRequest, OpenSandboxAccountResponse>(SERVICES.sandbox, 'OpenSandboxAccount'),
  list: method<GetAccountsRequest, GetAccountsResponse>(SERVICES.sandbox, 'GetSandboxAccounts'),
  payIn: method<SandboxPayInRequest, SandboxPayInResponse>(SERVICES.sandbox, 'SandboxPayIn'),
  close: method<CloseSandboxAccountRequest, object>(SERVICES.sandbox, 'CloseSandboxAccount'),
};

const o = { deadlineMs: DEADLINE_MS.Sandbox };

export async function openSandboxAccount(rpc: TInvestRpc, name?: string): Promise<string> {
  const res = await rpc.call(methods.open, name ? { name } : {}, o);
  return res.accountId;
}

export async function sandboxAccounts(rpc: TInvestRpc): Promise<Account[]> {
  const res = await rpc.call(methods.list, {}, o);
  return res.accounts.map((a) => ({ venue: 'tinvest', id: a.id, name: a.name }));
}

/** Pays money into a sandbox account (only roubles, §2.8); resolves with the new free balance. */
export async function sandboxPayIn(rpc: TInvestRpc, accountId: string, amount: Dec, currency = 'rub'): Promise<Dec> {
  let money;
  try {
    money = decToMoney(amount, currency);
  } catch (e) {
    if (e instanceof QuotationError) throw new VenueError('invalid', 'amount', `amount ${amount}: ${e.message}`);
    throw e;
  }
  const res = await rpc.call(methods.payIn, { accountId, amount: money }, { ...o, sideEffect: true });
  return res.balance ? quotationToDec(res.balance) : '0';
}

export async function closeSandboxAccount(rpc: TInvestRpc, accountId: string): Promise<void> {
  await rpc.call(methods.close, { accountId }, { ...o, sideEffect: true });
}
