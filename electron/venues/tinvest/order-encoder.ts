/**
 * A hand-written encoder for PostOrderRequest (§2.4), the message on the order path. It writes
 * the same bytes as proto-loader's serializer for the fields we set (protobufjs writes every
 * field that is set, zero values included, in field-number order), without building Long
 * objects or a protobufjs message first. Checked byte for byte against proto-loader in tests.
 */
import type { PostOrderRequest } from './order-messages.js';

const TWO64 = 1n << 64n;

/** Wire-type-0 tags: (field << 3) | 0; wire-type-2 tags: (field << 3) | 2. */
const TAG = {
  quantity: 0x10,
  price: 0x1a,
  direction: 0x20,
  accountId: 0x2a,
  orderType: 0x30,
  orderId: 0x3a,
  instrumentId: 0x42,
  timeInForce: 0x48,
  units: 0x08,
  nano: 0x10,
} as const;

/** An int64/int32 as a varint source: a safe non-negative number, or a bigint (negatives as 64-bit two's complement). */
type VarintValue = number | bigint;

function varintOf(v: number | string): VarintValue {
  const n = typeof v === 'number' ? v : Number(v);
  if (Number.isSafeInteger(n) && n >= 0) return n;
  const big = typeof v === 'number' ? BigInt(v) : BigInt(v);
  return big < 0n ? big + TWO64 : big;
}

function varintSize(v: VarintValue): number {
  if (typeof v === 'number') {
    let n = 1;
    while (v >= 128) {
      v = Math.floor(v / 128);
      n++;
    }
    return n;
  }
  let n = 1;
  while (v >= 128n) {
    v >>= 7n;
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: VarintValue): number {
  if (typeof v === 'number') {
    while (v >= 128) {
      buf[pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    return pos;
  }
  while (v >= 128n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

function writeString(buf: Buffer, pos: number, tag: number, s: string, len: number): number {
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, len);
  return pos + buf.write(s, pos, len, 'utf8');
}

export function encodePostOrderRequest(r: PostOrderRequest): Buffer {
  const quantity = varintOf(r.quantity);
  const direction = varintOf(r.direction);
  const orderType = varintOf(r.orderType);
  const timeInForce = varintOf(r.timeInForce);
  const account = Buffer.byteLength(r.accountId, 'utf8');
  const key = Buffer.byteLength(r.orderId, 'utf8');
  const instrument = Buffer.byteLength(r.instrumentId, 'utf8');
  let units: VarintValue = 0;
  let nano: VarintValue = 0;
  let priceLen = 0;
  if (r.price) {
    units = varintOf(r.price.units);
    nano = varintOf(r.price.nano);
    priceLen = 1 + varintSize(units) + 1 + varintSize(nano);
  }
  const size =
    1 + varintSize(quantity) +
    (r.price ? 1 + varintSize(priceLen) + priceLen : 0) +
    1 + varintSize(direction) +
    1 + varintSize(account) + account +
    1 + varintSize(orderType) +
    1 + varintSize(key) + key +
    1 + varintSize(instrument) + instrument +
    1 + varintSize(timeInForce);
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  buf[pos++] = TAG.quantity;
  pos = writeVarint(buf, pos, quantity);
  if (r.price) {
    buf[pos++] = TAG.price;
    pos = writeVarint(buf, pos, priceLen);
    buf[pos++] = TAG.units;
    pos = writeVarint(buf, pos, units);
    buf[pos++] = TAG.nano;
    pos = writeVarint(buf, pos, nano);
  }
  buf[pos++] = TAG.direction;
  pos = writeVarint(buf, pos, direction);
  pos = writeString(buf, pos, TAG.accountId, r.accountId, account);
  buf[pos++] = TAG.orderType;
  pos = writeVarint(buf, pos, orderType);
  pos = writeString(buf, pos, TAG.orderId, r.orderId, key);
  pos = writeString(buf, pos, TAG.instrumentId, r.instrumentId, instrument);
  buf[pos++] = TAG.timeInForce;
  writeVarint(buf, pos, timeInForce);
  return buf;
}
