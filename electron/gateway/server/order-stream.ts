/**
 * Every order update of the gateway's journal into the JetStream stream ORDERS, in the order the
 * journal made them, each once:
 * - one at a time, the next only after the stream acknowledged the last, retried with the same
 *   message id (so the stream's duplicate window drops a retry whose first try was stored);
 * - an update identical to the last one stored for its order is not sent again;
 * - on start, the stream is read once to learn the last state stored for each order, and every
 *   order of the journal whose state differs (updates made while the gateway was down or before
 *   it could publish) is sent before the live ones.
 * Consoles read the stream from the last sequence they saw: nothing published is missed.
 */
import { DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Order, OrderUpdate } from '../../../common/domain.js';
import type { Hub } from '../../core/hub.js';
import type { Logger } from '../../core/log.js';
import { Backoff } from '../../net/backoff.js';
import { isNoResponders } from '../nats-link.js';
import { ORDER_STREAM, ORDER_STREAM_SUBJECTS, orderHash, orderSubject } from '../protocol.js';
import type { OrderStreamEntry } from '../protocol.js';

/** The NATS server has no JetStream: nothing answers its API subjects (a cluster electing leaders still answers, or times out). */
export class NoJetStreamError extends Error {
  override readonly name = 'NoJetStreamError';
  constructor(cause: unknown) {
    super('JetStream does not answer on this NATS server; the gateway keeps orders in its ORDERS stream, so start nats-server with JetStream on (-js, or a jetstream {} block in its config)', { cause });
  }
}

/** The client's JetStreamNotEnabled (its class is not exported, its name is), or a bare no-responders. */
function noJetStream(err: unknown): boolean {
  return (err instanceof Error && err.name === 'JetStreamNotEnabled') || isNoResponders(err);
}

/** How long the stream remembers a message id: far longer than any retry of ours. */
const DUPLICATE_WINDOW_NS = 10 * 60 * 1_000_000_000;
const PUBLISH_TIMEOUT_MS = 5_000;
/** Reading the stream on start waits this long for the next message before giving up on the rest. */
const READ_IDLE_MS = 5_000;

export interface OrderStreamOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  hub: Hub;
  gatewayId: string;
  /** Copies of the stream in a cluster (1, or 3 for a 3-node cluster); default 1. */
  replicas?: number;
  log: Logger;
}

function orderKey(o: Order): string {
  return `${o.venue}|${o.clientOrderId}`;
}

export class OrderStream {
  private readonly o: OrderStreamOptions;
  private readonly queue: OrderStreamEntry[] = [];
  /** The hash of the last state stored per order. */
  private readonly stored = new Map<string, string>();
  private running = false;
  private closed = false;
  private unlisten: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private drained: Promise<void> = Promise.resolve();
  /** The stream's last sequence this gateway stored (or found on start). */
  lastSeq = 0;
  /** Updates stored, repeats the stream dropped by message id, updates skipped as identical. */
  published = 0;
  duplicates = 0;
  skipped = 0;
  /** Updates sent on start because the stream did not have them. */
  reconciled = 0;

  constructor(o: OrderStreamOptions) {
    this.o = o;
  }

  /** Updates waiting for the stream. */
  get backlog(): number {
    return this.queue.length;
  }

  /** Creates or updates the stream, learns what it holds, queues what it lacks, then publishes live. */
  async start(): Promise<void> {
    await this.ensureStream();
    // Listen first, so nothing the journal does while the stream is read is missed; those wait in the queue.
    const live: OrderStreamEntry[] = [];
    let reading = true;
    this.unlisten = this.o.hub.on({
      order: (u) => {
        const e = this.entry(u);
        if (reading) live.push(e);
        else this.enqueue(e);
      },
    });
    await this.readStored();
    reading = false;
    for (const order of this.o.hub.orders()) {
      if (this.stored.get(orderKey(order)) !== orderHash(order)) {
        this.reconciled += 1;
        this.queue.push({ gatewayId: this.o.gatewayId, order, source: 'replay' });
      }
    }
    for (const e of live) this.enqueue(e);
    this.o.log.info(`order stream: ${this.stored.size} order(s) found in ${ORDER_STREAM} up to seq ${this.lastSeq}; ${this.reconciled} sent again as the journal has them`);
    this.running = true;
    this.drained = this.loop();
  }

