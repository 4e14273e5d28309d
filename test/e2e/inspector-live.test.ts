/**
 * The wire inspector on what the adapters really sent and received (not frames a test made):
 * with the Inspector tab open on the demo venues, Kraken's JSON and T-Invest's protobuf show,
 * the protobuf decoded, and no credential of either demo venue (API key, API secret, T-Invest
 * token, a Kraken WS token) in anything the inspector hands out.
 * Needs `npm run build:renderer`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectorFrame } from '../../electron/contract.js';
import { BridgeClient } from '../bridge/bridge-client.js';
import { PATIENCE_MS, startStage, until, type Stage } from './workspace-page.js';

let stage: Stage | undefined;
afterEach(async () => {
  await stage?.close();
  stage = undefined;
});

describe('the wire inspector on live adapter frames', () => {
  it('shows frames the Kraken and T-Invest adapters really exchanged, decoded, with no credential in them', async () => {
    stage = await startStage();
    const { page, w, app, kraken, tinvest } = stage;
    await w.tab('Inspector');
    await until('the inspector to open a view', async () => (app.wire.active ? true : undefined));
    const rows = page.getByRole('region', { name: 'Wire inspector' }).getByRole('list', { name: 'Frames' }).getByRole('listitem');
    const labels = async (): Promise<string[]> => rows.locator('summary').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    await until(
      'frames from both adapters in the panel',
      async () => {
        const ls = await labels();
        return ls.some((l) => /^In .* on Kraken /.test(l)) && ls.some((l) => /^In .* on T-Invest /.test(l)) ? true : undefined;
      },
      PATIENCE_MS * 2,
    );

    // Everything the inspector holds, read over the bridge as the panel does.
    const client = await BridgeClient.open(new URL(app.url));
    try {
      const { viewId } = await client.value('inspector.open', {});
      const frames: InspectorFrame[] = [];
      await until('a decoded T-Invest frame and a Kraken data frame', async () => {
        for (;;) {
          const r = await client.value('inspector.read', { viewId });
          frames.push(...r.frames);
          if (!r.more) break;
        }
        const decodedTInvest = frames.some((f) => f.venue === 'tinvest' && f.dir === 'in' && f.kind === 'frame' && f.note === undefined && f.text !== undefined && f.text.startsWith('{'));
        const krakenData = frames.some((f) => f.venue === 'kraken' && f.dir === 'in' && f.kind === 'frame' && f.channel !== undefined && f.text !== undefined && f.text.startsWith('{'));
        return decodedTInvest && krakenData ? true : undefined;
      });
      // No T-Invest frame the app could not decode.
      expect(frames.filter((f) => f.venue === 'tinvest' && f.note !== undefined).map((f) => `${f.channel}: ${f.note}`)).toEqual([]);
      const all = JSON.stringify(frames);
      for (const secret of [kraken.apiKey, kraken.apiSecret, tinvest.token]) expect(all).not.toContain(secret);
      // Kraken's private subscriptions carry a WS token: every one shown is masked.
      for (const m of all.matchAll(/\\"token\\": ?\\"([^\\]*)\\"/g)) expect(m[1]).toBe('[redacted]');
      await client.value('inspector.close', { viewId });
    } finally {
      client.close();
    }
    expect(await page.content()).not.toContain(kraken.apiSecret);
  }, 240_000);
});
