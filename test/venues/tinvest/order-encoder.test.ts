/**
 * Our PostOrderRequest encoder writes exactly the bytes proto-loader's serializer writes, for
 * every request the adapter can build (negative and huge int64 included), and proto-loader
 * reads them back as sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { PROTO_PACKAGE, SERVICES } from '../../../electron/venues/tinvest/constants.js';
import { encodePostOrderRequest } from '../../../electron/venues/tinvest/order-encoder.js';
import type { PostOrderRequest, PostOrderResponse } from '../../../electron/venues/tinvest/order-messages.js';
import { method, packageDefinition } from '../../../electron/venues/tinvest/proto.js';

const loader = method<PostOrderRequest, PostOrderResponse>(SERVICES.orders, 'PostOrder');
const Request = packageDefinition()[`${PROTO_PACKAGE}.PostOrderRequest`] as MessageTypeDefinition<object, PostOrderRequest & { price: { units: string; nano: number } | null }>;

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
const text = fc.oneof(fc.string(), fc.uuid(), fc.constant(''), fc.constant('Счёт №1 ✓'));
const request: fc.Arbitrary<PostOrderRequest> = fc
  .record({
    quantity: fc.oneof(int64, fc.integer({ min: -5, max: 1000 }).map(String)),
    price: fc.option(fc.record({ units: int64, nano: fc.integer({ min: -999_999_999, max: 999_999_999 }) }), { nil: undefined }),
    direction: fc.integer({ min: 0, max: 2 }),
    accountId: text,
    orderType: fc.integer({ min: 0, max: 3 }),
    orderId: text,
    instrumentId: text,
    timeInForce: fc.integer({ min: 0, max: 3 }),
  })
  .map((r) => {
    const out: PostOrderRequest = { ...r };
    if (r.price === undefined) delete out.price;
    return out;
  });

describe('PostOrderRequest encoder', () => {
  it('writes the bytes proto-loader writes', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(encodePostOrderRequest(r).equals(loader.serialize(r))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('is read back by proto-loader as it was sent', () => {
    const r: PostOrderRequest = {
      quantity: '-1',
      price: { units: '-9223372036854775808', nano: -1 },
      direction: 2,
      accountId: '2000000001',
      orderType: 1,
      orderId: '0b7f6c1e-7d0a-4c55-9a36-5d1f3f0e7c11',
      instrumentId: 'e6123145-9665-43e0-8413-cd61b8aa9b13',
      timeInForce: 1,
    };
    expect(Request.deserialize(encodePostOrderRequest(r))).toMatchObject({ ...r, price: r.price });
  });
});
