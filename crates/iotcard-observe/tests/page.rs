//! The status page: what it shows, escaped, with no script or external asset.

#[path = "support/synthetic.rs"]
mod synthetic;

use iotcard_observe::{render_status_page, STYLESHEET};
use synthetic::{small, t, NOW};

#[test]
fn the_page_shows_accounts_alerts_and_the_fleet() {
    let html = render_status_page(&small(), t(NOW)).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(
        html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
    );
    // Accounts: last success, outcome, duration.
    assert!(
        html.contains("<td>default</td>") || html.contains("<td>default"),
        "{html}"
    );
    assert!(html.contains("2026-11-30 00:50:42 UTC"), "{html}");
    assert!(html.contains(r#"<span class="outcome finished">finished</span>"#));
    assert!(html.contains("42.0s"));
    // Firing alerts with severity, account, cards and since.
    assert!(html.contains("<td>quota</td>"));
    assert!(html.contains(r#"<span class="severity critical">critical</span>"#));
    assert!(html.contains("2026-11-30 00:45:00 UTC"));
    assert!(
        html.contains(r#"<span class="tag">account</span>"#),
        "the sync alert is account-level"
    );
    // The fleet by status, with the total.
    assert!(
        html.contains("<tr><td>suspended</td><td class=\"num\">1</td></tr>"),
        "{html}"
    );
    assert!(html.contains("<th class=\"num\">4</th>"));
    assert!(html.contains("Healthy"));
    // Self-contained: the stylesheet inline, nothing fetched, no script.
    assert!(html.contains(STYLESHEET));
    for banned in [
        "<script", "<link", "src=", "http://", "https://", "@import", "url(",
    ] {
        assert!(!html.contains(banned), "{banned} in the page");
    }
}

#[test]
fn text_is_escaped() {
    let mut figures = small();
    figures.aggregates.syncs[0].profile = "<script>alert(1)</script>".into();
    figures.aggregates.alerts[0].rule = "quota & \"more\" <b>".into();
    figures.aggregates.cards[1].status = Some("<img src=x>".into());
    let html = render_status_page(&figures, t(NOW)).unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("quota &amp; &quot;more&quot; &lt;b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<img"));
}

#[test]
fn an_unhealthy_watcher_says_why_and_an_empty_store_says_so() {
    let mut figures = small();
    let html = render_status_page(&figures, t("2026-11-30T12:00:00+08:00")).unwrap();
    assert!(html.contains("Unhealthy"));
    assert!(
        html.contains("account &quot;default&quot;: last successful sync"),
        "{html}"
    );
    figures.aggregates = Default::default();
    let html = render_status_page(&figures, t(NOW)).unwrap();
    assert!(html.contains("No account in the store yet."));
    assert!(html.contains("No alert is firing."));
    assert!(html.contains("No card synced yet."));
}

#[test]
fn no_secret_reaches_the_page() {
    // The figures carry no credential by construction (the endpoint is a
    // host); the page shows no endpoint at all.
    let mut figures = small();
    figures.aggregates.syncs[0].endpoint_host = "secret-host.example.com".into();
    let html = render_status_page(&figures, t(NOW)).unwrap();
    assert!(!html.contains("secret-host"));
}
