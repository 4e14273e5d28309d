/** The harness itself: a real nats-server starts, answers, restarts on its port and reports failures with its log. */
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { NatsStartError, startNats, type NatsServer } from './nats-server.js';

const servers: NatsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function started(o: Parameters<typeof startNats>[0] = {}): Promise<NatsServer> {
  const s = await startNats(o);
  servers.push(s);
  return s;
}

describe('startNats', () => {
  it('starts Debian nats-server on a port it picked and round-trips a core publish to a subscriber', async () => {
    const s = await started();
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`nats://127.0.0.1:${s.port}`);
    expect(s.log()).toMatch(/Version:\s+2\.9\./);
    const sub = await connect({ servers: s.url });
    const pub = await connect({ servers: s.url });
    try {
      const inbox = sub.subscribe('sb.test.echo', { max: 3 });
      await sub.flush(); // the server has the interest before anyone publishes
      for (const n of [1, 2, 3]) pub.publish('sb.test.echo', `m${n}`);
      const got: string[] = [];
      for await (const m of inbox) got.push(m.string());
      expect(got).toEqual(['m1', 'm2', 'm3']);
    } finally {
      await Promise.all([sub.close(), pub.close()]);
    }
  });

  it('two servers at once get different ports', async () => {
    const [a, b] = await Promise.all([started(), started()]);
    expect(a.port).not.toBe(b.port);
  });

  it('restart() comes back on the same port; kill() is a SIGKILL after which restart() works too', async () => {
    const s = await started({ jetstream: true });
    const port = s.port;
    await s.restart();
    expect(s.port).toBe(port);
    await s.kill();
    expect(s.running).toBe(false);
    await s.restart();
    expect(s.running).toBe(true);
    expect(s.port).toBe(port);
    const nc = await connect({ servers: s.url });
    await nc.flush();
    await nc.close();
  });

  it('a server that cannot start fails with the message of nats-server and its log', async () => {
    const err = await startNats({ config: 'this is { not a valid' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NatsStartError);
    expect((err as NatsStartError).message).toMatch(/exited before it was ready/);
    expect((err as NatsStartError).log).toMatch(/Parse error/);
    expect((err as NatsStartError).message).toContain((err as NatsStartError).log);
  });

  it('close() removes the temporary store directory', async () => {
    const s = await startNats({ jetstream: true });
    const dir = s.storeDir;
    expect(existsSync(dir)).toBe(true);
    await s.close();
    expect(existsSync(dir)).toBe(false);
  });
});
