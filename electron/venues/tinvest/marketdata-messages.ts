/**
 * Our reading of the market-data messages beyond candles (§8.1, §8.2), camelCase as
 * proto-loader gives them: the stream's requests and the unary snapshot calls.
 */
import type { CandleInstrumentMsg, Timestamp } from './messages.js';
import type { QuotationLike } from './quotation.js';

interface IdInstrument {
  instrumentId: string;
}

export type MarketDataRequest =
  | { subscribeCandlesRequest: { subscriptionAction: number; instruments: CandleInstrumentMsg[]; waitingClose: boolean } }
  | { subscribeOrderBookRequest: { subscriptionAction: number; instruments: (IdInstrument & { depth: number })[] } }
  | { subscribeTradesRequest: { subscriptionAction: number; instruments: IdInstrument[]; tradeSource: number } }
  | { subscribeInfoRequest: { subscriptionAction: number; instruments: IdInstrument[] } }
  | { subscribeLastPriceRequest: { subscriptionAction: number; instruments: IdInstrument[] } }
  | { ping: { time: Timestamp } }
  | { pingSettings: { pingDelayMs: number } };

export interface GetOrderBookRequest {
  instrumentId: string;
  depth: number;
}

export interface OrderMsg {
  price?: QuotationLike | null;
  quantity: string;
}

export interface GetOrderBookResponse {
  figi: string;
  depth: number;
  bids: OrderMsg[];
  asks: OrderMsg[];
  lastPrice?: QuotationLike | null;
  closePrice?: QuotationLike | null;
  instrumentUid: string;
  orderbookTs?: Timestamp | null;
}

export interface GetLastPricesRequest {
  instrumentId: string[];
}

export interface LastPriceMsg {
  figi: string;
  price?: QuotationLike | null;
  time?: Timestamp | null;
  instrumentUid: string;
}

export interface GetLastPricesResponse {
  lastPrices: LastPriceMsg[];
}

export interface GetClosePricesRequest {
  instruments: { instrumentId: string }[];
}

export interface ClosePriceMsg {
  figi: string;
  instrumentUid: string;
  price?: QuotationLike | null;
  time?: Timestamp | null;
}

export interface GetClosePricesResponse {
  closePrices: ClosePriceMsg[];
}

export interface GetTradingStatusRequest {
  instrumentId: string;
}

export interface GetTradingStatusResponse {
  figi: string;
  tradingStatus: number;
  limitOrderAvailableFlag: boolean;
  marketOrderAvailableFlag: boolean;
  apiTradeAvailableFlag: boolean;
  instrumentUid: string;
}
