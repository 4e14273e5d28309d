/** InstrumentsService: listings, lookups by id type and FindInstrument over the venue's instruments. */
import { bondMessage, currencyMessage, etfMessage, futureMessage } from './instrument-kinds.js';
import { INSTRUMENT_KIND, instrumentMessage, instrumentShortMessage, shareMessage } from './instruments.js';
import type { InstrumentBook, SimInstrument, SimKind } from './instruments.js';
import type { UnaryImpl } from './trading-api.js';
import type { SimContext, SimService } from './service-host.js';
import { InstrumentIdType, InstrumentStatus, VenueError } from './wire.js';

interface InstrumentRequestIn {
  id_type?: number;
  class_code?: string;
  id?: string;
}
interface InstrumentsRequestIn {
  instrument_status?: number;
}
interface FindInstrumentRequestIn {
  query?: string;
  instrument_kind?: number | null;
  api_trade_available_flag?: boolean;
}

/** An InstrumentRequest's instrument: 30013 ticker without class_code, 50002 none. */
export function findBy(book: InstrumentBook, req: InstrumentRequestIn): SimInstrument {
  const id = req.id ?? '';
  let found: SimInstrument | undefined;
  switch (req.id_type) {
    case InstrumentIdType.FIGI:
      found = book.byFigiId(id);
      break;
    case InstrumentIdType.UID:
      found = book.byUidId(id);
      break;
    case InstrumentIdType.POSITION_UID:
      found = book.byPositionUidId(id);
      break;
    case InstrumentIdType.TICKER:
      if (!req.class_code) throw VenueError.of('30013');
      found = book.byTicker(id, req.class_code);
      break;
    default:
      found = undefined;
  }
  if (!found) throw VenueError.of('50002');
  return found;
}

/** Each kind's list and lookup methods, and its message. */
const KIND_METHODS: readonly [SimKind, string, string, (i: SimInstrument) => Record<string, unknown>][] = [
  ['share', 'Shares', 'ShareBy', shareMessage],
  ['bond', 'Bonds', 'BondBy', bondMessage],
  ['etf', 'Etfs', 'EtfBy', etfMessage],
  ['futures', 'Futures', 'FutureBy', futureMessage],
  ['currency', 'Currencies', 'CurrencyBy', currencyMessage],
];

export function instrumentsService(ctx: SimContext): SimService {
  const book = ctx.instruments;
  const byKind: Record<string, UnaryImpl> = {};
  for (const [kind, list, by, message] of KIND_METHODS) {
    byKind[`InstrumentsService/${list}`] = (raw) => {
      const all = (raw as InstrumentsRequestIn).instrument_status === InstrumentStatus.ALL;
      return { instruments: ctx.instrumentList.filter((i) => i.kind === kind && (all || i.apiTradeAvailable)).map(message) };
    };
    byKind[`InstrumentsService/${by}`] = (raw) => {
      const i = findBy(book, raw as InstrumentRequestIn);
      // An instrument of another kind is not found by this kind's lookup.
      if (i.kind !== kind) throw VenueError.of('50002');
      return { instrument: message(i) };
    };
  }
  return {
    unary: {
      ...byKind,
      'InstrumentsService/GetInstrumentBy': (raw) => ({ instrument: instrumentMessage(findBy(book, raw as InstrumentRequestIn)) }),
      'InstrumentsService/FindInstrument': (raw) => {
        const req = raw as FindInstrumentRequestIn;
        const query = (req.query ?? '').trim();
        if (!query) throw VenueError.of('30087');
        let found = book.find(query);
        const kind = req.instrument_kind;
        if (kind !== undefined && kind !== null && kind !== 0) found = found.filter((i) => INSTRUMENT_KIND[i.kind] === kind);
        if (req.api_trade_available_flag !== undefined) found = found.filter((i) => i.apiTradeAvailable === req.api_trade_available_flag);
        return { instruments: found.map(instrumentShortMessage) };
      },
    },
  };
}
