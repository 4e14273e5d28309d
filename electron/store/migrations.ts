/**
 * The database's schema, as an ordered list of migrations. `PRAGMA user_version` holds how
 * many have run; each runs once, in its own transaction, and a database newer than this
 * list is refused rather than guessed at. Append only: a shipped migration never changes.
 *
 * Decimals are stored as their exact text (common/decimal), times as integers (ms since
 * epoch for orders and trades, UTC seconds for candles, as in the domain).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'order journal, trades, history checkpoints, candle cache',
    sql: `
      -- One row per order: its current state as the core's state machine made it.
      CREATE TABLE orders (
        venue TEXT NOT NULL,
        client_order_id TEXT NOT NULL,
        -- demo | sandbox | live: what the venue was connected to; each mode's orders are its own.
        mode TEXT NOT NULL,
        account_id TEXT NOT NULL,
        venue_order_id TEXT,
        instrument_id TEXT NOT NULL,
        side TEXT NOT NULL,
        type TEXT NOT NULL,
        quantity TEXT NOT NULL,
        price TEXT,
        status TEXT NOT NULL,
        filled_quantity TEXT NOT NULL,
        average_price TEXT,
        reason TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        -- The request as the ticket sent it (JSON), when this app placed it; NULL for orders
        -- learned from the venue (placed elsewhere).
        request TEXT,
        -- 1 when the venue surely never received it (refused before sending, or not found
        -- after a crash): the same client order id may be sent again.
        resendable INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (venue, client_order_id)
      ) WITHOUT ROWID;
      CREATE INDEX orders_by_venue_id ON orders (venue, venue_order_id) WHERE venue_order_id IS NOT NULL;
      CREATE INDEX orders_working ON orders (venue, account_id) WHERE status NOT IN ('filled', 'cancelled', 'rejected', 'expired');

      -- Append-only: the intent before the first byte is sent, then every change.
      CREATE TABLE order_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        venue TEXT NOT NULL,
        client_order_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX order_events_by_order ON order_events (venue, client_order_id, seq);

      -- Fills of orders, once per venue trade id.
      CREATE TABLE fills (
        venue TEXT NOT NULL,
        client_order_id TEXT NOT NULL,
        trade_id TEXT NOT NULL,
        price TEXT NOT NULL,
        quantity TEXT NOT NULL,
        time INTEGER NOT NULL,
        fee TEXT,
        fee_currency TEXT,
        PRIMARY KEY (venue, client_order_id, trade_id)
      ) WITHOUT ROWID;

      -- The account's executed trades (own fills and the venue's history), for positions and P&L.
      CREATE TABLE trades (
        venue TEXT NOT NULL,
        mode TEXT NOT NULL,
        account_id TEXT NOT NULL,
        trade_id TEXT NOT NULL,
        instrument_id TEXT NOT NULL,
        side TEXT NOT NULL,
        quantity TEXT NOT NULL,
        price TEXT NOT NULL,
        currency TEXT NOT NULL,
        fee TEXT NOT NULL,
        fee_currency TEXT NOT NULL,
        time INTEGER NOT NULL,
        client_order_id TEXT,
        venue_order_id TEXT,
        PRIMARY KEY (venue, mode, account_id, trade_id)
      ) WITHOUT ROWID;

      -- How far the venue's own history has been merged, per account.
      CREATE TABLE history_sync (
        venue TEXT NOT NULL,
        mode TEXT NOT NULL,
        account_id TEXT NOT NULL,
        synced_to INTEGER NOT NULL,
        PRIMARY KEY (venue, mode, account_id)
      ) WITHOUT ROWID;

      -- The candle cache (electron/store/candle-cache.ts). One row per key; the mode is part of
      -- it: a demo or sandbox venue's bars must never be served to the live venue of the same id.
      CREATE TABLE candle_series (
        id INTEGER PRIMARY KEY,
        venue TEXT NOT NULL,
        mode TEXT NOT NULL,
        instrument_id TEXT NOT NULL,
        interval TEXT NOT NULL,
        UNIQUE (venue, mode, instrument_id, interval)
      );

      -- Closed bars per key, by the key's id: a third of the bytes of four texts per bar.
      CREATE TABLE candles (
        series INTEGER NOT NULL REFERENCES candle_series (id),
        time INTEGER NOT NULL,
        open TEXT NOT NULL,
        high TEXT NOT NULL,
        low TEXT NOT NULL,
        close TEXT NOT NULL,
        volume TEXT NOT NULL,
        PRIMARY KEY (series, time)
      ) WITHOUT ROWID;
      -- The size bound evicts the oldest bars of all keys first.
      CREATE INDEX candles_by_time ON candles (time);

      -- Ranges of each key known complete (every bar the venue has between from and to,
      -- UTC seconds, to exclusive): what a chart may read without asking the venue.
      CREATE TABLE candle_ranges (
        series INTEGER NOT NULL REFERENCES candle_series (id),
        from_time INTEGER NOT NULL,
        to_time INTEGER NOT NULL,
        PRIMARY KEY (series, from_time)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'stop and conditional orders, amends',
    sql: `
      -- What an order carries beyond price and size (JSON): trigger price, trailing offset, time
      -- in force, expiry, post-only, when its trigger fired, and the amends the venue confirmed.
      -- NULL for a plain order.
      ALTER TABLE orders ADD COLUMN conditions TEXT;
      -- Amend intents are read back on start (amend id -> order): found without a scan.
      CREATE INDEX order_events_amends ON order_events (kind) WHERE kind = 'amend-intent';
    `,
  },
  {
    version: 3,
    name: 'alert rules, webhooks, fired alerts, webhook deliveries',
    sql: `
      -- One row per alert rule (electron/alerts/types.ts AlertRule as JSON): rules survive restarts.
      CREATE TABLE alert_rules (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        body TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Webhook endpoints. The secret (HMAC key; the whole URL for Slack and Telegram) is in the vault, never here.
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        preset TEXT NOT NULL,
        url TEXT NOT NULL,
        chat_id TEXT,
        secret_set INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- Fired alerts, newest kept (bounded by the store).
      CREATE TABLE alert_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        at INTEGER NOT NULL,
        body TEXT NOT NULL
      );

      -- One alert bound for one endpoint. Written before the first send, so its id (the
      -- receiver's de-dup key) survives a restart: pending rows are resumed, dead ones kept.
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        webhook_id TEXT NOT NULL,
        alert_id TEXT NOT NULL,
        event TEXT NOT NULL,
        -- The exact JSON sent (and signed) on every attempt.
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX webhook_deliveries_open ON webhook_deliveries (state) WHERE state != 'delivered';

      CREATE TABLE webhook_attempts (
        delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        at INTEGER NOT NULL,
        status INTEGER,
        error TEXT,
        PRIMARY KEY (delivery_id, n)
      ) WITHOUT ROWID;
    `,
  },
];
