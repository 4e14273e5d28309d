/**
 * The desk's NATS server config as code: the users of the four roles with exactly the subject
 * permissions protocol.ts implies, and the config file text nats-server 2.9 reads
 * (`npm run nats-config` writes it; docs/gateway.md shows it; the tests run it).
 *
 * A console publishes requests (`sb.req.>`, and by role `sb.cmd.>`, `sb.admin.>`) and subscribes
 * to what the gateway broadcasts (`sb.md.>`, `sb.ev.>`) and to its own replies (`_INBOX_<user>.>`,
 * protocol.ts inboxPrefixOf: no console reads another user's answers); it may
 * never publish what the gateway publishes nor subscribe to what the gateway serves, so it can
 * neither impersonate nor overhear the gateway. Its JetStream rights are the few subjects the
 * 3.4 client uses for the two consumers a console reads ORDERS with (checked against 2.9.10 in
 * test/gateway/desk-permissions.test.ts); nothing that creates, changes, purges or deletes a stream.
 */
import { ORDER_STREAM, ORDER_STREAM_SUBJECTS, SUBJECT_ROOT, inboxPrefixOf } from './protocol.js';

/** Subjects a user may or may not use; a bare list means `allow`. */
export type SubjectRule = string[] | { allow?: string[]; deny?: string[] };

export interface NatsUser {
  user: string;
  password: string;
  /** Omitted: everything. */
  publish?: SubjectRule;
  subscribe?: SubjectRule;
}

/** gateway: the core; lead: reads, orders, venue administration; trader: reads and orders; viewer: reads. */
export const DESK_ROLES = ['gateway', 'lead', 'trader', 'viewer'] as const;
export type DeskRole = (typeof DESK_ROLES)[number];
export type ConsoleRole = Exclude<DeskRole, 'gateway'>;

const JS_API = '$JS.API';

/**
 * What a console publishes to read ORDERS, as the 3.4 client does it against 2.9.10:
 * - `jetstreamManager()` asks `$JS.API.INFO` first; the stream's info gives its last sequence
 *   (the ordered consumer asks it too, before creating its consumer);
 * - an ordered consumer (`js.consumers.get(ORDERS, { deliver_policy, opt_start_seq })`) creates
 *   `<prefix>_<n>` with `CONSUMER.CREATE.ORDERS.<name>`, pulls with `CONSUMER.MSG.NEXT.ORDERS.<name>`,
 *   after missed heartbeats asks `CONSUMER.INFO.ORDERS.<name>` whether its consumer still exists,
 *   and when it resets (the consumer gone, a gap) deletes `<prefix>_<n>` and creates `<prefix>_<n+1>`;
 * - with a filter subject (a `last_per_subject` consumer on `sb.orders.>`, one filter: 2.9's limit)
 *   the create subject carries the filter: `CONSUMER.CREATE.ORDERS.<name>.sb.orders.>`.
 * Ordered consumers acknowledge nothing (`ack_policy: none`) and pull, so no `$JS.ACK` nor `$JS.FC`.
 */
export const READ_ORDER_STREAM: readonly string[] = [
  `${JS_API}.INFO`,
  `${JS_API}.STREAM.INFO.${ORDER_STREAM}`,
  `${JS_API}.CONSUMER.CREATE.${ORDER_STREAM}.*`,
  `${JS_API}.CONSUMER.CREATE.${ORDER_STREAM}.*.${ORDER_STREAM_SUBJECTS}`,
  `${JS_API}.CONSUMER.MSG.NEXT.${ORDER_STREAM}.*`,
  `${JS_API}.CONSUMER.INFO.${ORDER_STREAM}.*`,
  `${JS_API}.CONSUMER.DELETE.${ORDER_STREAM}.*`,
];

/** Every console: reads and its own control (`sb.req.gw.*` is under it). */
const REQUESTS = `${SUBJECT_ROOT}.req.>`;
const COMMANDS = `${SUBJECT_ROOT}.cmd.>`;
const ADMIN = `${SUBJECT_ROOT}.admin.>`;
/** What the gateway broadcasts; each console user adds its own replies. */
const CONSOLE_SUBSCRIBE = [`${SUBJECT_ROOT}.md.>`, `${SUBJECT_ROOT}.ev.>`];

const ROLE_PUBLISH: Readonly<Record<ConsoleRole, readonly string[]>> = {
  lead: [REQUESTS, COMMANDS, ADMIN],
  trader: [REQUESTS, COMMANDS],
  viewer: [REQUESTS],
};

