import { randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newClientOrderId } from '../../renderer/client-order-id.js';

describe('client order ids', () => {
  it('are version 4 UUIDs, different each time', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newClientOrderId((b) => randomFillSync(b))));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
