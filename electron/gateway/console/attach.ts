/**
 * A console: the bridge as always for its renderer, with the methods the gateway answers
 * forwarded over NATS and everything pushed read from the link. The renderer and the contract
 * are the same as with a core of its own.
 */
import type { MethodName } from '../../contract.js';
import { handlers as coreHandlers } from '../../bridge/handlers.js';
import type { Handlers } from '../../bridge/handlers.js';
import type { BridgeDeps } from '../../bridge/session.js';
import { RemoteFailure } from '../../bridge/errors.js';
import type { Logger } from '../../core/log.js';
import { WireTaps } from '../../net/wire-tap.js';
import type { NatsLinkOptions } from '../nats-link.js';
import { METHOD_ACCESS } from '../protocol.js';
import type { ForwardedMethod } from '../protocol.js';
import { ConsoleLink, openConsoleLink } from './link.js';

export { ConsoleLink };

export interface AttachOptions {
  nats: NatsLinkOptions;
  version: string;
  log: Logger;
  consoleId?: string;
  leaseMs?: number;
}

/** The console's link, with what headless mode needs of it. */
export interface AttachedConsole extends ConsoleLink {
  /** A console has no venue connections of its own: nothing ever crosses this tap. */
  readonly wire: WireTaps;
}

export async function attachConsole(o: AttachOptions): Promise<AttachedConsole> {
  const link = await openConsoleLink({
    nats: o.nats,
    version: o.version,
    log: o.log,
    ...(o.consoleId === undefined ? {} : { consoleId: o.consoleId }),
    ...(o.leaseMs === undefined ? {} : { leaseMs: o.leaseMs }),
  });
  return Object.assign(link, { wire: new WireTaps() });
}

function forwarded<M extends ForwardedMethod>(link: ConsoleLink, method: M): Handlers[M] {
  const run = async (req: unknown, ctx: { clientId: string }): Promise<unknown> => {
    const reply = await link.call(method, ctx.clientId, req);
    if (!reply.ok) throw new RemoteFailure(reply);
    return reply.value;
  };
  return run as unknown as Handlers[M];
}

/** The handler table of a console: its own methods as any app has them, the rest forwarded. */
export function consoleHandlers(link: ConsoleLink): Handlers {
  const table: Partial<Record<MethodName, unknown>> = { ...coreHandlers };
  for (const method of Object.keys(METHOD_ACCESS) as ForwardedMethod[]) table[method] = forwarded(link, method);
  const info = coreHandlers['app.info'];
  const out = table as Handlers;
  out['app.info'] = async (req, ctx) => ({ ...(await info(req, ctx)), gateway: { servers: [...link.servers] } });
  out['gateway.link'] = () => link.status();
  return out;
}

/** What a bridge transport needs to serve a console's renderer. */
export function consoleBridgeDeps(link: ConsoleLink): Pick<BridgeDeps, 'feed' | 'handlers' | 'alertFeed'> {
  return { feed: link, handlers: consoleHandlers(link), alertFeed: { on: (l) => link.onAlert(l) } };
}
