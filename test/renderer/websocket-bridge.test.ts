import { describe, expect, it } from 'vitest';
import type { LinkState } from '../../renderer/transport/link.js';
import { WebSocketBridge, type SocketHandlers, type Timers } from '../../renderer/transport/websocket-bridge.js';
import { settle } from './fixtures.js';
import { TOKEN_REFUSED_CLOSE_CODE } from '../../common/bridge-close.js';

class FakeSocket {
  sent: unknown[] = [];
  closed = false;
  constructor(
    readonly url: string,
    readonly handlers: SocketHandlers,
  ) {}
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(): void {
    this.closed = true;
  }
  answer(id: number, result: unknown): void {
    this.handlers.message(JSON.stringify({ id, result }));
  }
}

/** Timers that run only when the test says so. */
class ManualTimers implements Timers {
  private next = 1;
  readonly due = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }
  /** Runs the timers of exactly `ms` (request timeouts and reconnect delays differ). */
  run(match: (ms: number) => boolean): number[] {
    const ran: number[] = [];
    for (const [id, t] of [...this.due]) {
      if (!match(t.ms)) continue;
      this.due.delete(id);
      ran.push(t.ms);
      t.fn();
    }
    return ran;
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers = new ManualTimers();
  const links: LinkState[] = [];
  const bridge = new WebSocketBridge({
    url: 'ws://127.0.0.1:1/bridge?token=t',
    openSocket: (url, handlers) => {
      const s = new FakeSocket(url, handlers);
      sockets.push(s);
      return s;
    },
    timers,
    random: () => 0.5,
    requestTimeoutMs: 30_000,
    backoff: { initialMs: 200, maxMs: 1000 },
  });
  bridge.onLink((l) => links.push(l));
  const reconnect = () => timers.run((ms) => ms < 30_000);
  return { bridge, sockets, timers, links, reconnect };
}

describe('WebSocketBridge', () => {
  it('holds requests until the socket opens and resolves them with the answer of the same id', async () => {
    const { bridge, sockets } = setup();
    const answer = bridge.invoke('venues.list', {});
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.handlers.open();
    expect(sockets[0]!.sent).toEqual([{ id: 1, method: 'venues.list', params: {} }]);
    sockets[0]!.answer(1, { ok: true, value: [] });
    await expect(answer).resolves.toEqual({ ok: true, value: [] });
  });

  it('hands pushes to the listeners of their topic', () => {
    const { bridge, sockets } = setup();
    const seen: number[] = [];
    const off = bridge.subscribe('batch', (b) => seen.push(b.seq));
    sockets[0]!.handlers.open();
    const push = (seq: number) =>
      sockets[0]!.handlers.message(JSON.stringify({ topic: 'batch', payload: { seq, candles: [], orders: [], connections: [] } }));
    push(1);
    sockets[0]!.handlers.message('not json');
    off();
    push(2);
    expect(seen).toEqual([1]);
  });

  it('answers a request lost with the socket as an unknown outcome, and reconnects with backoff', async () => {
    const { bridge, sockets, links, reconnect } = setup();
    sockets[0]!.handlers.open();
    const lost = bridge.invoke('candles.subscribe', { venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' });
    sockets[0]!.handlers.close(1006, '');
    await expect(lost).resolves.toMatchObject({ ok: false, code: 'unknown-outcome' });
    expect(links).toEqual(['open', 'reconnecting']);

    const waiting = bridge.invoke('venues.list', {});
    const delays = reconnect();
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(100);
    expect(delays[0]).toBeLessThanOrEqual(200);
    expect(sockets).toHaveLength(2);
    sockets[1]!.handlers.open();
    expect(links).toEqual(['open', 'reconnecting', 'open']);
    expect(sockets[1]!.sent).toEqual([{ id: 2, method: 'venues.list', params: {} }]);
    sockets[1]!.answer(2, { ok: true, value: [] });
    await expect(waiting).resolves.toMatchObject({ ok: true });
  });

  it('stops for good when the server refuses its token, and says nothing sent on that socket was carried out', async () => {
    const { bridge, sockets, links, timers, reconnect } = setup();
    // A restarted app: the old socket drops, the retry reaches the new app, which refuses the token.
    sockets[0]!.handlers.open();
    sockets[0]!.handlers.close(1006, '');
    reconnect();
    const sent = bridge.invoke('venues.list', {});
    sockets[1]!.handlers.open();
    sockets[1]!.handlers.close(TOKEN_REFUSED_CLOSE_CODE, 'token refused');
    await expect(sent).resolves.toMatchObject({ ok: false, code: 'unavailable' });
    expect(links).toEqual(['open', 'reconnecting', 'open', 'refused']);
    expect(bridge.link()).toBe('refused');
    // Nothing left to run: no reconnect, no request timer; later calls answer at once.
    expect(timers.due.size).toBe(0);
    expect(reconnect()).toEqual([]);
    await expect(bridge.invoke('venues.list', {})).resolves.toMatchObject({ ok: false, code: 'unavailable' });
    expect(sockets).toHaveLength(2);
    bridge.close();
    expect(bridge.link()).toBe('refused');
  });

  it('waits longer after each failed attempt, up to the ceiling', () => {
    const { sockets, reconnect } = setup();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      sockets[sockets.length - 1]!.handlers.close(1006, '');
      delays.push(...reconnect());
    }
    expect(delays).toEqual([150, 250, 450, 550, 550, 550]);
  });

  it('ignores events from a socket it has already replaced', () => {
    const { bridge, sockets, links, reconnect } = setup();
    sockets[0]!.handlers.close(1006, '');
    reconnect();
    sockets[0]!.handlers.open();
    expect(bridge.link()).toBe('reconnecting');
    expect(links).toEqual(['reconnecting']);
  });

  it('gives up on a request that gets no answer in time', async () => {
    const { bridge, sockets, timers } = setup();
    const queued = bridge.invoke('venues.list', {});
    timers.run((ms) => ms === 30_000);
    await expect(queued).resolves.toMatchObject({ ok: false, code: 'unavailable' });
    sockets[0]!.handlers.open();
    const sent = bridge.invoke('venues.list', {});
    timers.run((ms) => ms === 30_000);
    await expect(sent).resolves.toMatchObject({ ok: false, code: 'unknown-outcome' });
    sockets[0]!.answer(2, { ok: true, value: [] }); // late answers are dropped
    await settle();
  });

  it('stops for good when closed', async () => {
    const { bridge, sockets, timers } = setup();
    const pending = bridge.invoke('venues.list', {});
    bridge.close();
    expect(sockets[0]!.closed).toBe(true);
    await expect(pending).resolves.toMatchObject({ ok: false, code: 'unavailable' });
    await expect(bridge.invoke('venues.list', {})).resolves.toMatchObject({ ok: false });
    expect(timers.due.size).toBe(0);
  });
});
