/**
 * One gateway per desk. Two gateways on one NATS account would both answer every console
 * request (the first answer wins, so an order could go to either core) and both write ORDERS,
 * each from its own journal. So a gateway asks before it starts its core: a gateway that answers
 * the console's hello means this one must not start. Nobody listening (NATS says "no responders")
 * is the usual case and costs one round trip.
 */
import { randomUUID } from 'node:crypto';
import { RequestError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../core/log.js';
import { connectNats, describeServers, isNoResponders, type NatsLinkOptions } from '../nats-link.js';
import { CONTROL, type GatewayHello } from '../protocol.js';
import { decodeGatewayHello } from '../wire-schemas.js';

/** Long enough for a busy gateway to answer a hello; a timeout is not taken as a gateway. */
const PROBE_TIMEOUT_MS = 3_000;

export class AnotherGatewayError extends Error {
  override readonly name = 'AnotherGatewayError';
  constructor(
    readonly other: GatewayHello,
    servers: string,
  ) {
    super(
      `another Switchboard gateway already serves ${servers} (gateway ${other.gatewayId}, version ${other.version}, ` +
        `started ${new Date(other.startedAt).toISOString()}). Two would both answer consoles and both write ORDERS; ` +
        'stop that one first, or give this one its own NATS server or account',
    );
  }
}

function encode(v: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(v));
}

/**
 * Resolves when no other gateway answers on `nats`; rejects with AnotherGatewayError when one
 * does. Something that listens but does not answer in time (a gateway stuck, or a cluster still
 * forgetting a killed one's interest) is logged and not counted.
 */
export async function ensureSoleGateway(nats: NatsLinkOptions, o: { version: string; log: Logger; timeoutMs?: number }): Promise<void> {
  const nc: NatsConnection = await connectNats({ ...nats, name: 'switchboard-gateway (checking for another gateway)' });
  try {
    // The probe says hello as a console would; the answering gateway is told at once that it left.
    const consoleId = `gateway-probe-${randomUUID()}`;
    let answer: Uint8Array;
    try {
      answer = (await nc.request(CONTROL.hello, encode({ consoleId, version: o.version }), { timeout: o.timeoutMs ?? PROBE_TIMEOUT_MS })).data;
    } catch (err) {
      if (isNoResponders(err)) return;
      if (err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError)) {
        o.log.warn(`something listens on ${CONTROL.hello} but did not answer in time; starting, as no gateway answered`);
        return;
      }
      throw err;
    }
    await nc.request(CONTROL.bye, encode({ consoleId }), { timeout: 1_000 }).catch(() => undefined);
    const hello = decodeGatewayHello(answer);
    if (!hello.ok) {
      o.log.warn(`something answered ${CONTROL.hello} with what is not a gateway's hello (${hello.error}); starting`);
      return;
    }
    throw new AnotherGatewayError(hello.value, describeServers(nats));
  } finally {
    await nc.close().catch(() => undefined);
  }
}
