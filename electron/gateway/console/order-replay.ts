/**
 * A console's copy of the desk's orders, read from the JetStream stream ORDERS. The first read
 * takes the last state of every order (`last_per_subject`); after any break (NATS restarting,
 * the gateway restarting, a cluster node lost) reading resumes at the sequence after the last
 * one applied, so no update is missed. An update identical to what the console holds is a
 * repeat (the gateway re-sending after its restart) and is counted, not applied again.
 */
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Order, OrderUpdate } from '../../../common/domain.js';
import type { Logger } from '../../core/log.js';
import { Backoff } from '../../net/backoff.js';
import { ORDER_STREAM, ORDER_STREAM_SUBJECTS, orderHash } from '../protocol.js';
import { decodeOrderEntry } from '../wire-schemas.js';

export interface OrderReplayOptions {
  nc: NatsConnection;
  log: Logger;
  onUpdate(u: OrderUpdate): void;
  onMalformed(why: string): void;
  /** Reading stopped or resumed (for the link's state and timeline). */
  onReading(reading: boolean, why: string): void;
}

export class OrderReplay {
  private readonly o: OrderReplayOptions;
  private readonly orders = new Map<string, { order: Order; hash: string }>();
  private messages: ConsumerMessages | undefined;
  private closed = false;
  private loopDone: Promise<void> = Promise.resolve();
  /** The last stream sequence applied (or skipped as a repeat). */
  seq = 0;
  applied = 0;
  duplicates = 0;
  /** Times reading started over (after the first). */
  restarts = 0;

  constructor(o: OrderReplayOptions) {
    this.o = o;
  }

  start(): void {
    this.loopDone = this.loop();
  }

  /** Every order known, newest first (as the journal lists them). */
  list(): Order[] {
    return [...this.orders.values()].map((e) => e.order).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Reading breaks off and starts again from the next sequence (the link saw the gateway or NATS come back). */
  resume(): void {
    void this.messages?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.messages?.close();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    const backoff = new Backoff({ baseMs: 250, maxMs: 3_000 });
    let first = true;
    while (!this.closed) {
      try {
        const js = jetstream(this.o.nc);
        const consumer = await js.consumers.get(
          ORDER_STREAM,
          this.seq === 0
            ? { deliver_policy: DeliverPolicy.LastPerSubject, filter_subjects: ORDER_STREAM_SUBJECTS }
            : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.seq + 1, filter_subjects: ORDER_STREAM_SUBJECTS },
        );
        // Short pulls: a consumer lost with a NATS node is noticed (two missed heartbeats) and recreated in seconds, not 30 s.
        const messages = await consumer.consume({ expires: 5_000, idle_heartbeat: 2_000 });
        this.messages = messages;
        if (this.closed) {
          // Closed while the consumer was being made. The stop is queued to the iterator and only
          // takes effect when read, so the loop below reads it (awaiting close() here never returns).
          void messages.close();
        } else {
          if (!first) this.restarts += 1;
          first = false;
          this.o.onReading(true, `reading ${ORDER_STREAM} from ${this.seq === 0 ? 'the last state of every order' : `seq ${this.seq + 1}`}`);
          backoff.reset();
        }
        for await (const m of messages) {
          if (this.closed) break;
          if (m.seq <= this.seq) continue;
          this.apply(m.data, m.seq);
        }
        if (!this.closed) this.o.onReading(false, `reading ${ORDER_STREAM} stopped at seq ${this.seq}; resuming`);
      } catch (err) {
        if (this.closed) break;
        this.o.onReading(false, `${ORDER_STREAM} unreadable for now (${err instanceof Error ? err.message : String(err)})`);
        this.o.log.warn(`reading ${ORDER_STREAM} failed; retrying from seq ${this.seq + 1}`, err);
      } finally {
        this.messages = undefined;
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, backoff.next()));
    }
  }

  private apply(data: Uint8Array, seq: number): void {
    this.seq = seq;
    const d = decodeOrderEntry(data);
    if (!d.ok) {
      this.o.onMalformed(`${ORDER_STREAM} seq ${seq}: ${d.error}`);
      return;
    }
    const { order, source } = d.value;
    const key = `${order.venue}|${order.clientOrderId}`;
    const hash = orderHash(order);
    const known = this.orders.get(key);
    if (known?.hash === hash) {
      this.duplicates += 1;
      return;
    }
    this.orders.set(key, { order, hash });
    this.applied += 1;
    this.o.onUpdate({ order, source });
  }
}
