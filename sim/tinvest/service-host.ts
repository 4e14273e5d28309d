/**
 * What the local T-Invest venue's service modules share: the venue's state (market,
 * instruments, accounts, orders), its wire rules (auth, error replies, stream admission) and
 * the record it keeps. server.ts builds one SimContext and registers the modules' methods;
 * a module is a function of the context returning the methods it serves by "Service/Method".
 */
import type { Metadata, StatusObject, UntypedHandleCall } from '@grpc/grpc-js';
import type { Market } from '../market.js';
import type { AccountBook } from './accounts.js';
import type { InstrumentBook, SimInstrument } from './instruments.js';
import type { StreamGroup, UnaryGroup } from './limits.js';
import type { OperationsLedger } from './operations.js';
import type { OrderEngine } from './orders.js';
import type { UnaryImpl } from './trading-api.js';
import type { VenueError } from './wire.js';

export interface SimContext {
  readonly market: Market;
  /** Every instrument the venue lists (reference data), and the lookups over them. */
  readonly instrumentList: readonly SimInstrument[];
  readonly instruments: InstrumentBook;
  readonly accounts: AccountBook;
  readonly engine: OrderEngine;
  readonly operations: OperationsLedger;
  readonly seed: number;
  now(): number;
  /** The budgets in force (venue table with overrides), for GetUserTariff. */
  readonly unaryLimits: readonly UnaryGroup[];
  readonly streamLimits: readonly StreamGroup[];
  /** Open streams of these "Service/Method" keys, across every module. */
  openStreamsOf(streams: readonly string[]): number;
  /** Whether streams are stalled by the fault switch (they send nothing, not even pings). */
  stalled(): boolean;
  /** Close streams left without subscriptions after this long (ms, 0 = never). */
  readonly emptyStreamCloseMs: number;
  /** Counts a message written on a stream by kind, for the record. */
  onSent(kind: string): void;
  /** Counts a call of "Service/Method", for the record. */
  count(key: string): void;
  /** Throws 40003 unless the metadata carries the venue's token. */
  authorize(md: Metadata): void;
  /** Auth, stream limit and injected faults at a stream's open; throws the venue error to end the call with. */
  admitStream(key: string, md: Metadata): void;
  /** The status an error reply carries; counted for the record. */
  errorReply(err: VenueError, headers?: Metadata): Partial<StatusObject>;
  /** A thrown value as the venue error to answer with (anything unexpected is 70001, logged). */
  asVenueError(e: unknown): VenueError;
}

/** A stream a module holds open: counted against the stream limits, ended by faults and at close. */
export interface OpenStream {
  /** "Service/Method". */
  readonly key: string;
  end(err: VenueError): void;
}

export interface SimService {
  /** Unary methods by "Service/Method"; the server adds auth, rate limits, faults and tracking ids. */
  readonly unary?: Readonly<Record<string, UnaryImpl>>;
  /** Streaming methods by "Service/Method": whole handlers (they call ctx.admitStream themselves). */
  readonly streams?: Readonly<Record<string, UntypedHandleCall>>;
  openStreams?(): Iterable<OpenStream>;
  /** Stops timers and listeners; open streams are ended by the server first. */
  stop?(): void;
}
