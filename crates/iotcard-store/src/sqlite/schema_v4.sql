-- Schema version 4 (SQLite): each card keeps its latest snapshot's figures
-- and state on its own row, written with `last_seen` by every sync. The
-- watcher reads every card's latest each pass; finding it in `snapshots`
-- and `card_state` cost three index searches per card (1,000,000 cards:
-- most of the evaluation's time). `snapshots` and `card_state` stay the
-- history; the `latest_*` columns are a copy of the rows at `last_seen`.
-- The latest state's ICCID, MSISDN and operator are the card's own
-- `iccid`, `msisdn` and `operator` (the last each snapshot reported) where
-- `latest_ids` has bit 1, 2 and 4: a copy of them would be a tenth of the
-- file's size per snapshot.
ALTER TABLE cards ADD COLUMN latest_sms_used INTEGER;
ALTER TABLE cards ADD COLUMN latest_data_used;
ALTER TABLE cards ADD COLUMN latest_sms_left INTEGER;
ALTER TABLE cards ADD COLUMN latest_data_left;
ALTER TABLE cards ADD COLUMN latest_ids INTEGER;
ALTER TABLE cards ADD COLUMN latest_kind TEXT;
ALTER TABLE cards ADD COLUMN latest_status TEXT;
ALTER TABLE cards ADD COLUMN latest_network TEXT;
ALTER TABLE cards ADD COLUMN latest_plan_name TEXT;
ALTER TABLE cards ADD COLUMN latest_monthly_fee;
ALTER TABLE cards ADD COLUMN latest_included_sms INTEGER;
ALTER TABLE cards ADD COLUMN latest_sms_overage_price;
ALTER TABLE cards ADD COLUMN latest_included_data;
ALTER TABLE cards ADD COLUMN latest_data_overage_price;
ALTER TABLE cards ADD COLUMN latest_product_id TEXT;
ALTER TABLE cards ADD COLUMN latest_pool_id TEXT;
ALTER TABLE cards ADD COLUMN latest_expires_at INTEGER;
ALTER TABLE cards ADD COLUMN latest_expires_offset INTEGER;
ALTER TABLE cards ADD COLUMN latest_shape INTEGER;
-- A store written before this version: the copy made once from history.
UPDATE cards SET latest_sms_used = s.sms_used, latest_data_used = s.data_used,
    latest_sms_left = s.sms_left, latest_data_left = s.data_left
FROM snapshots s WHERE s.card_id = cards.id AND s.taken_at = cards.last_seen;
UPDATE cards SET iccid = coalesce(st.iccid, cards.iccid),
    msisdn = coalesce(st.msisdn, cards.msisdn), operator = coalesce(st.operator, cards.operator),
    latest_ids = (st.iccid IS NOT NULL) + 2 * (st.msisdn IS NOT NULL)
        + 4 * (st.operator IS NOT NULL),
    latest_kind = st.kind, latest_status = st.status,
    latest_network = st.network, latest_plan_name = st.plan_name,
    latest_monthly_fee = st.monthly_fee, latest_included_sms = st.included_sms,
    latest_sms_overage_price = st.sms_overage_price, latest_included_data = st.included_data,
    latest_data_overage_price = st.data_overage_price, latest_product_id = st.product_id,
    latest_pool_id = st.pool_id, latest_expires_at = st.expires_at,
    latest_expires_offset = st.expires_offset, latest_shape = st.shape
FROM card_state st WHERE st.card_id = cards.id AND st.since = (SELECT max(x.since)
    FROM card_state x WHERE x.card_id = cards.id AND x.since <= cards.last_seen);
-- Alerts keyed by card before rule: a page's alert rows are one range of
-- the table itself. Through the alerts_by_card index each row was a
-- second search of the table (a third of reading them), for a row per
-- firing card every pass. The view over it is made again as it was.
DROP VIEW alert_state;
CREATE TABLE alerts_by_card_key (
    profile TEXT NOT NULL,
    rule    TEXT NOT NULL,
    card    TEXT NOT NULL,  -- '' for an account-level alert
    phase   TEXT NOT NULL CHECK (phase IN ('pending', 'firing')),
    since   INTEGER NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (profile, card, rule)
) WITHOUT ROWID;
INSERT INTO alerts_by_card_key (profile, rule, card, phase, since, body)
SELECT profile, rule, card, phase, since, body FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_by_card_key RENAME TO alerts;
CREATE VIEW alert_state AS
SELECT profile, rule, nullif(card, '') AS card, phase,
       strftime('%Y-%m-%dT%H:%M:%SZ', since, 'unixepoch') AS since, body
FROM alerts;
