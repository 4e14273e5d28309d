/**
 * docs/gateway.md shows the desk's NATS config as electron/gateway/nats-config.ts makes it: the
 * single-server config verbatim (placeholder passwords), a cluster node's head verbatim; and
 * nats-server accepts both as the page shows them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationConfig, deskServerConfig, deskUsers } from '../../electron/gateway/nats-config.js';
import { makeLocalCertificate } from '../../sim/tls.js';
import { natsServerBinary } from './nats-server.js';

const USERS = deskUsers({ gateway: 'CHANGE-ME-gateway', lead: 'CHANGE-ME-lead', trader: 'CHANGE-ME-trader', viewer: 'CHANGE-ME-viewer' });
const BASE = { serverName: 'desk-nats-1', listen: '0.0.0.0:4222', storeDir: '/var/lib/nats-server/jetstream', users: USERS };
const TLS = { cert: '/etc/nats-server/server-cert.pem', key: '/etc/nats-server/server-key.pem' };
const CLUSTER = {
  name: 'desk',
  listen: '0.0.0.0:6222',
  routes: ['nats-route://nats1.desk.lan:6222', 'nats-route://nats2.desk.lan:6222', 'nats-route://nats3.desk.lan:6222'],
};
const SAME_AUTHORIZATION = '# authorization: the same block as above, identical on every node\n';

const doc = readFileSync(new URL('../../docs/gateway.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```conf\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sb-nats-doc-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Only the store and the certificate files move to a temporary directory; the rest is the page's text. */
async function checkWithServer(text: string, name: string): Promise<void> {
  const cert = await makeLocalCertificate();
  writeFileSync(path.join(dir, 'cert.pem'), cert.certPem);
  writeFileSync(path.join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
  const file = path.join(dir, `${name}.conf`);
  writeFileSync(
    file,
    text
      .replace(/store_dir: "[^"]*"/, `store_dir: ${JSON.stringify(path.join(dir, `${name}-js`))}`)
      .replace(TLS.cert, path.join(dir, 'cert.pem'))
      .replace(TLS.key, path.join(dir, 'key.pem')),
  );
  // Throws (with the server's parse error) on a non-zero exit.
  execFileSync(natsServerBinary(), ['-c', file, '-t'], { stdio: 'pipe', timeout: 60_000 });
}

describe('docs/gateway.md', () => {
  it('shows two conf blocks: the desk config exactly as deskServerConfig writes it, and a cluster node as it writes it', () => {
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toBe(deskServerConfig(BASE));
    const node = blocks[1] ?? '';
    expect(node).toContain(SAME_AUTHORIZATION);
    expect(node.replace(SAME_AUTHORIZATION, authorizationConfig(USERS))).toBe(deskServerConfig({ ...BASE, tls: TLS, cluster: CLUSTER }));
  });

  it('shows the tls line deskServerConfig writes', () => {
    const tlsLine = deskServerConfig({ ...BASE, tls: TLS }).split('\n').find((l) => l.startsWith('tls {'));
    expect(tlsLine).toBeDefined();
    expect(doc).toContain(`\`\`\`\n${tlsLine}\n\`\`\``);
  });

  it('its desk config is one nats-server accepts (nats-server -t)', async () => {
    await checkWithServer(blocks[0] ?? '', 'desk');
  });

  it('its cluster node, with the authorization block filled in, is one nats-server accepts', async () => {
    await checkWithServer((blocks[1] ?? '').replace(SAME_AUTHORIZATION, authorizationConfig(USERS)), 'node');
  });
});
