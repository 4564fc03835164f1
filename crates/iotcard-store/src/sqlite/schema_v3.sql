-- Schema version 3 (SQLite): the watcher evaluates rules a page of cards at
-- a time and commits each page as it goes, so the notifications a page
-- calls for are staged here in the page's transaction (a crash between
-- pages loses none) until the pass's last, fenced commit turns them into
-- outbox entries and deletes them. `notify_at` is Unix seconds (UTC); the
-- body is JSON written by the rule layer, never read by the store.
CREATE TABLE alert_notices (
    id        INTEGER PRIMARY KEY,
    profile   TEXT NOT NULL,
    rule      TEXT NOT NULL,
    notify_at INTEGER NOT NULL,
    body      TEXT NOT NULL
);
-- A profile's staged notices are read in id order and deleted together.
CREATE INDEX alert_notices_by_profile ON alert_notices (profile, id);
-- Rules read the alert rows of a page's cards (and of the cards no page
-- lists) by card, not by rule; in a WITHOUT ROWID table the index entries
-- end with the rest of the primary key (rule), so it gives (card, rule) order.
CREATE INDEX alerts_by_card ON alerts (profile, card);
