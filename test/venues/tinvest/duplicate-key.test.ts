/**
 * 30057 "duplicate, but the order report was not found" (§4.6): the venue knows the key but
 * cannot say what became of it. The order is neither resent nor called rejected: the send
 * rejects with 'unknown-outcome', and resolveOrder (GetOrderState by the client key) answers. The local simulator has no 30057,
 * so a small venue-shaped OrdersService over loopback gRPC plays it, keeping its own record.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { ServerUnaryCall, ServiceDefinition, sendUnaryData } from '@grpc/grpc-js';
import type { Instrument } from '../../../common/domain.js';
import { TInvestChannel } from '../../../electron/venues/tinvest/channel.js';
import { ORDER_ID_TYPE, PROTO_PACKAGE, SERVICES } from '../../../electron/venues/tinvest/constants.js';
import { TInvestTrading } from '../../../electron/venues/tinvest/orders.js';
import { packageDefinition } from '../../../electron/venues/tinvest/proto.js';
import { TInvestRpc } from '../../../electron/venues/tinvest/rpc.js';
import { RecordingSink } from './helpers.js';
import { orderRequest } from './order-helpers.js';

interface DuplicateVenue {
  endpoint: string;
  posts: string[];
  stateAsks: { orderId: string; orderIdType: number }[];
  close(): Promise<void>;
}

const EXCHANGE_ID = '31000000042';

async function startDuplicateVenue(): Promise<DuplicateVenue> {
  const server = new Server();
  const v: DuplicateVenue = { endpoint: '', posts: [], stateAsks: [], close: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
  const def = packageDefinition()[`${PROTO_PACKAGE}.${SERVICES.orders}`] as unknown as ServiceDefinition;
  const trailers = (message: string): Metadata => {
    const md = new Metadata();
    md.set('message', message);
    md.set('x-tracking-id', 'd'.repeat(32));
    return md;
  };
  server.addService(def, {
    PostOrder: (call: ServerUnaryCall<{ orderId: string }, object>, cb: sendUnaryData<object>) => {
      v.posts.push(call.request.orderId);
      cb({ code: status.INVALID_ARGUMENT, details: '30057', metadata: trailers('the order is a duplicate, but the order report was not found') });
    },
    GetOrderState: (call: ServerUnaryCall<{ orderId: string; orderIdType?: number }, object>, cb: sendUnaryData<object>) => {
      v.stateAsks.push({ orderId: call.request.orderId, orderIdType: call.request.orderIdType ?? 0 });
      // The report turns up on the second ask.
      if (v.stateAsks.length < 2) return cb({ code: status.NOT_FOUND, details: '50005', metadata: trailers('order not found') });
      cb(null, {
        orderId: EXCHANGE_ID,
        executionReportStatus: 4,
        lotsRequested: '1',
        lotsExecuted: '0',
        direction: 1,
        orderType: 1,
        instrumentUid: 'e6123145-9665-43e0-8413-cd61b8aa9b13',
        orderRequestId: call.request.orderId,
        initialSecurityPrice: { currency: 'rub', units: '150', nano: 0 },
      });
    },
    GetOrders: (_call: ServerUnaryCall<object, object>, cb: sendUnaryData<object>) => cb(null, { orders: [] }),
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  v.endpoint = `127.0.0.1:${port}`;
  return v;
}

const SBER: Instrument = {
  venue: 'tinvest',
  id: 'e6123145-9665-43e0-8413-cd61b8aa9b13',
  symbol: 'SBER',
  name: 'Сбербанк',
  currency: 'rub',
  priceStep: '0.01',
  qtyStep: '1',
  lotSize: '10',
  qtyUnit: 'lot',
  minQty: '1',
  tradable: true,
  codes: {},
};

let venue: DuplicateVenue;
let channel: TInvestChannel;
let rpc: TInvestRpc;
let trading: TInvestTrading;
let sink: RecordingSink;

beforeEach(async () => {
  venue = await startDuplicateVenue();
  channel = new TInvestChannel({ endpoint: venue.endpoint, token: 't', tls: false });
  rpc = new TInvestRpc({ channel });
  sink = new RecordingSink();
  trading = new TInvestTrading({
    channel,
    rpc,
    sink,
    now: Date.now,
    instrument: async () => SBER,
    resolve: { notFoundAfterMs: 60_000 },
  });
});
afterEach(async () => {
  trading.close();
  rpc.close();
  channel.close();
  await venue.close();
});

describe('T-Invest 30057', () => {
  it("is neither resent nor a rejection: 'unknown-outcome', then resolveOrder by the client key finds the order", async () => {
    const r = orderRequest('2000000001', SBER.id, { clientOrderId: randomUUID() });
    const sentAt = Date.now();
    await expect(trading.entry.place(r)).rejects.toMatchObject({ kind: 'unknown-outcome', code: '30057' });
    // One look by the key before the outcome is called unknown; the venue had no report yet.
    expect(venue.stateAsks).toHaveLength(1);
    const ev = await trading.resolveOrder(r.accountId, r.clientOrderId, { instrumentId: SBER.id, sentAt });
    expect(ev).toMatchObject({ kind: 'status', source: 'reconcile', clientOrderId: r.clientOrderId, venueOrderId: EXCHANGE_ID, status: 'open' });
    expect(venue.posts).toEqual([r.clientOrderId]);
    expect(venue.stateAsks).toHaveLength(2);
    expect(venue.stateAsks.every((a) => a.orderId === r.clientOrderId && a.orderIdType === ORDER_ID_TYPE.request)).toBe(true);
    // Nothing about it went to the sink: the answers above are the whole story.
    expect(sink.orders.filter((o) => o.clientOrderId === r.clientOrderId)).toEqual([]);
  });
});
