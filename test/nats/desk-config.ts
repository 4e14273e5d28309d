/**
 * The users of the NATS config docs/gateway.md shows, as the tests run it: the subject names are
 * the groundwork's proposal (`sb.cmd.>` commands, `sb.md.>` market data, `sb.orders.>` the order
 * event stream ORDERS), not a gateway that exists yet.
 */
import type { NatsUser } from './nats-server.js';

export const ORDER_STREAM = 'ORDERS';

/** What a console needs to read the order stream through an ordered or durable consumer. */
const READ_ORDER_STREAM = [
  '$JS.API.INFO',
  `$JS.API.STREAM.INFO.${ORDER_STREAM}`,
  `$JS.API.CONSUMER.CREATE.${ORDER_STREAM}.>`,
  `$JS.API.CONSUMER.DURABLE.CREATE.${ORDER_STREAM}.>`,
  `$JS.API.CONSUMER.INFO.${ORDER_STREAM}.>`,
  `$JS.API.CONSUMER.DELETE.${ORDER_STREAM}.>`,
  `$JS.API.CONSUMER.MSG.NEXT.${ORDER_STREAM}.>`,
  `$JS.ACK.${ORDER_STREAM}.>`,
  `$JS.FC.${ORDER_STREAM}.>`,
];

export function deskUsers(p: { gateway: string; trader: string; viewer: string }): NatsUser[] {
  return [
    // The gateway owns the streams and answers commands: everything.
    { user: 'gateway', password: p.gateway },
    // A trading console: sends commands, reads market data and the order stream.
    {
      user: 'trader',
      password: p.trader,
      publish: [...READ_ORDER_STREAM, 'sb.cmd.>'],
      subscribe: ['sb.md.>', '_INBOX.>'],
    },
    // A read-only console: the same reads, no command subject, nothing that writes the stream.
    {
      user: 'viewer',
      password: p.viewer,
      publish: READ_ORDER_STREAM,
      subscribe: ['sb.md.>', '_INBOX.>'],
    },
  ];
}
