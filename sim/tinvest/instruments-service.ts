/** InstrumentsService: listings, lookups by id type and FindInstrument over the venue's instruments. */
import { instrumentMessage, instrumentShortMessage, shareMessage } from './instruments.js';
import type { InstrumentBook, SimInstrument } from './instruments.js';
import type { SimContext, SimService } from './service-host.js';
import { InstrumentIdType, InstrumentStatus, InstrumentType, VenueError } from './wire.js';

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
  instrument_kind?: number;
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

export function instrumentsService(ctx: SimContext): SimService {
  const book = ctx.instruments;
  return {
    unary: {
      'InstrumentsService/Shares': (raw) => {
        const req = raw as InstrumentsRequestIn;
        const all = req.instrument_status === InstrumentStatus.ALL;
        return { instruments: ctx.instrumentList.filter((i) => all || i.apiTradeAvailable).map(shareMessage) };
      },
      'InstrumentsService/ShareBy': (raw) => ({ instrument: shareMessage(findBy(book, raw as InstrumentRequestIn)) }),
      'InstrumentsService/GetInstrumentBy': (raw) => ({ instrument: instrumentMessage(findBy(book, raw as InstrumentRequestIn)) }),
      'InstrumentsService/FindInstrument': (raw) => {
        const req = raw as FindInstrumentRequestIn;
        const query = (req.query ?? '').trim();
        if (!query) throw VenueError.of('30087');
        let found = book.find(query);
        if (req.instrument_kind !== undefined && req.instrument_kind !== 0 && req.instrument_kind !== InstrumentType.SHARE) found = [];
        if (req.api_trade_available_flag !== undefined) found = found.filter((i) => i.apiTradeAvailable === req.api_trade_available_flag);
        return { instruments: found.map(instrumentShortMessage) };
      },
    },
  };
}
