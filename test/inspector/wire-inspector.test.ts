import { describe, expect, it } from 'vitest';
import { method, packageDefinition } from '../../electron/venues/tinvest/proto.js';
import { decodeWireBytes } from '../../electron/app/wire-decoders.js';
import { Redactor } from '../../electron/core/redact.js';
import { redact, registerSecret } from '../../electron/core/log.js';
import { FRAMES_PER_CONNECTION, MAX_KEPT_PAYLOAD, MAX_READ, MAX_READ_CHARS, WireInspector } from '../../electron/inspector/wire-inspector.js';
import { MAX_SHOWN_CHARS, reindent } from '../../electron/inspector/frame-text.js';
import { WireTaps, wallClock, type WireFrame } from '../../electron/net/wire-tap.js';

/** A Kraken WS token as GetWebSocketsToken hands it out: base64, nobody registered it. */
const WS_TOKEN = 'WW91ciBhdXRoZW50aWNhdGlvbiB0b2tlbiBnb2VzIGhlcmUu';

function frame(o: Partial<WireFrame> & Pick<WireFrame, 'connection'>): WireFrame {
  return { venue: 'kraken', dir: 'in', kind: 'frame', at: wallClock(), ...o };
}

function inspector(o: { redact?: (s: string) => string; frames?: number; weight?: number } = {}): { wire: WireTaps; insp: WireInspector } {
  const wire = new WireTaps();
  const insp = new WireInspector({
    wire,
    redact: o.redact ?? redact,
    decode: decodeWireBytes,
    ...(o.frames ? { framesPerConnection: o.frames } : {}),
    ...(o.weight ? { weightPerConnection: o.weight } : {}),
  });
  return { wire, insp };
}

