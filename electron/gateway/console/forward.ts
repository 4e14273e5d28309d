/**
 * A console's bridge method, answered by the gateway: sent as a NATS request on the method's
 * subject, retried with the same request id while the gateway does not answer (it remembers
 * orders and admin commands by that id, so a retry never sends anything twice), refused at once
 * when the desk's NATS config does not let this console's user send it.
 */
import { randomUUID } from 'node:crypto';
import { PermissionViolationError, TimeoutError } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BridgeFailure } from '../../contract.js';
import { Backoff } from '../../net/backoff.js';
import { isNoResponders } from '../nats-link.js';
import { METHOD_ACCESS, methodSubject } from '../protocol.js';
import type { Access, ForwardedMethod, GatewayReply, GatewayRequest } from '../protocol.js';
import { checkForwardedResult } from '../answer-schemas.js';
import { decodeGatewayReply } from '../wire-schemas.js';

/** One try: a gateway that answers at all answers well inside this. */
export const REQUEST_TIMEOUT_MS = 5_000;
/** All tries of one call: reads give up sooner than orders, whose answer matters more than its speed. */
export const CALL_BUDGET_MS: Readonly<Record<Access, number>> = { read: 10_000, trade: 20_000, admin: 20_000 };

export interface ForwardOptions {
  nc: () => NatsConnection | undefined;
  consoleId: string;
  user: string | undefined;
  /** A reply that failed its check (counted in the link's diagnostics). */
  onMalformed(why: string): void;
  /** Every try that got no answer (and when it was sent), and every answer: the link's state follows them. */
  onNoAnswer(why: string, sentAt: number): void;
  requestTimeoutMs?: number;
  budgetMs?: Partial<Record<Access, number>>;
}

const WHAT: Readonly<Record<Access, string>> = {
  read: 'read from the gateway',
  trade: 'send orders',
  admin: "change the gateway's venues, credentials, alerts or recording",
};

/** The refusal a console shows when its NATS user may not send this method. */
export function refusalOf(method: ForwardedMethod, user: string | undefined): BridgeFailure {
  const access = METHOD_ACCESS[method];
  const who = user === undefined ? 'this console' : `this console (NATS user "${user}")`;
  const role = access === 'trade' ? ' It is a read-only console.' : '';
  return {
    ok: false,
    code: 'auth',
    message: `Refused by the desk's NATS server: ${who} may not ${WHAT[access]} (${method}, subject ${methodSubject(method)}).${role} Ask the desk lead for a user with that permission.`,
  };
}

function isPermissionError(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof PermissionViolationError) return true;
  return false;
}

function isNoAnswer(err: unknown): boolean {
  if (isNoResponders(err)) return true;
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof TimeoutError) return true;
  // Disconnected while asking: the client buffers and the try times out, or rejects at once.
  return err instanceof Error && /timeout|disconnect|closed|reconnect/i.test(err.message);
}

export async function forward(o: ForwardOptions, method: ForwardedMethod, clientId: string, request: unknown): Promise<GatewayReply> {
  const access = METHOD_ACCESS[method];
  const budget = o.budgetMs?.[access] ?? CALL_BUDGET_MS[access];
  const deadline = Date.now() + budget;
  const envelope: GatewayRequest = { consoleId: o.consoleId, clientId, requestId: randomUUID(), request };
  const data = new TextEncoder().encode(JSON.stringify(envelope));
  const backoff = new Backoff({ baseMs: 200, maxMs: 2_000 });
  let lastWhy = 'no answer';
  for (;;) {
    const nc = o.nc();
    if (nc && !nc.isClosed()) {
      const sentAt = Date.now();
      try {
        const msg = await nc.request(methodSubject(method), data, { timeout: Math.max(250, Math.min(o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, deadline - Date.now())) });
        const reply = decodeGatewayReply(msg.data);
        if (!reply.ok) {
          o.onMalformed(`${method}: ${reply.error}`);
          return { ok: false, code: 'internal', message: `the gateway's answer to ${method} could not be read (${reply.error})` };
        }
        if (!reply.value.ok) return reply.value;
        const checked = checkForwardedResult(method, reply.value.value, Date.now());
        if (checked.ok) return { ok: true, value: checked.value };
        o.onMalformed(`${method}: ${checked.error}`);
        return { ok: false, code: 'internal', message: `the gateway's answer to ${method} failed its check (${checked.error})` };
      } catch (err) {
        if (isPermissionError(err)) return refusalOf(method, o.user);
        if (!isNoAnswer(err)) throw err;
        lastWhy = err instanceof Error && (err instanceof TimeoutError || /timeout/i.test(err.message)) ? 'the gateway did not answer in time' : 'no gateway is answering';
        o.onNoAnswer(lastWhy, sentAt);
      }
    } else lastWhy = 'the link to NATS is down';
    const wait = backoff.next();
    if (Date.now() + wait >= deadline) break;
    await new Promise((r) => setTimeout(r, wait));
  }
  const tail =
    access === 'trade'
      ? ' If it was an order, the gateway may still have received it: its state arrives in the blotter once the gateway answers again.'
      : '';
  return { ok: false, code: 'unavailable', message: `${method}: ${lastWhy} (tried for ${Math.round(budget / 1000)} s).${tail}` };
}
