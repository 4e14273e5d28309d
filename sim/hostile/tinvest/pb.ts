/**
 * A tiny protobuf writer that can also write what protobuf forbids: the hostile venue builds
 * real message shapes field by field, then bends them (wrong wire types, bad lengths, field 0,
 * overlong varints). A message is a list of fields; a field's value is already-encoded bytes
 * for wire type 2, a bigint for varints, or raw bytes for the fixed types.
 */

export type Field =
  | { no: number; wt: 0; v: bigint }
  | { no: number; wt: 1 | 5; raw: Buffer }
  | { no: number; wt: 2; bytes: Buffer }
  /** Anything at all after the tag (for wire types 3, 4, 6, 7 or a lying length). */
  | { no: number; wt: number; tail: Buffer };

export function varint(n: bigint): Buffer {
  // Negative int64/int32 go out as 10-byte two's complement, as protobuf writes them.
  let x = BigInt.asUintN(64, n);
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Buffer.from(out);
}

export function tag(no: number, wt: number): Buffer {
  return varint((BigInt(no) << 3n) | BigInt(wt));
}

export function encodeField(f: Field): Buffer {
  if ('tail' in f) return Buffer.concat([tag(f.no, f.wt), f.tail]);
  if (f.wt === 0) return Buffer.concat([tag(f.no, 0), varint(f.v)]);
  if (f.wt === 2) return Buffer.concat([tag(f.no, 2), varint(BigInt(f.bytes.length)), f.bytes]);
  return Buffer.concat([tag(f.no, f.wt), f.raw]);
}

export function encode(fields: readonly Field[]): Buffer {
  return Buffer.concat(fields.map(encodeField));
}

export const vint = (no: number, v: number | bigint): Field => ({ no, wt: 0, v: BigInt(v) });
export const str = (no: number, s: string): Field => ({ no, wt: 2, bytes: Buffer.from(s, 'utf8') });
export const msg = (no: number, fields: readonly Field[]): Field => ({ no, wt: 2, bytes: encode(fields) });
export const bytesField = (no: number, b: Buffer): Field => ({ no, wt: 2, bytes: b });

/** Quotation { units int64 = 1; nano int32 = 2 }; proto3 leaves zero fields out. */
export function quotation(units: bigint, nano: number): Field[] {
  const out: Field[] = [];
  if (units !== 0n) out.push(vint(1, units));
  if (nano !== 0) out.push(vint(2, nano));
  return out;
}

/** google.protobuf.Timestamp { seconds int64 = 1; nanos int32 = 2 }. */
export function timestamp(seconds: bigint, nanos: number): Field[] {
  const out: Field[] = [];
  if (seconds !== 0n) out.push(vint(1, seconds));
  if (nanos !== 0) out.push(vint(2, nanos));
  return out;
}

/** The same field under another wire type, its payload kept as it was. */
export function withWireType(f: Field, wt: number): Field {
  const body = encodeField(f).subarray(tag(f.no, f.wt).length);
  return { no: f.no, wt, tail: body };
}
