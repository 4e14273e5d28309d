/**
 * Debian's nats-server started by the tests themselves: one server (`startNats`) or a 3-node
 * JetStream cluster (`startNatsCluster`), each on loopback with a temporary store directory.
 *
 * Ports: a single server listens on `127.0.0.1:-1`, so nats-server binds a free port itself and
 * we read it from its "Listening for client connections on" log line — nothing can take the port
 * between choosing and binding it. Cluster route ports have to be written into every node's
 * config before any node starts (JetStream clustering refuses to start without routes), so those
 * are picked by binding 127.0.0.1:0 and closing; a node that loses that short race fails with the
 * server's own "address already in use" and the whole cluster start is tried again with new ports.
 * A restart reuses the port the first run got (that is what a restart means to a client).
 *
 * Readiness is the server's own "Server is ready" line, and for a cluster a JetStream meta leader
 * answering `$JS.API.INFO` through every node; never a fixed sleep. If a server exits or does not
 * get ready in time, the error carries its log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { makeLocalCertificate } from '../../sim/tls.js';
import { authorizationConfig, type NatsUser } from '../../electron/gateway/nats-config.js';

// The harness's callers (and the lead's gateway tests) may keep importing these from here.
export { authorizationConfig, type NatsUser, type SubjectRule } from '../../electron/gateway/nats-config.js';

/** Generous: the box is a busy 2-core machine and JetStream recovers its store on start. */
const READY_PATIENCE_MS = 60_000;
const STOP_PATIENCE_MS = 20_000;
const LOG_KEEP_CHARS = 64_000;

/** Debian installs it in /usr/sbin, which a non-root PATH often lacks; NATS_SERVER overrides. */
export function natsServerBinary(): string {
  const fromEnv = process.env.NATS_SERVER;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin']) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'nats-server');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('nats-server not found (PATH, /usr/sbin): run `bash scripts/system-deps.sh` (Debian package nats-server)');
}

/** A NATS config string value: the format takes JSON-style double-quoted strings. */
function q(value: string): string {
  return JSON.stringify(value);
}

interface NodeConfig {
  serverName?: string;
  /** 0 lets nats-server pick (written as -1). */
  port: number;
  storeDir?: string;
  cluster?: { name: string; port: number; routes: number[] };
  users?: readonly NatsUser[];
  tls?: { certFile: string; keyFile: string };
  extra?: string;
}

function configText(c: NodeConfig): string {
  const out: string[] = [];
  if (c.serverName !== undefined) out.push(`server_name: ${q(c.serverName)}`);
  out.push(`listen: "127.0.0.1:${c.port === 0 ? -1 : c.port}"`);
  if (c.storeDir !== undefined) out.push(`jetstream { store_dir: ${q(c.storeDir)} }`);
  if (c.cluster !== undefined) {
    const routes = c.cluster.routes.map((p) => q(`nats-route://127.0.0.1:${p}`)).join(', ');
    out.push(`cluster {\n  name: ${q(c.cluster.name)}\n  listen: "127.0.0.1:${c.cluster.port}"\n  routes: [${routes}]\n}`);
  }
  if (c.tls !== undefined) out.push(`tls { cert_file: ${q(c.tls.certFile)}, key_file: ${q(c.tls.keyFile)} }`);
  if (c.users !== undefined && c.users.length > 0) out.push(authorizationConfig(c.users));
  if (c.extra !== undefined) out.push(c.extra);
  return `${out.join('\n')}\n`;
}

export interface NatsNode {
  readonly url: string;
  /** The client port (fixed after the first start). */
  readonly port: number;
  readonly storeDir: string;
  readonly configFile: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** The server's log so far (its stderr, trimmed to the last 64 kB). */
  log(): string;
  /** Graceful stop (SIGTERM): the store is kept for `restart()`. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or a pulled plug. */
  kill(): Promise<void>;
  /** Start again on the same port and store (stops it first if it is running). */
  restart(): Promise<void>;
}

export interface NatsServer extends NatsNode {
  /** PEM of the self-signed root when started with `tls: true`: pass as `tls: { ca }`. */
  readonly caPem?: string;
  /** Connection options for this server (servers, and tls when on), to spread into `connect`. */
  connectOptions(): NodeConnectionOptions;
  /** Stop and remove the temporary directory. */
  close(): Promise<void>;
}

export class NatsStartError extends Error {
  constructor(message: string, readonly log: string) {
    super(`${message}\n--- nats-server log ---\n${log}`);
    this.name = 'NatsStartError';
  }
}

