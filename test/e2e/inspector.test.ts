/**
 * The wire inspector in Chromium on the demo venues: the Inspector tab opens a view (the app
 * starts listening to the wire), frames show with their direction, channel and size, decoded
 * (T-Invest protobuf as JSON) and redacted (a Kraken WS token never reaches the page); a
 * connection and a channel narrow the list; paused, the list holds still while the app keeps
 * buffering; leaving the tab stops the listening. The frames here are emitted into the app's
 * wire tap by the test, on a connection of their own ('e2e'), so whatever the adapters emit
 * beside them changes nothing asserted. Needs `npm run build:renderer`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { method } from '../../electron/venues/tinvest/proto.js';
import { wallClock, type WireFrame } from '../../electron/net/wire-tap.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { PATIENCE_MS, startStage, until, type Stage } from './workspace-page.js';

const WS_TOKEN = 'WW91ciBhdXRoZW50aWNhdGlvbiB0b2tlbiBnb2VzIGhlcmUu';

let stage: Stage | undefined;
afterEach(async () => {
  await stage?.close();
  stage = undefined;
});

function kraken(dir: 'in' | 'out', text: string): WireFrame {
  return { venue: 'kraken', connection: 'e2e', dir, kind: 'frame', at: wallClock(), text };
}

function bookUpdate(n: number): WireFrame {
  return kraken('in', `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":64250.${n},"qty":0.5}],"asks":[],"checksum":${n},"timestamp":"2026-12-06T17:00:00.000000Z"}]}`);
}

describe('the wire inspector in Chromium', () => {
  it('shows frames decoded and redacted, filters by connection and channel, pauses, and stops listening when left', async () => {
    stage = await startStage();
    const { page, w, app } = stage;
    const panel = page.getByRole('region', { name: 'Wire inspector' });
    const rows = panel.getByRole('list', { name: 'Frames' }).getByRole('listitem');
    expect(app.wire.active).toBe(false);
    await w.tab('Inspector');
    await until('the inspector to open a view', async () => (app.wire.active ? true : undefined));

    const post = method<object, object>('OrdersService', 'PostOrder');
    const frames: WireFrame[] = [
      kraken('out', '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10},"req_id":1}'),
      bookUpdate(1),
      kraken('in', '{"channel":"ohlc","type":"update","data":[{"symbol":"BTC/USD","close":64250.1234567890123,"interval":1}]}'),
      kraken('out', JSON.stringify({ method: 'subscribe', params: { channel: 'executions', token: WS_TOKEN, snap_orders: true }, req_id: 2 })),
      {
        venue: 'tinvest',
        connection: 'e2e',
        channel: post.path,
        dir: 'out',
        kind: 'frame',
        at: wallClock(),
        bytes: post.serialize({ quantity: '7', price: { units: '287', nano: 450000000 }, direction: 2, accountId: 'e2e-account', orderType: 1, orderId: '5b0f0c7e-2f0a-4c55-9d7e-1f6f8a3c2b10', instrumentId: 'BBG004730N88' }),
      },
      { venue: 'kraken', connection: 'e2e', dir: 'in', kind: 'close', at: wallClock(), status: { code: 1006, detail: 'gone' } },
    ];
    for (const f of frames) app.wire.emit(f);

    // Every connection shows, ours among them; narrowed to Kraken's 'e2e', the four frames and the close.
    await panel.getByRole('combobox', { name: 'Connection' }).selectOption('kraken/e2e');
    await until('the Kraken e2e frames', async () => ((await rows.count()) === 5 ? true : undefined));
    const labels = await rows.locator('summary').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(labels[0]).toMatch(/^Out book on Kraken e2e, \d+ B$/);
    expect(labels[1]).toMatch(/^In book on Kraken e2e/);
    expect(labels[2]).toMatch(/^In ohlc on Kraken e2e/);
    expect(labels[3]).toMatch(/^Out executions on Kraken e2e/);
    expect(labels[4]).toMatch(/^In close on Kraken e2e/);
    await expect(rows.nth(4).textContent()).resolves.toContain('close 1006: gone');
    // JSON as sent: the long price keeps every digit; the token is masked.
    await rows.nth(2).locator('summary').click();
    await expect(rows.nth(2).getByLabel('Frame text').textContent()).resolves.toContain('64250.1234567890123');
    await rows.nth(3).locator('summary').click();
    const subscribe = (await rows.nth(3).getByLabel('Frame text').textContent()) ?? '';
    expect(subscribe).toContain('"token": "[redacted]"');
    expect(await page.content()).not.toContain(WS_TOKEN);

    // T-Invest's PostOrder, decoded from protobuf.
    await panel.getByRole('combobox', { name: 'Connection' }).selectOption('tinvest/e2e');
    await until('the T-Invest e2e frame', async () => ((await rows.count()) === 1 ? true : undefined));
    await rows.first().locator('summary').click();
    const order = JSON.parse((await rows.first().getByLabel('Frame text').textContent()) ?? '') as Record<string, unknown>;
    expect(order).toMatchObject({ quantity: '7', price: { units: '287', nano: 450000000 }, direction: 'ORDER_DIRECTION_SELL', accountId: 'e2e-account', instrumentId: 'BBG004730N88' });

    // By channel: picked from the channels seen, then typed.
    await panel.getByRole('combobox', { name: 'Connection' }).selectOption('kraken/e2e');
    await panel.getByRole('combobox', { name: 'Channels seen' }).selectOption('book');
    await until('only book frames', async () => {
      const ls = await rows.locator('summary').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      return ls.length === 2 && ls.every((l) => / book on /.test(l)) ? true : undefined;
    });
    await panel.getByRole('searchbox', { name: 'Channel contains' }).fill('OHL');
    await until('only the ohlc frame', async () => {
      const ls = await rows.locator('summary').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      return ls.length === 1 && / ohlc on /.test(ls[0]!) ? true : undefined;
    });
    await panel.getByRole('searchbox', { name: 'Channel contains' }).fill('book');
    await until('the book frames again', async () => ((await rows.count()) === 2 ? true : undefined));

    // Paused: new frames are buffered in the app (another client reads them) but the list holds still.
    await panel.getByRole('button', { name: 'Pause' }).click();
    await panel.getByRole('button', { name: 'Resume' }).waitFor({ timeout: PATIENCE_MS });
    const other = await BridgeClient.open(new URL(app.url));
    try {
      const { viewId } = await other.value('inspector.open', { venue: 'kraken', connection: 'e2e', channel: 'book' });
      for (let n = 2; n <= 4; n++) app.wire.emit(bookUpdate(n));
      const seen = await other.value('inspector.read', { viewId });
      expect(seen.frames.filter((f) => f.kind === 'frame')).toHaveLength(5);
      // Several of the panel's poll intervals: a panel that kept reading would have shown them by now.
      await sleep(1500);
      expect(await rows.count()).toBe(2);
      await panel.getByRole('button', { name: 'Resume' }).click();
      await until('the frames buffered while paused', async () => ((await rows.count()) === 5 ? true : undefined));
      await other.value('inspector.close', { viewId });
    } finally {
      other.close();
    }

    // Leaving the tab closes the panel's view: the app stops listening.
    await w.tab('Diagnostics');
    await until('the inspector to stop listening', async () => (app.wire.active ? undefined : true));
    expect(stage.problems).toEqual([]);
  }, 180_000);
});
