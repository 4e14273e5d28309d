/**
 * How both roles reach NATS: the server list, the user (password from a file or the
 * environment, never a flag a process listing shows), an optional CA for TLS. One connection per
 * process, reconnecting forever: a desk's NATS server restarting is an outage to ride out, not a
 * reason to stop.
 */
import { readFileSync } from 'node:fs';
import { NoRespondersError, RequestError, connect } from '@nats-io/transport-node';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';

/** The environment variable a NATS password may come in (instead of --nats-password-file). */
export const NATS_PASSWORD_ENV = 'SWITCHBOARD_NATS_PASSWORD';

export interface NatsLinkOptions {
  /** nats://host:port or tls://host:port, one or more (a cluster's nodes). */
  servers: string[];
  user?: string;
  password?: string;
  /** PEM of the CA that signed the server's certificate: TLS is then required. */
  ca?: string;
  /** How the connection shows in the server's monitoring (`connz`). */
  name?: string;
  /** Between reconnect attempts (ms); default 500. */
  reconnectWaitMs?: number;
  /** Ping interval (ms): how fast a dead server is noticed; default 5000. */
  pingIntervalMs?: number;
  /** Where replies come (protocol.ts inboxPrefixOf); default the client's `_INBOX`. */
  inboxPrefix?: string;
}

export class NatsLinkUsageError extends Error {
  override readonly name = 'NatsLinkUsageError';
}

/** Checks the URLs are NATS URLs and carry no credentials (those go in --nats-user and the password file). */
export function parseServers(list: string): string[] {
  const servers = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (servers.length === 0) throw new NatsLinkUsageError('no NATS server given: nats://host:4222');
  for (const s of servers) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new NatsLinkUsageError(`${JSON.stringify(s)} is not a NATS URL (nats://host:4222 or tls://host:4222)`);
    }
    if (u.protocol !== 'nats:' && u.protocol !== 'tls:') throw new NatsLinkUsageError(`${s}: a NATS URL starts nats:// or tls://`);
    if (u.username !== '' || u.password !== '') {
      throw new NatsLinkUsageError('put the NATS user in --nats-user and its password in --nats-password-file or $' + NATS_PASSWORD_ENV + ', not in the URL');
    }
  }
  return servers;
}

/** The CLI flags both roles take, as parseArgs hands them over. */
export interface NatsFlags {
  servers: string;
  user?: string | undefined;
  passwordFile?: string | undefined;
  caFile?: string | undefined;
}

export function natsOptionsFromFlags(f: NatsFlags, env: NodeJS.ProcessEnv = process.env): NatsLinkOptions {
  const out: NatsLinkOptions = { servers: parseServers(f.servers) };
  if (f.user !== undefined) out.user = f.user;
  if (f.passwordFile !== undefined) {
    try {
      out.password = readFileSync(f.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new NatsLinkUsageError(`the NATS password file ${f.passwordFile} could not be read: ${(err as Error).message}`);
    }
  } else if (env[NATS_PASSWORD_ENV] !== undefined && env[NATS_PASSWORD_ENV] !== '') out.password = env[NATS_PASSWORD_ENV];
  if (out.password !== undefined && out.user === undefined) throw new NatsLinkUsageError('a NATS password needs --nats-user');
  if (f.caFile !== undefined) {
    try {
      out.ca = readFileSync(f.caFile, 'utf8');
    } catch (err) {
      throw new NatsLinkUsageError(`the CA file ${f.caFile} could not be read: ${(err as Error).message}`);
    }
  }
  return out;
}

/**
 * Connects, waiting for a server that is not up yet (a gateway or console may start first), then
 * reconnects forever. Rejects only for what waiting cannot fix: a refused user or certificate.
 */
export async function connectNats(o: NatsLinkOptions): Promise<NatsConnection> {
  const opts: NodeConnectionOptions = {
    servers: o.servers,
    maxReconnectAttempts: -1,
    reconnectTimeWait: o.reconnectWaitMs ?? 500,
    reconnectJitter: 100,
    pingInterval: o.pingIntervalMs ?? 5_000,
    maxPingOut: 2,
    waitOnFirstConnect: true,
    // A restarted server is the same desk: resend what was published while it was away.
    reconnect: true,
  };
  if (o.name !== undefined) opts.name = o.name;
  if (o.user !== undefined) opts.user = o.user;
  if (o.password !== undefined) opts.pass = o.password;
  if (o.ca !== undefined) opts.tls = { ca: o.ca };
  if (o.inboxPrefix !== undefined) opts.inboxPrefix = o.inboxPrefix;
  return connect(opts);
}

/** NATS said nobody listens on the subject (the error itself, or the cause of a request's). */
export function isNoResponders(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof NoRespondersError || (e instanceof RequestError && e.isNoResponders())) return true;
  }
  return false;
}

/** For logs and the panel: the servers as given (they carry no credentials: parseServers refuses them). */
export function describeServers(o: NatsLinkOptions): string {
  return o.servers.join(',');
}
