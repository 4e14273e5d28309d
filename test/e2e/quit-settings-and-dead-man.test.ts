/**
 * Two things the Connections and Diagnostics panels must show, in Chromium against the
 * headless app on the local Kraken venue: the box "Cancel my open Kraken orders when I quit"
 * (off at first, kept by the app once ticked, still ticked after a reload), and Kraken's dead
 * man's switch armed on the private connection's diagnostics card.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appConfig } from '../../electron/app/config-file.js';
import { QUIT_SETTINGS_FILE } from '../../electron/app/quit-settings.js';
import { silentLogger } from '../../electron/core/log.js';
import { ROOT_DIR, startHeadless, type Headless } from '../../electron/headless.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { krakenReadyLine } from '../../sim/ready-lines.js';
import { MemorySecretStore } from './memory-secret-store.js';
import { PATIENCE_MS, Workspace, requireChromium, until } from './workspace-page.js';

const CHROMIUM = '/usr/bin/chromium';

let tmp: string;
let kraken: KrakenSim;
let app: Headless;
let browser: Browser;
let page: Page;
let w: Workspace;

beforeAll(async () => {
  requireChromium();
  if (!existsSync(path.join(ROOT_DIR, 'renderer', 'dist', 'index.html'))) throw new Error('no renderer build: run `npm run build:renderer` first');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'switchboard-e2e-quit-'));
  kraken = await startKrakenSim({ seed: 5 });
  app = await startHeadless({
    port: 0,
    demoLines: [krakenReadyLine(kraken)],
    // Demo arms the switch only when the config asks (live does by default).
    config: appConfig({ venues: { kraken: { demoDeadManSwitchSec: 30 } } }),
    stateDir: tmp,
    dataDir: tmp,
    secretStore: new MemorySecretStore(),
    log: silentLogger,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await page.goto(app.url);
  w = new Workspace(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await kraken?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('quit setting and dead man’s switch in the panels', () => {
  it("shows Kraken's dead man's switch armed on the private connection's card", async () => {
    await w.tab('Diagnostics');
    const card = page.getByRole('article', { name: 'Kraken ws-private diagnostics' });
    await card.waitFor({ timeout: PATIENCE_MS });
    await until('the switch to show armed', async () => (/Dead man's switch\s*armed, 30 s/.test((await card.textContent()) ?? '') ? true : undefined));
  }, 120_000);

  it('offers "cancel my open orders when I quit" per venue, off at first, kept once ticked', async () => {
    await w.tab('Connections');
    const box = page.getByRole('checkbox', { name: 'Cancel my open Kraken orders when I quit' });
    await until('the box to show the kept choice', async () => ((await box.isEnabled()) ? true : undefined));
    expect(await box.isChecked()).toBe(false);
    await box.click();
    await until('the box to be ticked', async () => ((await box.isChecked()) ? true : undefined));
    const file = path.join(tmp, QUIT_SETTINGS_FILE);
    await until('the choice to be kept', async () => (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { cancelOnQuit: { kraken?: boolean } }).cancelOnQuit.kraken === true ? true : undefined));

    await page.reload();
    await w.tab('Connections');
    const again = page.getByRole('checkbox', { name: 'Cancel my open Kraken orders when I quit' });
    await until('the box to load', async () => ((await again.isEnabled()) ? true : undefined));
    expect(await again.isChecked()).toBe(true);
  }, 120_000);
});
