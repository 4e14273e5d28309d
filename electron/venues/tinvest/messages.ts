/**
 * Shapes of the T-Invest messages we use, as proto-loader produces and accepts them with the
 * options in proto.ts (camelCase names, int64 as decimal text, enums as numbers, defaults on).
 * Only fields we read or send are listed.
 */
import type { Quotation } from './quotation.js';

export interface Timestamp {
  seconds: string | number;
  nanos: number;
}

export interface GetAccountsRequest {
  status?: number;
}

export interface AccountMsg {
  id: string;
  type: number;
  name: string;
  status: number;
  accessLevel: number;
}

export interface GetAccountsResponse {
  accounts: AccountMsg[];
}

export interface InstrumentsRequest {
  instrumentStatus?: number;
}

export interface InstrumentRequest {
  idType: number;
  classCode?: string;
  id: string;
}

export interface ShareMsg {
  figi: string;
  ticker: string;
  classCode: string;
  isin: string;
  lot: number;
  currency: string;
  name: string;
  exchange: string;
  minPriceIncrement: Quotation | null;
  apiTradeAvailableFlag: boolean;
  buyAvailableFlag: boolean;
  sellAvailableFlag: boolean;
  uid: string;
  positionUid: string;
  first_1minCandleDate?: Timestamp | null;
  first_1dayCandleDate?: Timestamp | null;
}

export interface SharesResponse {
  instruments: ShareMsg[];
}

export interface ShareResponse {
  instrument: ShareMsg | null;
}

export interface GetCandlesRequest {
  from: Timestamp;
  to: Timestamp;
  interval: number;
  instrumentId: string;
  limit?: number;
}

export interface HistoricCandleMsg {
  open: Quotation | null;
  high: Quotation | null;
  low: Quotation | null;
  close: Quotation | null;
  volume: string;
  time: Timestamp | null;
  isComplete: boolean;
}

export interface GetCandlesResponse {
  candles: HistoricCandleMsg[];
}

export interface CandleInstrumentMsg {
  instrumentId: string;
  interval: number;
}

/** One payload per request (a oneof on the wire). */
export type MarketDataRequest =
  | { subscribeCandlesRequest: { subscriptionAction: number; instruments: CandleInstrumentMsg[]; waitingClose: boolean } }
  | { ping: { time: Timestamp } }
  | { pingSettings: { pingDelayMs: number } };
