/**
 * 30057 "duplicate, but the order report was not found" (§4.6): the venue knows the key but
 * cannot say what became of it. The order is neither resent nor called rejected; it is
 * `unknown` until GetOrderState by the client key answers. The local simulator has no 30057,
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
import { RecordingSink, waitFor } from './helpers.js';
import { lastOrders, orderRequest } from './order-helpers.js';

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
    resolve: { backoff: { baseMs: 20, maxMs: 50 }, notFoundAfterMs: 60_000 },
  });
});
afterEach(async () => {
  trading.close();
  rpc.close();
  channel.close();
  await venue.close();
});

describe('T-Invest 30057', () => {
  it('is neither resent nor a rejection: unknown until GetOrderState by the client key finds the order', async () => {
    const r = orderRequest('2000000001', SBER.id, { clientOrderId: randomUUID() });
    const order = await trading.entry.place(r);
    expect(order.status).toBe('unknown');
    await waitFor('the report to be found', () => lastOrders(sink).get(r.clientOrderId)?.status === 'open');
    expect(venue.posts).toEqual([r.clientOrderId]);
    expect(venue.stateAsks.every((a) => a.orderId === r.clientOrderId && a.orderIdType === ORDER_ID_TYPE.request)).toBe(true);
    expect(venue.stateAsks.length).toBe(2);
    expect(lastOrders(sink).get(r.clientOrderId)).toMatchObject({ venueOrderId: EXCHANGE_ID, status: 'open' });
    expect(sink.orders.filter((u) => u.order.clientOrderId === r.clientOrderId).map((u) => u.order.status)).toEqual(['pending', 'unknown', 'open']);
  });
});
