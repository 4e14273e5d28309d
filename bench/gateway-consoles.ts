/**
 * The gateway bench's consoles, all in this one child process (`node --import tsx
 * bench/gateway-consoles.ts --nats URL --count N --dir D`): N headless apps in console mode, each
 * with its own data folder, console id and WebSocket bridge on a free port. Prints one JSON line,
 * `{"urls":[...]}`, once every console has started, and runs until SIGTERM, then shuts each
 * down. One process, not N: twenty Node processes would weigh ~2 GB on this box and fight the
 * gateway for its two cores; not the bench process either, so its clients' receipt times are
 * not held up by the consoles' own work.
 */
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { silentLogger } from '../electron/core/log.js';
import { startHeadless, type Headless } from '../electron/headless.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { nats: { type: 'string' }, count: { type: 'string' }, dir: { type: 'string' } },
    strict: true,
  });
  const count = Number(values.count);
  if (values.nats === undefined || values.dir === undefined || !Number.isInteger(count) || count < 1) {
    throw new Error('usage: gateway-consoles.ts --nats URL --count N --dir D');
  }
  // The bench drives the bridges only; a placeholder page keeps the apps from warning about a missing build.
  const rendererDir = path.join(values.dir, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Switchboard</title>');
  const apps: Headless[] = [];
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      for (const app of apps) {
        await app.shutdown().catch(() => undefined);
        await app.close().catch(() => undefined);
      }
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let i = 0; i < count; i++) {
    apps.push(
      await startHeadless({
        port: 0,
        gateway: { servers: [values.nats], name: `bench-console-${i}` },
        consoleId: `bench-console-${i}`,
        rendererDir,
        dataDir: path.join(values.dir, `console-${i}`),
        log: silentLogger,
      }),
    );
  }
  process.stdout.write(`${JSON.stringify({ urls: apps.map((a) => a.url) })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`gateway-consoles: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