describe('wire inspector: listening', () => {
  it('listens to the wire only while a view is open, and lets the frames go with the last view', () => {
    const { wire, insp } = inspector();
    expect(wire.active).toBe(false);
    const a = insp.open({});
    const b = insp.open({ venue: 'kraken' });
    expect(wire.active).toBe(true);
    wire.emit(frame({ connection: 'public', text: '{"channel":"heartbeat"}' }));
    insp.close(a.viewId);
    expect(wire.active).toBe(true);
    expect(insp.read(b.viewId).frames).toHaveLength(1);
    insp.close(b.viewId);
    expect(wire.active).toBe(false);
    // Frames emitted while nobody looks are not seen, and the old ones are gone.
    wire.emit(frame({ connection: 'public', text: '{"channel":"heartbeat"}' }));
    const c = insp.open({});
    expect(insp.read(c.viewId).frames).toEqual([]);
    expect(c.connections).toEqual([]);
  });

  it('reads frames after a cursor, oldest first, across connections, and narrows by venue, connection and a part of the channel', () => {
    const { wire, insp } = inspector();
    const all = insp.open({});
    const books = insp.open({ channel: 'BOOK' });
    const privateOnly = insp.open({ venue: 'kraken', connection: 'private' });
    wire.emit(frame({ connection: 'public', dir: 'out', text: '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10},"req_id":1}' }));
    wire.emit(frame({ connection: 'public', text: '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":64250.1,"qty":0.12345678901234567890}]}]}' }));
    wire.emit(frame({ connection: 'private', text: '{"channel":"executions","type":"snapshot","data":[]}' }));
    wire.emit(frame({ venue: 'tinvest', connection: 'unary', dir: 'out', channel: '/x.OrdersService/GetOrders', kind: 'open' }));
    const r = insp.read(all.viewId);
    expect(r.frames.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    expect(r.frames.map((f) => f.channel)).toEqual(['book', 'book', 'executions', '/x.OrdersService/GetOrders']);
    expect(r.frames[0]).toMatchObject({ dir: 'out', kind: 'frame', venue: 'kraken', connection: 'public' });
    expect(r.next).toBe(4);
    expect(r.more).toBe(false);
    // The next read starts where this one ended.
    expect(insp.read(all.viewId).frames).toEqual([]);
    expect(insp.read(all.viewId, 2).frames.map((f) => f.seq)).toEqual([3, 4]);
    expect(insp.read(books.viewId).frames.map((f) => f.seq)).toEqual([1, 2]);
    expect(insp.read(privateOnly.viewId).frames.map((f) => f.channel)).toEqual(['executions']);
    expect(r.connections.map((c) => `${c.venue}/${c.connection}`)).toEqual(['kraken/private', 'kraken/public', 'tinvest/unary']);
    expect(r.connections.find((c) => c.connection === 'public')?.channels).toEqual(['book']);
  });

  it('keeps JSON as it was sent: re-indented, every digit of a number kept', () => {
    const { wire, insp } = inspector();
    const v = insp.open({});
    const text = '{"channel":"book","data":[{"qty":0.12345678901234567890,"s":"a \\"quoted\\" ,:{"}],"e":[],"o":{}}';
    wire.emit(frame({ connection: 'public', text }));
    const [f] = insp.read(v.viewId).frames;
    expect(f?.text).toContain('0.12345678901234567890');
    expect(f?.text).toBe(reindent(text));
    expect(JSON.parse(f!.text!)).toEqual(JSON.parse(text));
    expect(f?.text?.split('\n').length).toBeGreaterThan(5);
    expect(f?.size).toBe(Buffer.byteLength(text));
  });

  it('shows text that is not JSON as it came, and a status redacted', () => {
    const { wire, insp } = inspector();
    const v = insp.open({});
    wire.emit(frame({ connection: 'rest', dir: 'out', channel: 'AddOrder', text: 'nonce=1733500000000&ordertype=limit&otp=Xy7-secret-otp&pair=XBTUSD' }));
    wire.emit(frame({ connection: 'private', kind: 'close', status: { code: 1008, detail: `bad token=${WS_TOKEN}` } }));
    const [rest, close] = insp.read(v.viewId).frames;
    expect(rest?.text).toContain('ordertype=limit');
    expect(rest?.text).not.toContain('Xy7-secret-otp');
    expect(close?.status?.code).toBe('1008');
    expect(close?.status?.detail).not.toContain(WS_TOKEN);
  });
});

describe('wire inspector: redaction by the log redactor', () => {
  it('never shows a registered secret nor a Kraken WS token, in whichever field they come', () => {
    const secret = 'InspectorRegisteredSecret-9f8e7d6c5b4a';
    registerSecret(secret);
    const { wire, insp } = inspector();
    const v = insp.open({});
    wire.emit(frame({ connection: 'private', dir: 'out', text: JSON.stringify({ method: 'subscribe', params: { channel: 'executions', token: WS_TOKEN, snap_orders: true }, req_id: 7 }) }));
    wire.emit(frame({ connection: 'private', dir: 'in', text: JSON.stringify({ method: 'subscribe', result: { channel: 'executions', echo: `the key was ${secret}` }, success: true }) }));
    wire.emit(frame({ connection: 'rest', dir: 'in', channel: 'GetWebSocketsToken', text: JSON.stringify({ error: [], result: { token: WS_TOKEN, expires: 900 } }) }));
    wire.emit(frame({ connection: 'rest', dir: 'out', channel: 'AddOrder', text: `nonce=1&note=${encodeURIComponent(secret)}` }));
    const frames = insp.read(v.viewId).frames;
    expect(frames).toHaveLength(4);
    const shown = JSON.stringify(frames);
    expect(shown).not.toContain(WS_TOKEN);
    expect(shown).not.toContain(secret);
    expect(shown).toContain('[redacted]');
    // The rest of the frame is still there to read.
    expect(frames[0]?.text).toContain('"snap_orders": true');
    expect(frames[0]?.channel).toBe('executions');
  });

  it('redacts before it cuts, so a secret across the cut is masked, not halved', () => {
    const r = new Redactor();
    const secret = 'CutAcrossSecretValue-0123456789abcdef';
    r.register(secret);
    const { wire, insp } = inspector({ redact: (s) => r.redact(s) });
    const v = insp.open({});
    // Pad so the secret straddles MAX_SHOWN_CHARS in the re-indented text ('"' + pad + '"' then the secret).
    const pad = 'x'.repeat(MAX_SHOWN_CHARS - 30);
    wire.emit(frame({ connection: 'public', text: JSON.stringify([pad, secret, 'tail'.repeat(100)]) }));
    const [f] = insp.read(v.viewId).frames;
    expect(f?.truncated).toBe(true);
    expect(f?.text?.length).toBe(MAX_SHOWN_CHARS);
    expect(f?.text).not.toContain(secret.slice(0, 12));
  });
});

describe('wire inspector: bounds', () => {
  it('keeps the last N frames per connection and says when a reader fell behind', () => {
    const { wire, insp } = inspector();
    const v = insp.open({});
    for (let i = 0; i < FRAMES_PER_CONNECTION + 20; i++) wire.emit(frame({ connection: 'public', text: `{"channel":"ticker","n":${i}}` }));
    wire.emit(frame({ connection: 'private', text: '{"channel":"balances"}' }));
    const r = insp.read(v.viewId);
    expect(r.gap).toBe(true);
    expect(r.frames).toHaveLength(MAX_READ);
    expect(r.more).toBe(true);
    expect(r.frames[0]?.text).toContain('"n": 20');
    expect(insp.read(v.viewId).frames.map((f) => f.channel)).toEqual(['balances']);
    expect(r.connections.find((c) => c.connection === 'public')?.frames).toBe(FRAMES_PER_CONNECTION);
    // Caught up: no gap.
    wire.emit(frame({ connection: 'public', text: '{"channel":"ticker"}' }));
    expect(insp.read(v.viewId).gap).toBe(false);
  });

  it('returns at most `limit` frames per read and says more wait', () => {
    const { wire, insp } = inspector();
    const v = insp.open({});
    for (let i = 0; i < 30; i++) wire.emit(frame({ connection: 'public', text: `{"channel":"ticker","n":${i}}` }));
    const first = insp.read(v.viewId, 0, 20);
    expect(first.frames).toHaveLength(20);
    expect(first.more).toBe(true);
    const rest = insp.read(v.viewId, first.next, 20);
    expect(rest.frames.map((f) => f.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
    expect(rest.more).toBe(false);
  });

  it('cuts a read at a few MiB of text, whatever the frame count, and the next read goes on from there', () => {
    const { wire, insp } = inspector();
    const v = insp.open({});
    const big = JSON.stringify({ channel: 'book', pad: 'q'.repeat(MAX_SHOWN_CHARS) });
    const n = Math.ceil(MAX_READ_CHARS / MAX_SHOWN_CHARS) + 3;
    for (let i = 0; i < n; i++) wire.emit(frame({ connection: 'public', text: big }));
    const first = insp.read(v.viewId);
    expect(first.more).toBe(true);
    expect(first.frames.length).toBeLessThan(n);
    expect(first.frames.reduce((sum, f) => sum + (f.text?.length ?? 0), 0)).toBeLessThanOrEqual(MAX_READ_CHARS);
    const rest = insp.read(v.viewId);
    expect(rest.more).toBe(false);
    expect(first.frames.length + rest.frames.length).toBe(n);
    expect(rest.frames[0]?.seq).toBe(first.next + 1);
  });

  it('keeps no payload larger than it may, and drops the oldest frames past a connection\'s weight', () => {
    const { wire, insp } = inspector({ weight: 100_000 });
    const v = insp.open({});
    wire.emit(frame({ connection: 'rest', text: JSON.stringify({ big: 'y'.repeat(MAX_KEPT_PAYLOAD + 1) }) }));
    const [big] = insp.read(v.viewId).frames;
    expect(big?.text).toBeUndefined();
    expect(big?.size).toBeGreaterThan(MAX_KEPT_PAYLOAD);
    expect(big?.note).toMatch(/larger than the inspector keeps/);
    for (let i = 0; i < 5; i++) wire.emit(frame({ connection: 'rest', text: JSON.stringify({ n: i, pad: 'z'.repeat(30_000) }) }));
    const r = insp.read(v.viewId);
    expect(r.gap).toBe(true);
    expect(r.connections.find((c) => c.connection === 'rest')?.frames).toBeLessThanOrEqual(4);
    expect(r.frames.at(-1)?.text).toContain('"n": 4');
  });

  it('copies protobuf bytes when they cross, so a transport reusing its buffer changes nothing shown', () => {
    const { wire, insp } = inspector();
    const v = insp.open({});
    const post = method<object, object>('OrdersService', 'PostOrder');
    const buf = Buffer.from(post.serialize({ quantity: '3', accountId: 'acc-1', orderId: 'id-1', instrumentId: 'BBG004730N88', direction: 1, orderType: 1 }));
    wire.emit({ venue: 'tinvest', connection: 'unary', channel: post.path, dir: 'out', kind: 'frame', at: wallClock(), bytes: buf });
    buf.fill(0);
    const [f] = insp.read(v.viewId).frames;
    expect(JSON.parse(f!.text!)).toMatchObject({ accountId: 'acc-1' });
  });
});

describe('wire inspector: T-Invest protobuf', () => {
  it('decodes PostOrderRequest bytes going out to JSON with its fields, enums by name, money exact', () => {
    packageDefinition();
    const post = method<object, object>('OrdersService', 'PostOrder');
    const bytes = post.serialize({
      quantity: '12',
      price: { units: '287', nano: 450000000 },
      direction: 1,
      accountId: '2000123456',
      orderType: 1,
      orderId: '6f1c2b9e-8a47-4d2b-9a51-0c3f5e7d9b21',
      instrumentId: 'e6123145-9665-43e0-8413-cd61b8aa9b13',
    });
    const { wire, insp } = inspector();
    const v = insp.open({});
    for (const channel of [post.path, 'OrdersService/PostOrder', 'PostOrder']) {
      wire.emit({ venue: 'tinvest', connection: 'unary', channel, dir: 'out', kind: 'frame', at: wallClock(), bytes: new Uint8Array(bytes) });
    }
    const frames = insp.read(v.viewId).frames;
    expect(frames).toHaveLength(3);
    for (const f of frames) {
      expect(f.note).toBeUndefined();
      expect(f.size).toBe(bytes.length);
      expect(JSON.parse(f.text!)).toEqual({
        quantity: '12',
        price: { units: '287', nano: 450000000 },
        direction: 'ORDER_DIRECTION_BUY',
        accountId: '2000123456',
        orderType: 'ORDER_TYPE_LIMIT',
        orderId: '6f1c2b9e-8a47-4d2b-9a51-0c3f5e7d9b21',
        instrumentId: 'e6123145-9665-43e0-8413-cd61b8aa9b13',
      });
    }
  });

  it('decodes a response coming in by the response type, and shows bytes it cannot decode as hex with why', () => {
    const post = method<object, object>('OrdersService', 'PostOrder');
    const res = packageDefinition()['tinkoff.public.invest.api.contract.v1.PostOrderResponse'];
    expect(res).toBeDefined();
    const { wire, insp } = inspector();
    const v = insp.open({});
    // A PostOrderResponse: order_id (field 1) "abc", lots_requested (field 3) = 5.
    wire.emit({ venue: 'tinvest', connection: 'unary', channel: post.path, dir: 'in', kind: 'frame', at: wallClock(), bytes: new Uint8Array([0x0a, 0x03, 0x61, 0x62, 0x63, 0x18, 0x05]) });
    wire.emit({ venue: 'tinvest', connection: 'unary', channel: post.path, dir: 'in', kind: 'frame', at: wallClock(), bytes: new Uint8Array([0x08]) });
    wire.emit({ venue: 'tinvest', connection: 'unary', channel: 'NoSuchMethod', dir: 'in', kind: 'frame', at: wallClock(), bytes: new Uint8Array([1, 2, 3]) });
    const [ok, broken, unknown] = insp.read(v.viewId).frames;
    expect(JSON.parse(ok!.text!)).toMatchObject({ orderId: 'abc', lotsRequested: '5' });
    expect(broken?.note).toMatch(/^could not decode/);
    expect(broken?.text).toBe('08');
    expect(unknown?.note).toMatch(/no decoder/);
    expect(unknown?.text).toBe('01 02 03');
  });
});
