/** docs/gateway.md shows the NATS config the tests run: its config block holds the harness's authorization block verbatim. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { authorizationConfig, natsServerBinary } from './nats-server.js';
import { deskUsers } from './desk-config.js';

describe('docs/gateway.md', () => {
  it('shows exactly the users and permissions test/nats runs against (with placeholder passwords)', () => {
    const doc = readFileSync(new URL('../../docs/gateway.md', import.meta.url), 'utf8');
    const block = /```conf\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block, 'a ```conf block').toBeDefined();
    expect(block).toContain(authorizationConfig(deskUsers({ gateway: 'CHANGE-ME-gateway', trader: 'CHANGE-ME-trader', viewer: 'CHANGE-ME-viewer' })));
    expect(block).toMatch(/^jetstream \{ store_dir: /m);
  });

  it('its config block is one nats-server accepts (nats-server -t)', () => {
    const doc = readFileSync(new URL('../../docs/gateway.md', import.meta.url), 'utf8');
    const block = /```conf\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-nats-doc-'));
    try {
      // Only the store moves to a temporary directory; everything else is the page's text.
      const file = path.join(dir, 'desk.conf');
      writeFileSync(file, block.replace(/store_dir: "[^"]*"/, `store_dir: ${JSON.stringify(path.join(dir, 'js'))}`));
      // Throws (with the server's parse error) on a non-zero exit.
      execFileSync(natsServerBinary(), ['-c', file, '-t'], { stdio: 'pipe', timeout: 60_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
