//! The store's behaviour, written once and run against both backends:
//! `sqlite::NAME` on a temp file, `postgres::NAME` on a fresh database.

mod aggregate;
mod common;
mod daily;
mod fleet;
mod migrate;
mod notices;
mod postgres_concurrency;
mod report;
mod runs;
mod snapshots;
mod watch;

macro_rules! suite {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::common::sqlite().await;
                    crate::$module::$name(&db.store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = crate::common::postgres().await {
                        crate::$module::$name(&db.store).await;
                    }
                }
            )*
        }
    };
}

suite! {
    report::report_figures_over_a_month,
    aggregate::aggregates_equal_the_fleet_and_the_runs,
    aggregate::an_empty_store_has_empty_aggregates,
    snapshots::round_trip_is_exact,
    snapshots::rewriting_is_idempotent,
    snapshots::a_failed_batch_writes_nothing,
    snapshots::an_unchanged_state_is_stored_once,
    snapshots::state_changes_show_in_history,
    snapshots::older_snapshots_fill_in_as_if_in_order,
    snapshots::a_newer_schema_is_refused,
    snapshots::views_have_the_documented_columns,
    runs::runs_count_and_end,
    runs::an_open_run_is_interrupted_by_the_next,
    runs::an_ended_run_takes_no_batches,
    runs::inventory_adds_lists_and_removes,
    runs::a_batch_spread_over_the_account_finds_every_card,
    runs::accounts_are_kept_by_profile,
    fleet::fleet_filters,
    fleet::history_over_a_range,
    fleet::cards_are_found_by_any_number,
    daily::iotbos_month_rolls_over_in_cst,
    daily::tencent_period_resets_on_a_drop,
    daily::a_missing_day_is_covered_by_the_next,
    daily::a_card_that_disappears_and_returns,
    daily::account_days_sum_exactly,
    daily::prune_keeps_what_is_still_needed,
    migrate::a_v1_store_migrates_and_keeps_its_data,
    migrate::a_v2_store_migrates_and_keeps_its_data,
    notices::page_commits_stage_notices_and_a_lost_lease_writes_nothing,
    notices::queue_notices_queues_and_consumes_one_profiles_notices,
    notices::card_alert_rows_read_only_the_asked_cards,
    notices::unlisted_alert_rows_page_past_listed_cards,
    watch::alert_rows_are_upserted_removed_and_read,
    watch::a_lost_lease_fences_the_whole_commit,
    watch::the_outbox_queues_a_key_once,
    watch::outbox_entries_are_claimed_delivered_and_retried,
    watch::two_holders_never_claim_the_same_entry,
    watch::leases_are_taken_renewed_and_taken_over,
    watch::racing_acquirers_get_one_lease,
    watch::latest_page_walks_every_card_once_in_order,
    watch::a_range_reads_only_the_parts_asked_for,
    watch::the_latest_each_card_keeps_is_its_history_s_latest,
    watch::status_changes_come_from_the_snapshots,
    watch::daily_of_cards_reads_a_page_of_cards_at_once,
    watch::inventory_tags_are_added_read_and_taken_off,
    watch::the_watch_views_have_the_documented_columns,
}
