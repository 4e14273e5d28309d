import { describe, expect, it } from 'vitest';
import { Metadata, status } from '@grpc/grpc-js';
import { isRetryable, mapGrpcError, orderFailure, toVenueError } from '../../../electron/venues/tinvest/errors.js';
import { VenueError } from '../../../electron/venues/venue.js';

function trailers(entries: Record<string, string>): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(entries)) md.set(k, v);
  return md;
}

describe('T-Invest error table', () => {
  it.each([
    [status.UNAUTHENTICATED, '40003', 'auth'],
    [status.PERMISSION_DENIED, '40002', 'auth'],
    [status.PERMISSION_DENIED, '40004', 'rejected'],
    [status.INVALID_ARGUMENT, '30014', 'invalid'],
    [status.INVALID_ARGUMENT, '30078', 'invalid'],
    [status.INVALID_ARGUMENT, '30042', 'rejected'],
    [status.INVALID_ARGUMENT, '30079', 'rejected'],
    [status.NOT_FOUND, '50002', 'invalid'],
    [status.NOT_FOUND, '50004', 'invalid'],
    [status.NOT_FOUND, '50005', 'rejected'],
    [status.RESOURCE_EXHAUSTED, '80001', 'rate-limited'],
    [status.RESOURCE_EXHAUSTED, '80002', 'rate-limited'],
    [status.RESOURCE_EXHAUSTED, '80004', 'unavailable'],
    [status.RESOURCE_EXHAUSTED, '80005', 'unavailable'],
    [status.INTERNAL, '70001', 'unavailable'],
    [status.INTERNAL, '70002', 'unavailable'],
    [status.FAILED_PRECONDITION, '90001', 'rejected'],
    [status.FAILED_PRECONDITION, '90003', 'rejected'],
  ] as const)('status %i with code %s is %s, keeping code, text and tracking id', (code, details, kind) => {
    const e = mapGrpcError({ code, details, metadata: trailers({ message: 'the venue says so', 'x-tracking-id': 'a'.repeat(32) }) });
    expect(e).toBeInstanceOf(VenueError);
    expect(e).toMatchObject({ kind, code: details, message: 'the venue says so', trackingId: 'a'.repeat(32) });
  });

  it('reads the retry time of rate limits from x-ratelimit-reset', () => {
    const e = mapGrpcError({ code: status.RESOURCE_EXHAUSTED, details: '80002', metadata: trailers({ 'x-ratelimit-reset': '17' }) });
    expect(e).toMatchObject({ kind: 'rate-limited', retryAfterMs: 17_000 });
    expect(isRetryable(e)).toBe(true);
  });

  it('maps transport failures without an API code by status', () => {
    expect(mapGrpcError({ code: status.UNAVAILABLE, details: 'GOAWAY received' })).toMatchObject({ kind: 'unavailable', code: 'UNAVAILABLE', message: 'GOAWAY received' });
    expect(mapGrpcError({ code: status.CANCELLED, details: 'Received RST_STREAM with error code 8' })).toMatchObject({ kind: 'unavailable', code: 'CANCELLED' });
    expect(mapGrpcError({ code: status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' })).toMatchObject({ kind: 'unavailable' });
    expect(mapGrpcError({ code: status.UNKNOWN, details: 'Stream removed' })).toMatchObject({ kind: 'unavailable' });
  });

  it('calls a lost answer to a side-effect call an unknown outcome, never a rejection', () => {
    expect(mapGrpcError({ code: status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }, { sideEffect: true })).toMatchObject({ kind: 'unknown-outcome' });
    expect(mapGrpcError({ code: status.UNAVAILABLE, details: 'GOAWAY received' }, { sideEffect: true })).toMatchObject({ kind: 'unknown-outcome' });
    expect(mapGrpcError({ code: status.INVALID_ARGUMENT, details: '30078' }, { sideEffect: true })).toMatchObject({ kind: 'invalid' });
  });

  it('never lets a raw error through', () => {
    const raw = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: 'No connection established', metadata: new Metadata() });
    const e = toVenueError(raw);
    expect(e).toBeInstanceOf(VenueError);
    expect(e.kind).toBe('unavailable');
    expect(toVenueError(new TypeError('boom'))).toMatchObject({ kind: 'internal', message: 'boom' });
    const ve = new VenueError('auth', '40003', 'x');
    expect(toVenueError(ve)).toBe(ve);
  });

  it.each([
    // Lost answers and INTERNAL 7000x: the same key again.
    [status.UNAVAILABLE, 'upstream connect error', 'retry'],
    [status.DEADLINE_EXCEEDED, 'Deadline exceeded', 'retry'],
    [status.CANCELLED, 'Received RST_STREAM with error code 8', 'retry'],
    [status.INTERNAL, '70001', 'retry'],
    [status.INTERNAL, '70002', 'retry'],
    [status.INTERNAL, '70003', 'retry'],
    [status.RESOURCE_EXHAUSTED, '80002', 'refused'],
    [status.INVALID_ARGUMENT, '30057', 'duplicate'],
    // The request itself declined: never retried.
    [status.INVALID_ARGUMENT, '30078', 'final'],
    [status.INVALID_ARGUMENT, '30034', 'final'],
    [status.NOT_FOUND, '50004', 'final'],
    [status.NOT_FOUND, '50005', 'final'],
    [status.PERMISSION_DENIED, '40002', 'final'],
    [status.UNAUTHENTICATED, '40003', 'final'],
    [status.FAILED_PRECONDITION, '90001', 'final'],
  ] as const)('an order command failing with %i %s is %s', (code, details, want) => {
    expect(orderFailure(mapGrpcError({ code, details }, { sideEffect: true }))).toBe(want);
  });

  it('waits out an open circuit without counting it, and stops when the venue closes', () => {
    expect(orderFailure(new VenueError('unavailable', 'circuit-open', 'open'))).toBe('not-sent');
    expect(orderFailure(new VenueError('unavailable', 'closed', 'connection closed'))).toBe('closed');
  });
});
