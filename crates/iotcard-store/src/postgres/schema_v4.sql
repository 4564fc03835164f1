-- Schema version 4 (PostgreSQL): each card keeps its latest snapshot's
-- figures and state on its own row, written with `last_seen` by every
-- sync. The watcher reads every card's latest each pass; finding it in
-- `snapshots` and `card_state` cost three index searches per card.
-- `snapshots` and `card_state` stay the history; the `latest_*` columns are
-- a copy of the rows at `last_seen`. The latest state's ICCID, MSISDN and
-- operator are the card's own `iccid`, `msisdn` and `operator` (the last
-- each snapshot reported) where `latest_ids` has bit 1, 2 and 4.
ALTER TABLE cards
    ADD COLUMN latest_sms_used bigint,
    ADD COLUMN latest_data_used numeric,
    ADD COLUMN latest_sms_left bigint,
    ADD COLUMN latest_data_left numeric,
    ADD COLUMN latest_ids bigint,
    ADD COLUMN latest_kind text,
    ADD COLUMN latest_status text,
    ADD COLUMN latest_network text,
    ADD COLUMN latest_plan_name text,
    ADD COLUMN latest_monthly_fee numeric,
    ADD COLUMN latest_included_sms bigint,
    ADD COLUMN latest_sms_overage_price numeric,
    ADD COLUMN latest_included_data numeric,
    ADD COLUMN latest_data_overage_price numeric,
    ADD COLUMN latest_product_id text,
    ADD COLUMN latest_pool_id text,
    ADD COLUMN latest_expires_at bigint,
    ADD COLUMN latest_expires_offset integer,
    ADD COLUMN latest_shape bigint;
-- A store written before this version: the copy made once from history.
UPDATE cards c SET latest_sms_used = s.sms_used, latest_data_used = s.data_used,
    latest_sms_left = s.sms_left, latest_data_left = s.data_left,
    iccid = coalesce(st.iccid, c.iccid), msisdn = coalesce(st.msisdn, c.msisdn),
    operator = coalesce(st.operator, c.operator),
    latest_ids = (st.iccid IS NOT NULL)::int + 2 * (st.msisdn IS NOT NULL)::int
        + 4 * (st.operator IS NOT NULL)::int,
    latest_kind = st.kind, latest_status = st.status,
    latest_network = st.network, latest_plan_name = st.plan_name,
    latest_monthly_fee = st.monthly_fee, latest_included_sms = st.included_sms,
    latest_sms_overage_price = st.sms_overage_price, latest_included_data = st.included_data,
    latest_data_overage_price = st.data_overage_price, latest_product_id = st.product_id,
    latest_pool_id = st.pool_id, latest_expires_at = st.expires_at,
    latest_expires_offset = st.expires_offset, latest_shape = st.shape
FROM snapshots s
LEFT JOIN LATERAL (SELECT * FROM card_state x WHERE x.card_id = s.card_id
    AND x.since <= s.taken_at ORDER BY x.since DESC LIMIT 1) st ON true
WHERE s.card_id = c.id AND s.taken_at = c.last_seen;
