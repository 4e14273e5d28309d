/**
 * An account's holdings (§2.7): GetPositions gives the free and blocked parts of cash and of
 * every security (in pieces); GetPortfolio adds the average and current price per security.
 * Cash is one position per currency; quantity is always the whole holding, blocked included.
 */
import type { Dec, Portfolio, Position } from '../../../common/domain.js';
import { add, mul } from '../../../common/decimal.js';
import type { PortfolioResponse, PositionsResponse } from './order-messages.js';
import { moneyToDec, quotationToDec } from './quotation.js';

function intText(s: string): Dec {
  return /^-?\d+$/.test(s) ? BigInt(s).toString() : '0';
}

export function toPortfolio(accountId: string, positions: PositionsResponse, portfolio: PortfolioResponse | undefined, at: number): Portfolio {
  const cash = new Map<string, { free: Dec; blocked: Dec }>();
  const bucket = (currency: string): { free: Dec; blocked: Dec } => {
    let b = cash.get(currency);
    if (!b) cash.set(currency, (b = { free: '0', blocked: '0' }));
    return b;
  };
  for (const m of positions.money) {
    const { currency, value } = moneyToDec(m);
    const b = bucket(currency);
    b.free = add(b.free, value);
  }
  for (const m of positions.blocked) {
    const { currency, value } = moneyToDec(m);
    const b = bucket(currency);
    b.blocked = add(b.blocked, value);
  }
  const out: Position[] = [];
  for (const [currency, b] of cash) {
    const quantity = add(b.free, b.blocked);
    out.push({ venue: 'tinvest', accountId, asset: currency, quantity, blocked: b.blocked, value: quantity, currency });
  }
  const priced = new Map((portfolio?.positions ?? []).map((p) => [p.instrumentUid, p]));
  for (const s of positions.securities) {
    const blocked = intText(s.blocked);
    const quantity = add(intText(s.balance), blocked);
    const pos: Position = { venue: 'tinvest', accountId, instrumentId: s.instrumentUid, asset: s.ticker || s.figi, quantity, blocked };
    const p = priced.get(s.instrumentUid);
    if (p?.averagePositionPrice) {
      pos.averagePrice = quotationToDec(p.averagePositionPrice);
      pos.currency = p.averagePositionPrice.currency.toLowerCase();
    }
    if (p?.currentPrice) {
      const { currency, value } = moneyToDec(p.currentPrice);
      pos.value = mul(value, quantity);
      pos.currency = currency;
    }
    out.push(pos);
  }
  return { venue: 'tinvest', accountId, positions: out, at };
}
