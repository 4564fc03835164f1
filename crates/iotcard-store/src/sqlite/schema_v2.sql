-- Schema version 2 (SQLite): what `iotcard watch` keeps between passes and
-- shares between watchers. Times are Unix seconds (UTC), as in version 1;
-- alert bodies and notification payloads are JSON text written by the rule
-- and notification layers, never read by the store.
CREATE TABLE alerts (
    profile TEXT NOT NULL,
    rule    TEXT NOT NULL,
    card    TEXT NOT NULL,  -- '' for an account-level alert
    phase   TEXT NOT NULL CHECK (phase IN ('pending', 'firing')),
    since   INTEGER NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (profile, rule, card)
) WITHOUT ROWID;
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    notifier        TEXT NOT NULL,
    rule            TEXT NOT NULL,
    profile         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    delivered_at    INTEGER,
    claimed_by      TEXT,
    claimed_until   INTEGER
);
-- What a claim scans: the pending entries only, earliest due first.
CREATE INDEX outbox_pending ON outbox (due_at, id) WHERE delivered_at IS NULL;
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    token      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
-- Rules read an account's cards page by page in id order.
CREATE INDEX cards_by_account_id ON cards (account_id, id);
-- Inventory tags (`iotcard inventory add --tag`): a rule scoped by tags
-- watches the cards carrying one of them.
CREATE TABLE inventory_tags (
    card_id INTEGER NOT NULL,
    tag     TEXT NOT NULL,
    PRIMARY KEY (card_id, tag)
) WITHOUT ROWID;

CREATE VIEW alert_state AS
SELECT profile, rule, nullif(card, '') AS card, phase,
       strftime('%Y-%m-%dT%H:%M:%SZ', since, 'unixepoch') AS since, body
FROM alerts;

CREATE VIEW notification_outbox AS
SELECT id, idempotency_key, notifier, rule, profile, payload,
       strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch') AS created_at,
       strftime('%Y-%m-%dT%H:%M:%SZ', due_at, 'unixepoch') AS due_at,
       attempts, last_error,
       strftime('%Y-%m-%dT%H:%M:%SZ', delivered_at, 'unixepoch') AS delivered_at,
       claimed_by,
       strftime('%Y-%m-%dT%H:%M:%SZ', claimed_until, 'unixepoch') AS claimed_until
FROM outbox;

CREATE VIEW watch_leases AS
SELECT name, holder, token,
       strftime('%Y-%m-%dT%H:%M:%SZ', expires_at, 'unixepoch') AS expires_at
FROM leases;