class NodeProcess implements NatsNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private logText = '';
  private portNumber: number;

  constructor(
    private config: NodeConfig,
    readonly configFile: string,
    readonly storeDir: string,
    private readonly scheme: string,
  ) {
    this.portNumber = config.port;
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.portNumber}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  log(): string {
    return this.logText;
  }

  async start(): Promise<void> {
    await writeFile(this.configFile, configText(this.config));
    const child = spawn(natsServerBinary(), ['-c', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // Kept for failures at any point (a cluster test shows it when a node misbehaves).
    const keep = (chunk: Buffer): void => {
      this.logText = (this.logText + chunk.toString('utf8')).slice(-LOG_KEEP_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      let listening: number | undefined;
      const timer = setTimeout(() => {
        finish(new NatsStartError(`nats-server did not report ready within ${READY_PATIENCE_MS} ms`, this.logText));
        child.kill('SIGKILL');
      }, READY_PATIENCE_MS);
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.off('close', onExit);
        child.off('error', onError);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onData = (chunk: Buffer): void => {
        seen += chunk.toString('utf8');
        const m = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(seen);
        if (m !== null) listening = Number(m[1]);
        if (seen.includes('Server is ready')) {
          if (listening === undefined) finish(new NatsStartError('ready without a client port in the log', this.logText));
          else {
            this.portNumber = listening;
            finish();
          }
        }
      };
      const onExit = (code: number | null, signal: string | null): void => {
        finish(new NatsStartError(`nats-server exited before it was ready (code ${code}, signal ${signal})`, this.logText));
      };
      const onError = (err: Error): void => finish(new NatsStartError(`nats-server could not be started: ${err.message}`, this.logText));
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      // 'close', not 'exit': by then all of its output has been read, so the error carries it.
      child.once('close', onExit);
      child.once('error', onError);
    });
    // From now on the port is this node's: a restart binds the same one.
    this.config = { ...this.config, port: this.portNumber };
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill(sig);
    const gone = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_PATIENCE_MS).unref()),
    ]);
    if (!gone) {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.child = undefined;
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

export interface StartNatsOptions {
  jetstream?: boolean;
  /** Extra config text appended to the generated file. */
  config?: string;
  users?: readonly NatsUser[];
  /** TLS with a throwaway self-signed certificate (127.0.0.1 and localhost). */
  tls?: boolean;
}

export async function startNats(o: StartNatsOptions = {}): Promise<NatsServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-nats-'));
  const storeDir = path.join(dir, 'store');
  let tls: NodeConfig['tls'];
  let caPem: string | undefined;
  if (o.tls === true) {
    const cert = await makeLocalCertificate();
    tls = { certFile: path.join(dir, 'server-cert.pem'), keyFile: path.join(dir, 'server-key.pem') };
    await writeFile(tls.certFile, cert.certPem);
    await writeFile(tls.keyFile, cert.keyPem, { mode: 0o600 });
    caPem = cert.certPem;
  }
  const node = new NodeProcess(
    { port: 0, storeDir: o.jetstream === true ? storeDir : undefined, users: o.users, tls, extra: o.config },
    path.join(dir, 'nats.conf'),
    storeDir,
    tls !== undefined ? 'tls' : 'nats',
  );
  try {
    await node.start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    get url() {
      return node.url;
    },
    get port() {
      return node.port;
    },
    get running() {
      return node.running;
    },
    storeDir,
    configFile: node.configFile,
    caPem,
    log: () => node.log(),
    stop: () => node.stop(),
    kill: () => node.kill(),
    restart: () => node.restart(),
    connectOptions: () => ({ servers: node.url, ...(caPem !== undefined ? { tls: { ca: caPem } } : {}) }),
    close: async () => {
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Free loopback ports, all held at once so they differ, then released for nats-server to bind. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (a === null || typeof a === 'string') throw new Error('no port');
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

export interface NatsCluster {
  readonly size: number;
  /** Every node's client URL, for `connect({ servers })`. */
  urls(): string[];
  node(i: number): NatsNode;
  /** Stop every node and remove the temporary directory. */
  close(): Promise<void>;
}

/** Asks `$JS.API.INFO` through `url` until the JetStream meta leader answers it. */
export async function waitForJetStream(url: string, patienceMs = READY_PATIENCE_MS): Promise<void> {
  const deadline = Date.now() + patienceMs;
  let last: unknown;
  const nc: NatsConnection = await connect({ servers: url, maxReconnectAttempts: -1 });
  try {
    while (Date.now() < deadline) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 });
        await jsm.getAccountInfo();
        return;
      } catch (err) {
        last = err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await nc.close();
  }
  throw new Error(`JetStream through ${url} had no meta leader within ${patienceMs} ms: ${String(last)}`);
}

async function startClusterOnce(size: number, dir: string, o: { users?: readonly NatsUser[] }): Promise<NatsCluster> {
  const routePorts = await freePorts(size);
  const nodes = routePorts.map(
    (routePort, i) =>
      new NodeProcess(
        {
          serverName: `n${i + 1}`,
          port: 0,
          storeDir: path.join(dir, `n${i + 1}`),
          cluster: { name: 'sb-test', port: routePort, routes: routePorts },
          users: o.users,
        },
        path.join(dir, `n${i + 1}.conf`),
        path.join(dir, `n${i + 1}`),
        'nats',
      ),
  );
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    // One after another: each start waits for that node's own "Server is ready".
    for (const n of nodes) await n.start();
    for (const n of nodes) await waitForJetStream(n.url);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    size,
    urls: () => nodes.map((n) => n.url),
    node: (i) => {
      const n = nodes[i];
      if (n === undefined) throw new RangeError(`no node ${i} in a cluster of ${size}`);
      return n;
    },
    close: async () => {
      await stopAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startNatsCluster(size = 3, o: { users?: readonly NatsUser[] } = {}): Promise<NatsCluster> {
  const maxAttempts = 3;
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-nats-cluster-'));
    try {
      return await startClusterOnce(size, dir, o);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      // Only the route-port race is worth another try; anything else is a real failure.
      const raced = err instanceof NatsStartError && /address already in use/i.test(err.log);
      if (!raced || attempt >= maxAttempts) throw err;
    }
  }
}
