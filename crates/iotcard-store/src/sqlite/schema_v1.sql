-- Schema version 1 (SQLite). Times are Unix seconds (UTC); decimals are
-- exact: an INTEGER when the value has no fractional digits, else TEXT with
-- every digit as written (`1.00`), in columns without a declared type so
-- SQLite converts neither. The views are the documented interface.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    profile       TEXT NOT NULL UNIQUE,
    provider      TEXT NOT NULL,
    endpoint_host TEXT NOT NULL
);
CREATE TABLE cards (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    card_key   TEXT NOT NULL,
    iccid      TEXT,
    msisdn     TEXT,
    operator   TEXT,
    first_seen INTEGER,
    last_seen  INTEGER,
    inventory  INTEGER NOT NULL DEFAULT 0,
    state_hash INTEGER,
    UNIQUE (account_id, card_key)
);
CREATE TABLE card_state (
    card_id            INTEGER NOT NULL,
    since              INTEGER NOT NULL,
    iccid              TEXT,
    msisdn             TEXT,
    operator           TEXT,
    kind               TEXT,
    status             TEXT,
    network            TEXT,
    plan_name          TEXT,
    monthly_fee,
    included_sms       INTEGER,
    sms_overage_price,
    included_data,
    data_overage_price,
    product_id         TEXT,
    pool_id            TEXT,
    expires_at         INTEGER,
    expires_offset     INTEGER,
    shape              INTEGER NOT NULL,
    PRIMARY KEY (card_id, since)
) WITHOUT ROWID;
CREATE TABLE snapshots (
    card_id   INTEGER NOT NULL,
    taken_at  INTEGER NOT NULL,
    sms_used  INTEGER,
    data_used,
    sms_left  INTEGER,
    data_left,
    PRIMARY KEY (card_id, taken_at)
) WITHOUT ROWID;
CREATE TABLE daily (
    card_id               INTEGER NOT NULL,
    day                   INTEGER NOT NULL,
    data_used,
    data_in_provider_unit INTEGER NOT NULL,
    sms_used              INTEGER,
    snapshots             INTEGER NOT NULL,
    covers_from           INTEGER,
    period_reset          INTEGER NOT NULL,
    PRIMARY KEY (card_id, day)
) WITHOUT ROWID;
CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    outcome      TEXT NOT NULL,
    asked        INTEGER NOT NULL DEFAULT 0,
    answered     INTEGER NOT NULL DEFAULT 0,
    not_found    INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    first_errors TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_account ON runs (account_id, started_at);

CREATE VIEW latest_snapshot AS
SELECT c.id AS card_id, a.profile, a.provider, c.card_key AS card,
       st.iccid, st.msisdn, st.operator, st.kind,
       strftime('%Y-%m-%dT%H:%M:%SZ', s.taken_at, 'unixepoch') AS taken_at,
       st.status, st.network, s.sms_used, s.data_used, s.sms_left, s.data_left,
       CASE WHEN st.shape & 8 THEN 'provider_unit' ELSE 'mb' END AS data_unit,
       st.plan_name, st.monthly_fee, st.included_sms, st.sms_overage_price,
       st.included_data, st.data_overage_price, st.product_id, st.pool_id,
       strftime('%Y-%m-%dT%H:%M:%SZ', st.expires_at, 'unixepoch') AS expires_at,
       strftime('%Y-%m-%dT%H:%M:%SZ', c.first_seen, 'unixepoch') AS first_seen,
       strftime('%Y-%m-%dT%H:%M:%SZ', c.last_seen, 'unixepoch') AS last_seen,
       c.inventory
FROM cards c
JOIN accounts a ON a.id = c.account_id
JOIN snapshots s ON s.card_id = c.id AND s.taken_at = c.last_seen
JOIN card_state st ON st.card_id = c.id AND st.since = (
    SELECT max(x.since) FROM card_state x WHERE x.card_id = c.id AND x.since <= c.last_seen);

CREATE VIEW card_history AS
SELECT s.card_id, a.profile, c.card_key AS card,
       strftime('%Y-%m-%dT%H:%M:%SZ', s.taken_at, 'unixepoch') AS taken_at,
       st.status, st.network, s.sms_used, s.data_used, s.sms_left, s.data_left,
       CASE WHEN st.shape & 8 THEN 'provider_unit' ELSE 'mb' END AS data_unit,
       st.plan_name, st.included_data,
       strftime('%Y-%m-%dT%H:%M:%SZ', st.expires_at, 'unixepoch') AS expires_at
FROM snapshots s
JOIN cards c ON c.id = s.card_id
JOIN accounts a ON a.id = c.account_id
JOIN card_state st ON st.card_id = s.card_id AND st.since = (
    SELECT max(x.since) FROM card_state x WHERE x.card_id = s.card_id AND x.since <= s.taken_at);

CREATE VIEW daily_usage AS
SELECT d.card_id, a.profile, c.card_key AS card,
       date(d.day * 86400, 'unixepoch') AS day,
       d.data_used,
       CASE WHEN d.data_in_provider_unit = 1 THEN 'provider_unit' ELSE 'mb' END AS data_unit,
       d.sms_used, d.snapshots,
       strftime('%Y-%m-%dT%H:%M:%SZ', d.covers_from, 'unixepoch') AS covers_from,
       d.period_reset
FROM daily d
JOIN cards c ON c.id = d.card_id
JOIN accounts a ON a.id = c.account_id;

CREATE VIEW sync_runs AS
SELECT r.id AS run_id, a.profile, a.provider,
       strftime('%Y-%m-%dT%H:%M:%SZ', r.started_at, 'unixepoch') AS started_at,
       strftime('%Y-%m-%dT%H:%M:%SZ', r.ended_at, 'unixepoch') AS ended_at,
       r.outcome, r.asked AS cards_asked, r.answered AS cards_answered,
       r.not_found AS cards_not_found, r.failed AS cards_failed, r.first_errors
FROM runs r
JOIN accounts a ON a.id = r.account_id;