/**
 * One console's user: a person's own login (revocable on its own) with a role's permissions, and
 * replies under its own inbox prefix only.
 */
export function consoleUser(name: string, role: ConsoleRole, password: string): NatsUser {
  return {
    user: name,
    password,
    publish: [...ROLE_PUBLISH[role], ...READ_ORDER_STREAM],
    subscribe: [...CONSOLE_SUBSCRIBE, `${inboxPrefixOf(name)}.>`],
  };
}

/** The gateway's user and one console user per person (name and role). */
export function deskUsersFor(gatewayPassword: string, consoles: readonly { name: string; role: ConsoleRole; password: string }[]): NatsUser[] {
  // The gateway creates the streams, publishes market data, events and orders, answers requests.
  return [{ user: 'gateway', password: gatewayPassword }, ...consoles.map((c) => consoleUser(c.name, c.role, c.password))];
}

/** The desk's four users, one per role and named after it, with the passwords given. */
export function deskUsers(passwords: Readonly<Record<DeskRole, string>>): NatsUser[] {
  return deskUsersFor(
    passwords.gateway,
    (['lead', 'trader', 'viewer'] as const).map((role) => ({ name: role, role, password: passwords[role] })),
  );
}

/** A NATS config string value: the format takes JSON-style double-quoted strings. */
function q(value: string): string {
  return JSON.stringify(value);
}

/** A list on one line when short, else one subject a line (the config a desk reads and edits). */
function list(items: readonly string[], indent: string): string {
  if (items.length <= 3) return `[${items.map(q).join(', ')}]`;
  return `[\n${items.map((i) => `${indent}  ${q(i)}`).join('\n')}\n${indent}]`;
}

function rule(r: SubjectRule, indent: string): string {
  if (Array.isArray(r)) return list(r, indent);
  const parts: string[] = [];
  if (r.allow !== undefined) parts.push(`${indent}  allow: ${list(r.allow, `${indent}  `)}`);
  if (r.deny !== undefined) parts.push(`${indent}  deny: ${list(r.deny, `${indent}  `)}`);
  return `{\n${parts.join('\n')}\n${indent}}`;
}

/** The `authorization` block: users with passwords and per-user publish/subscribe permissions. */
export function authorizationConfig(users: readonly NatsUser[]): string {
  const blocks = users.map((u) => {
    const head = `user: ${q(u.user)}, password: ${q(u.password)}`;
    if (u.publish === undefined && u.subscribe === undefined) return `    { ${head} }`;
    const perms: string[] = [];
    if (u.publish !== undefined) perms.push(`        publish: ${rule(u.publish, '        ')}`);
    if (u.subscribe !== undefined) perms.push(`        subscribe: ${rule(u.subscribe, '        ')}`);
    return `    {\n      ${head}\n      permissions: {\n${perms.join('\n')}\n      }\n    }`;
  });
  return `authorization {\n  users: [\n${blocks.join('\n')}\n  ]\n}\n`;
}

export interface DeskServerConfig {
  /** Required by clustered JetStream; names the node in logs and monitoring. */
  serverName: string;
  /** Client `host:port`, e.g. 127.0.0.1:4222. */
  listen: string;
  /** JetStream's file store: ORDERS lives here. */
  storeDir: string;
  users: readonly NatsUser[];
  /** PEM files: clients then connect with tls:// and the CA that signed `cert`. */
  tls?: { cert: string; key: string };
  /** One node of a cluster: route `host:port`, and every node's route URL (nats-route://host:port). */
  cluster?: { name: string; listen: string; routes: readonly string[] };
}

/** The whole config file of one nats-server (one node of a cluster when `cluster` is given). */
export function deskServerConfig(c: DeskServerConfig): string {
  const out = [`server_name: ${q(c.serverName)}`, `listen: ${q(c.listen)}`, `jetstream { store_dir: ${q(c.storeDir)} }`];
  if (c.tls !== undefined) out.push(`tls { cert_file: ${q(c.tls.cert)}, key_file: ${q(c.tls.key)} }`);
  if (c.cluster !== undefined) {
    out.push(`cluster {\n  name: ${q(c.cluster.name)}\n  listen: ${q(c.cluster.listen)}\n  routes: ${list(c.cluster.routes, '  ')}\n}`);
  }
  out.push(authorizationConfig(c.users).trimEnd());
  return `${out.join('\n')}\n`;
}
