/**
 * What the app says about itself at start-up reaches the page: when the demo venues can't
 * start (here: the simulator's executable does not exist), the workspace still opens and
 * shows "Demo mode is unavailable: …" above it. Debian Chromium; needs `npm run build:renderer`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeDemoLauncher } from '../../electron/app/demo-venues.js';
import { silentLogger } from '../../electron/core/log.js';
import { ROOT_DIR, startHeadless, type Headless } from '../../electron/headless.js';
import { MemorySecretStore } from './memory-secret-store.js';
import { PATIENCE_MS, requireChromium } from './workspace-page.js';

let app: Headless | undefined;
let browser: Browser | undefined;
let dir: string | undefined;
afterEach(async () => {
  await browser?.close();
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  app = browser = dir = undefined;
});

describe('start-up notices in Chromium', () => {
  it('shows that demo mode is unavailable, and why, above a workspace that still opens', async () => {
    requireChromium();
    if (!existsSync(path.join(ROOT_DIR, 'renderer', 'dist', 'index.html'))) throw new Error('no renderer build: run `npm run build:renderer` first');
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-notices-'));
    const missing = path.join(dir, 'no-such-node');
    app = await startHeadless({ port: 0, demoLauncher: nodeDemoLauncher({ execPath: missing }), dataDir: dir, secretStore: new MemorySecretStore(), log: silentLogger });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage();
    await page.goto(app.url);
    const notices = page.getByRole('region', { name: 'App notices' });
    const notice = notices.getByRole('status').filter({ hasText: /^Demo mode is unavailable: / });
    await notice.waitFor({ timeout: PATIENCE_MS });
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain('Sandbox and live connections are unaffected.');
    expect(text).toContain('ENOENT');
    expect(await page.getByRole('status', { name: 'Bridge link' }).textContent()).toBe('Bridge (websocket): open');
  }, 120_000);
});
