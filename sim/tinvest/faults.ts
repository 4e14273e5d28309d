/**
 * Faults a test or a demo can inject into the local venue: a call failing with a venue
 * code before it runs or after it ran (a lost outcome), and replies lost after the call
 * executed — held open until the client gives up, or cut with UNAVAILABLE / CANCELLED.
 */
import { status } from '@grpc/grpc-js';
import { VenueError } from './wire.js';
import type { VenueErrorCode } from './wire.js';
import { prng } from '../market.js';

/** Codes `failNext` can inject: venue codes, or a bare transport status. */
export type TInvestFaultCode = VenueErrorCode | 'UNAVAILABLE';

/** When an injected failure strikes: before the call runs, or after it ran (the outcome is lost). */
export type FaultTiming = 'before' | 'after';

/**
 * How a lost reply looks to the client: `hang` holds the call open until the client's
 * deadline (or the venue's own upstream timeout); the others end it with that status.
 */
export type LostReplyShape = 'hang' | 'UNAVAILABLE' | 'CANCELLED';

const LOST_SHAPES: readonly LostReplyShape[] = ['hang', 'UNAVAILABLE', 'CANCELLED'];


export function faultError(code: TInvestFaultCode): VenueError {
  return code === 'UNAVAILABLE' ? VenueError.transport(status.UNAVAILABLE, 'upstream connect error or disconnect/reset before headers') : VenueError.of(code);
}

/** The error a cut reply ends with (both are transport failures, no venue code). */
export function lostReplyError(shape: Exclude<LostReplyShape, 'hang'>): VenueError {
  return shape === 'CANCELLED'
    ? VenueError.transport(status.CANCELLED, 'Received RST_STREAM with error code 8')
    : VenueError.transport(status.UNAVAILABLE, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination');
}

export class FaultPlan {
  private readonly failures = new Map<string, { code: TInvestFaultCode; left: number; when: FaultTiming }>();
  private readonly losses = new Map<string, { left: number; shape: LostReplyShape }>();
  private readonly rand: () => number;
  /** Probability that an executed order command loses its reply. */
  loseReplyRate = 0;
  /** Shape of replies lost by `loseReplyRate`; `mix` picks one of the three at random. */
  loseReplyShape: LostReplyShape | 'mix' = 'mix';

  constructor(seed: number) {
    this.rand = prng(seed ^ 0x5eed);
  }

  failNext(key: string, code: TInvestFaultCode, times: number, when: FaultTiming): void {
    this.failures.set(key, { code, left: times, when });
  }

  loseNext(key: string, times: number, shape: LostReplyShape): void {
    this.losses.set(key, { left: times, shape });
  }

  takeFailure(key: string): { error: VenueError; when: FaultTiming } | undefined {
    const f = this.failures.get(key);
    if (!f) return undefined;
    f.left -= 1;
    if (f.left <= 0) this.failures.delete(key);
    return { error: faultError(f.code), when: f.when };
  }

  /** Whether the reply of a call that just executed is lost, and how. */
  takeLoss(key: string, isOrderCommand: boolean): LostReplyShape | undefined {
    const l = this.losses.get(key);
    if (l) {
      l.left -= 1;
      if (l.left <= 0) this.losses.delete(key);
      return l.shape;
    }
    if (!isOrderCommand || this.loseReplyRate <= 0 || this.rand() >= this.loseReplyRate) return undefined;
    if (this.loseReplyShape !== 'mix') return this.loseReplyShape;
    return LOST_SHAPES[Math.floor(this.rand() * LOST_SHAPES.length)] ?? 'UNAVAILABLE';
  }
}
