/**
 * One grpc-js channel to a T-Invest endpoint: TLS by default (with extra roots appended to
 * Node's, since createSsl replaces them, §1), plaintext only to loopback, large receive limit
 * (§3), keepalive, and the per-call metadata (authorization, x-app-name).
 */
import { rootCertificates } from 'node:tls';
import { isIP } from 'node:net';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import type { ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import type { WireTap } from '../../net/wire-tap.js';
import { VenueError } from '../venue.js';
import { KEEPALIVE, MAX_MESSAGE_BYTES } from './constants.js';

export interface TlsSetting {
  /** PEM of CAs to trust besides Node's roots (e.g. the Russian Trusted Root CA, or a test CA). */
  rootCertsPem?: string;
}

export interface ChannelSettings {
  /** host:port */
  endpoint: string;
  token: string;
  /** true (default) or extra roots; false only for loopback hosts. */
  tls?: boolean | TlsSetting | undefined;
  /** x-app-name, recommended "<github-nick>.<repo>" (§3). */
  appName?: string | undefined;
  /** Every message of every call (net/wire-tap.ts; wire-codec.ts wraps the codecs). */
  wire?: WireTap | undefined;
}

export const DEFAULT_APP_NAME = 'switchboard.desktop';

export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': KEEPALIVE.timeMs,
  'grpc.keepalive_timeout_ms': KEEPALIVE.timeoutMs,
  'grpc.keepalive_permit_without_calls': 0,
  'grpc.primary_user_agent': 'switchboard',
};

export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(endpoint.trim());
  if (!m) throw new VenueError('invalid', 'endpoint', `endpoint must be host:port, got ${JSON.stringify(endpoint)}`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new VenueError('invalid', 'endpoint', `bad port in ${endpoint}`);
  return { host, port };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

export function channelCredentials(host: string, tls: ChannelSettings['tls']): ChannelCredentials {
  if (tls === false) {
    if (!isLoopbackHost(host)) {
      throw new VenueError(
        'invalid',
        'plaintext-refused',
        `refusing a plaintext connection to ${host}: tokens travel only over TLS except to loopback`,
      );
    }
    return credentials.createInsecure();
  }
  const extra = typeof tls === 'object' ? tls.rootCertsPem?.trim() : undefined;
  if (!extra) return credentials.createSsl();
  // createSsl(roots) replaces the default roots, so append ours to Node's instead.
  return credentials.createSsl(Buffer.from([...rootCertificates, extra].join('\n')));
}

/**
 * What the adapter needs of a channel: the grpc-js client's three call shapes, the tap, the
 * per-call metadata. TInvestChannel is the real one; a replay serves a recording through one.
 */
export interface GrpcChannel {
  readonly client: Pick<Client, 'makeUnaryRequest' | 'makeServerStreamRequest' | 'makeBidiStreamRequest'>;
  readonly wire?: WireTap | undefined;
  metadata(): Metadata;
  close(): void;
}

export class TInvestChannel implements GrpcChannel {
  readonly client: Client;
  readonly host: string;
  readonly wire: WireTap | undefined;
  /** Built and checked once; every call gets its own clone. */
  private readonly template: Metadata;

  constructor(s: ChannelSettings) {
    const { host } = splitEndpoint(s.endpoint);
    this.host = host;
    this.wire = s.wire;
    if (!s.token) throw new VenueError('auth', '40003', 'no token given');
    this.template = new Metadata();
    this.template.set('authorization', `Bearer ${s.token}`);
    this.template.set('x-app-name', s.appName ?? DEFAULT_APP_NAME);
    this.client = new Client(s.endpoint, channelCredentials(host, s.tls ?? true), CHANNEL_OPTIONS);
  }

  /** Fresh metadata for one call; grpc-js may keep a reference, so never shared. */
  metadata(): Metadata {
    return this.template.clone();
  }

  close(): void {
    this.client.close();
  }
}
