/**
 * The gateway answers consoles' bridge methods: `sb.req.<method>` (reads), `sb.cmd.<method>`
 * (orders) and `sb.admin.<method>` (the desk lead's). NATS permissions decide who may send on
 * which; here a method is served only on the subject of its own class, so a read subject can
 * never carry an order. Each request runs through the bridge's own session code (validation,
 * limits, error mapping) as the console's client.
 *
 * Exactly once: orders and admin commands are remembered by the console's request id for a
 * while, so a console that retries after a timeout gets the first answer (or waits for it) and
 * nothing is sent to a venue twice. The journal itself also refuses to place a client order id
 * twice, across gateway restarts.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from '../../core/log.js';
import type { GatewayReply, GatewayRequest } from '../protocol.js';
import { METHOD_ACCESS, isForwarded, methodSubject } from '../protocol.js';
import type { Access, ForwardedMethod } from '../protocol.js';
import { decodeGatewayRequest } from '../wire-schemas.js';
import type { ConsoleRegistry } from './consoles.js';
import { isMethodName } from '../../contract.js';

/** How long a command's answer is kept for a retry: longer than any console retries. */
export const COMMAND_MEMORY_MS = 10 * 60_000;
const MAX_REMEMBERED = 50_000;

const PREFIXES: readonly { access: Access; prefix: string }[] = [
  { access: 'read', prefix: 'sb.req.' },
  { access: 'trade', prefix: 'sb.cmd.' },
  { access: 'admin', prefix: 'sb.admin.' },
];

export interface CommandServiceOptions {
  nc: NatsConnection;
  consoles: ConsoleRegistry;
  log: Logger;
  now?: () => number;
}

export class CommandService {
  private readonly o: CommandServiceOptions;
  private readonly subs: Subscription[] = [];
  private readonly remembered = new Map<string, { at: number; reply: Promise<GatewayReply> }>();
  private readonly now: () => number;
  /** Requests answered, repeats answered from memory, requests refused before running. */
  served = 0;
  repeats = 0;
  refused = 0;

  constructor(o: CommandServiceOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
  }

  start(): void {
    for (const { access, prefix } of PREFIXES) {
      // One subscription per class; the gateway's control requests (sb.req.gw.*) have their own.
      const sub = this.o.nc.subscribe(`${prefix}>`, {
        callback: (err, msg) => {
          if (err) {
            this.o.log.error(`subscription ${prefix}> failed`, err);
            return;
          }
          if (msg.subject.startsWith('sb.req.gw.')) return;
          void this.serve(access, prefix, msg);
        },
      });
      this.subs.push(sub);
    }
  }

  async close(): Promise<void> {
    for (const s of this.subs.splice(0)) s.unsubscribe();
    await Promise.allSettled([...this.remembered.values()].map((r) => r.reply));
  }

  private async serve(access: Access, prefix: string, msg: Msg): Promise<void> {
    const method = msg.subject.slice(prefix.length);
    let reply: GatewayReply;
    if (!isMethodName(method) || !isForwarded(method)) {
      this.refused += 1;
      reply = { ok: false, code: 'unknown-method', message: `the gateway serves no method ${JSON.stringify(method.slice(0, 60))}` };
    } else if (METHOD_ACCESS[method] !== access) {
      this.refused += 1;
      reply = { ok: false, code: 'bad-request', message: `${method} is served on ${methodSubject(method)}, not ${msg.subject}` };
    } else {
      const decoded = decodeGatewayRequest(msg.data);
      if (!decoded.ok) {
        this.refused += 1;
        reply = { ok: false, code: 'bad-request', message: `unreadable request: ${decoded.error}` };
      } else {
        reply = await this.run(method, access, decoded.value);
      }
    }
    this.respond(msg, reply);
  }

  private run(method: ForwardedMethod, access: Access, req: GatewayRequest): Promise<GatewayReply> {
    if (access === 'read') return this.call(method, req);
    const key = `${req.consoleId}|${req.requestId}`;
    const known = this.remembered.get(key);
    if (known) {
      this.repeats += 1;
      return known.reply;
    }
    const reply = this.call(method, req);
    this.remember(key, reply);
    return reply;
  }

  private async call(method: ForwardedMethod, req: GatewayRequest): Promise<GatewayReply> {
    try {
      const session = this.o.consoles.session(req.consoleId, req.clientId);
      this.served += 1;
      return await session.handle(method, req.request);
    } catch (err) {
      this.o.log.warn(`${method} from console ${req.consoleId} refused`, err);
      return { ok: false, code: 'rate-limited', message: err instanceof Error ? err.message : 'refused' };
    }
  }

  private remember(key: string, reply: Promise<GatewayReply>): void {
    const now = this.now();
    this.remembered.set(key, { at: now, reply });
    if (this.remembered.size > MAX_REMEMBERED || this.remembered.size % 256 === 0) {
      for (const [k, r] of this.remembered) {
        if (now - r.at < COMMAND_MEMORY_MS && this.remembered.size <= MAX_REMEMBERED) break;
        this.remembered.delete(k);
      }
    }
  }

  private respond(msg: Msg, reply: GatewayReply): void {
    if (!msg.reply) return;
    let data = JSON.stringify(reply);
    const max = this.o.nc.info?.max_payload ?? 1024 * 1024;
    if (Buffer.byteLength(data) > max) {
      data = JSON.stringify({
        ok: false,
        code: 'too-large',
        message: `the answer is ${Buffer.byteLength(data)} bytes, more than this NATS server carries (max_payload ${max}); ask for less (a venue filter, a limit) or raise max_payload in the NATS config`,
      } satisfies GatewayReply);
    }
    try {
      msg.respond(data);
    } catch (err) {
      this.o.log.warn(`answer to ${msg.subject} not sent`, err);
    }
  }
}
