/**
 * The desk's users as the tests run them: electron/gateway/nats-config.ts's roles and
 * permissions, with fixed test passwords.
 */
import { deskUsers, type DeskRole, type NatsUser } from '../../electron/gateway/nats-config.js';

export { ORDER_STREAM } from '../../electron/gateway/protocol.js';

export const TEST_PASSWORDS: Readonly<Record<DeskRole, string>> = {
  gateway: 'gw-secret',
  lead: 'ld-secret',
  trader: 'tr-secret',
  viewer: 'vw-secret',
};

export function testDeskUsers(): NatsUser[] {
  return deskUsers(TEST_PASSWORDS);
}