  /** Waits until everything queued so far is stored (or `boundMs` passes). */
  async flush(boundMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + boundMs;
    while (this.queue.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.queue.length === 0;
  }

  /** Stops after the update being published; what is still queued is sent again by the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.unlisten?.();
    this.wake?.();
    await this.drained;
  }

  private entry(u: OrderUpdate): OrderStreamEntry {
    return { gatewayId: this.o.gatewayId, order: u.order, source: u.source };
  }

  private enqueue(e: OrderStreamEntry): void {
    this.queue.push(e);
    this.wake?.();
  }

  private async ensureStream(): Promise<void> {
    const config = {
      name: ORDER_STREAM,
      subjects: [ORDER_STREAM_SUBJECTS],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      num_replicas: this.o.replicas ?? 1,
      duplicate_window: DUPLICATE_WINDOW_NS,
    };
    const backoff = new Backoff({ baseMs: 250, maxMs: 5_000 });
    // A cluster that just lost a node answers JetStream API calls after a few seconds: retry, bounded.
    for (let attempt = 1; ; attempt++) {
      try {
        const info = await this.o.jsm.streams.info(ORDER_STREAM).catch((err: unknown) => {
          if (err instanceof Error && /not found/i.test(err.message)) return undefined;
          throw err;
        });
        if (!info) await this.o.jsm.streams.add(config);
        else if (info.config.duplicate_window !== DUPLICATE_WINDOW_NS || !info.config.subjects?.includes(ORDER_STREAM_SUBJECTS)) {
          await this.o.jsm.streams.update(ORDER_STREAM, { subjects: [ORDER_STREAM_SUBJECTS], duplicate_window: DUPLICATE_WINDOW_NS });
        }
        return;
      } catch (err) {
        if (noJetStream(err)) throw new NoJetStreamError(err);
        if (attempt >= 12 || this.closed) throw err;
        this.o.log.warn(`the ${ORDER_STREAM} stream could not be checked (attempt ${attempt}); retrying`, err);
        await new Promise((r) => setTimeout(r, backoff.next()));
      }
    }
  }

  /** The last state stored per order, read once from the whole stream. */
  private async readStored(): Promise<void> {
    const info = await this.o.jsm.streams.info(ORDER_STREAM);
    const last = info.state.last_seq;
    this.lastSeq = last;
    if (info.state.messages === 0) return;
    const consumer = await this.o.js.consumers.get(ORDER_STREAM, { deliver_policy: DeliverPolicy.All });
    const messages = await consumer.consume({ expires: 5_000, idle_heartbeat: 2_000 });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.o.log.warn(`reading ${ORDER_STREAM} on start stalled before seq ${last}; orders not seen are sent again`);
        void messages.close();
      }, READ_IDLE_MS);
    };
    arm();
    try {
      for await (const m of messages) {
        arm();
        try {
          const e = JSON.parse(m.string()) as Partial<OrderStreamEntry>;
          if (e.order && typeof e.order.venue === 'string' && typeof e.order.clientOrderId === 'string') this.stored.set(orderKey(e.order), orderHash(e.order));
        } catch {
          // Not ours to judge here: an unreadable entry just means that order is sent again.
        }
        if (m.seq >= last) break;
      }
    } finally {
      clearTimeout(timer);
      await messages.close();
    }
  }

  private async loop(): Promise<void> {
    const backoff = new Backoff({ baseMs: 100, maxMs: 2_000 });
    while (!this.closed) {
      const e = this.queue[0];
      if (!e) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      const key = orderKey(e.order);
      const hash = orderHash(e.order);
      if (this.stored.get(key) === hash) {
        this.skipped += 1;
        this.queue.shift();
        continue;
      }
      try {
        const ack = await this.o.js.publish(orderSubject(e.order.venue, e.order.clientOrderId), JSON.stringify(e), {
          msgID: `${key}|${hash}`,
          timeout: PUBLISH_TIMEOUT_MS,
        });
        this.queue.shift();
        this.stored.set(key, hash);
        if (ack.duplicate) this.duplicates += 1;
        else this.published += 1;
        this.lastSeq = Math.max(this.lastSeq, ack.seq);
        backoff.reset();
      } catch (err) {
        // NATS restarting, a cluster electing a leader: the same message again, same id, shortly.
        this.o.log.warn(`order update ${e.order.clientOrderId} not yet stored in ${ORDER_STREAM}; retrying`, err);
        await new Promise((r) => setTimeout(r, backoff.next()));
      }
    }
  }
}
