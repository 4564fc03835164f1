//! The harness against real pages in Debian's Chromium: small HTML pages
//! served from 127.0.0.1 (and one from a file), each made to have exactly
//! one kind of fault, and a clean one that must have none.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use iotcard_headless::{Browser, HeadlessError, LaunchOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves `pages` (path → HTML) on 127.0.0.1; anything else is a 404.
/// Returns the base URL, e.g. `http://127.0.0.1:41234`.
async fn serve(pages: &[(&str, &str)]) -> String {
    let pages: Arc<HashMap<String, String>> = Arc::new(
        pages
            .iter()
            .map(|(path, body)| ((*path).to_owned(), (*body).to_owned()))
            .collect(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let pages = Arc::clone(&pages);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&request);
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let (status, body) = match pages.get(path) {
                    Some(body) => ("200 OK", body.as_str()),
                    None => ("404 Not Found", "not found"),
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    base
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body>{body}</body></html>"
    )
}

/// The PNG's width and height, from its IHDR chunk (which must come first).
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&png[12..16], b"IHDR", "the first chunk is not IHDR");
    let word = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

async fn browser() -> Option<Browser> {
    Browser::launch_or_skip().await.expect("Chromium starts")
}

#[tokio::test]
async fn a_clean_page_has_no_errors_and_nothing_wider_than_the_viewport() {
    let Some(browser) = browser().await else {
        return;
    };
    let clean = page(
        "Fleet",
        "<main style=\"max-width:60rem;margin:auto\"><h1>Fleet</h1>\
         <p>1,204 cards active</p>\
         <div style=\"overflow-x:auto\"><table style=\"width:1800px\">\
         <tr><th>card</th><td>a table wider than a phone, scrolling in its wrapper</td></tr>\
         </table></div><script>console.log('info is no error')</script></main>",
    );
    let base = serve(&[("/", &clean)]).await;
    for width in [390, 1280] {
        let check = browser
            .check(&format!("{base}/"), width, 800)
            .await
            .unwrap();
        assert!(check.is_clean(), "{check:?}");
        assert_eq!(check.title, "Fleet");
        assert!(
            check.text.contains("1,204 cards active"),
            "{:?}",
            check.text
        );
        assert_eq!(png_size(&check.screenshot_png).0, width);
    }
    browser.close().await.unwrap();
}

#[tokio::test]
async fn console_errors_uncaught_exceptions_and_failed_loads_are_caught() {
    let Some(browser) = browser().await else {
        return;
    };
    let base = serve(&[
        (
            "/logged",
            &page("a", "<script>console.error('the sky', 'fell')</script>"),
        ),
        ("/thrown", &page("b", "<script>null.answer</script>")),
        (
            "/later",
            &page(
                "c",
                "<script>setTimeout(() => { throw new Error('late') }, 0)</script>",
            ),
        ),
        (
            "/missing",
            &page("d", "<img src=\"/no-such.png\" alt=\"gone\">"),
        ),
    ])
    .await;
    let errors = |path: &'static str| {
        let browser = &browser;
        let base = &base;
        async move {
            let check = browser
                .check(&format!("{base}{path}"), 390, 600)
                .await
                .unwrap();
            assert!(check.overflowing.is_empty(), "{check:?}");
            check.console_errors
        }
    };
    assert_eq!(errors("/logged").await, ["console.error: the sky fell"]);
    let thrown = errors("/thrown").await;
    assert_eq!(thrown.len(), 1, "{thrown:?}");
    assert!(thrown[0].starts_with("uncaught TypeError"), "{thrown:?}");
    assert!(thrown[0].contains(&format!("{base}/thrown")), "{thrown:?}");
    let later = errors("/later").await;
    assert_eq!(later.len(), 1, "{later:?}");
    assert!(later[0].contains("Error: late"), "{later:?}");
    let missing = errors("/missing").await;
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].contains("404"), "{missing:?}");
    assert!(
        missing[0].contains(&format!("{base}/no-such.png")),
        "{missing:?}"
    );
}

#[tokio::test]
async fn an_element_wider_than_a_phone_is_named_by_a_short_css_path() {
    let Some(browser) = browser().await else {
        return;
    };
    let base = serve(&[
        (
            "/wide",
            &page(
                "wide",
                "<main><p>fits</p><div class=\"cards wide\" style=\"width:2000px\">\
                 <span>inside the wide one</span></div></main>",
            ),
        ),
        (
            "/pushed",
            &page(
                "pushed",
                "<section id=\"alerts\"><p>one</p><p style=\"margin-left:300px;width:200px\">two</p></section>",
            ),
        ),
        ("/fits", &page("fits", "<div style=\"width:1000px\">a desktop column</div>")),
    ])
    .await;
    let at = |path: &'static str, width: u32| {
        let browser = &browser;
        let base = &base;
        async move {
            let check = browser
                .check(&format!("{base}{path}"), width, 800)
                .await
                .unwrap();
            assert!(check.console_errors.is_empty(), "{check:?}");
            check
        }
    };
    let phone = at("/wide", 390).await;
    // The outermost only: its span is wide because it is.
    assert_eq!(phone.overflowing, ["body > main > div.cards.wide"]);
    // The screenshot stays the width asked, whatever sticks out.
    assert_eq!(png_size(&phone.screenshot_png).0, 390);
    assert_eq!(
        at("/wide", 1280).await.overflowing,
        ["body > main > div.cards.wide"]
    );
    // Narrower than the viewport but pushed past its right edge.
    assert_eq!(
        at("/pushed", 390).await.overflowing,
        ["#alerts > p:nth-of-type(2)"]
    );
    assert!(at("/pushed", 1280).await.overflowing.is_empty());
    assert_eq!(at("/fits", 390).await.overflowing, ["body > div"]);
    assert!(at("/fits", 1280).await.overflowing.is_empty());
}

#[tokio::test]
async fn the_screenshot_is_a_png_of_the_width_asked_and_the_whole_page() {
    let Some(browser) = browser().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tall.html");
    std::fs::write(
        &file,
        page(
            "tall",
            "<div style=\"height:3000px;background:#369\">tall</div>",
        ),
    )
    .unwrap();
    let url = format!("file://{}", file.display());
    let check = browser.check(&url, 390, 844).await.unwrap();
    assert!(check.is_clean(), "{check:?}");
    let (width, height) = png_size(&check.screenshot_png);
    assert_eq!(width, 390);
    // Past the 844 px viewport: the whole page (its body margins included).
    assert!((3000..3100).contains(&height), "{height}");

    let saved = check
        .save_screenshot(Path::new(env!("CARGO_TARGET_TMPDIR")).join("headless/tall-390.png"))
        .unwrap();
    assert_eq!(std::fs::read(saved).unwrap(), check.screenshot_png);
}

#[tokio::test]
async fn pages_that_cannot_load_and_urls_off_this_machine_are_errors() {
    let Some(browser) = browser().await else {
        return;
    };
    // A port nothing listens on: bind one, then let it go.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = browser
        .check(&format!("http://127.0.0.1:{port}/"), 390, 600)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, HeadlessError::Navigation { error, .. } if error.contains("CONNECTION_REFUSED")),
        "{err}"
    );
    let err = browser
        .check("https://example.com/", 390, 600)
        .await
        .unwrap_err();
    assert!(matches!(err, HeadlessError::UrlRefused { .. }), "{err}");
    let err = browser
        .check("file:///nonexistent/page.html", 390, 0)
        .await
        .unwrap_err();
    assert!(matches!(err, HeadlessError::Viewport { .. }), "{err}");
    // The browser still works after refusing.
    let base = serve(&[("/", &page("ok", "ok"))]).await;
    assert!(browser
        .check(&format!("{base}/"), 390, 600)
        .await
        .unwrap()
        .is_clean());
}

/// The process group ids of every process on the machine.
fn process_groups() -> Vec<(u32, u32)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces.
        let after = stat.rsplit_once(") ").map(|(_, rest)| rest).unwrap_or("");
        if let Some(pgrp) = after.split_whitespace().nth(2).and_then(|g| g.parse().ok()) {
            found.push((pid, pgrp));
        }
    }
    found
}

#[tokio::test]
async fn dropping_the_browser_kills_it_and_everything_it_started_and_removes_its_profile() {
    let Some(browser) = browser().await else {
        return;
    };
    let base = serve(&[("/", &page("ok", "ok"))]).await;
    browser.check(&format!("{base}/"), 390, 600).await.unwrap();
    let pid = browser.pid();
    let profile = browser.profile_dir().to_owned();
    assert!(profile.join("DevToolsActivePort").is_file());
    let group: Vec<u32> = process_groups()
        .into_iter()
        .filter(|(_, g)| *g == pid)
        .map(|(p, _)| p)
        .collect();
    assert!(group.len() > 1, "Chromium runs helpers: {group:?}");
    drop(browser);
    assert!(!profile.exists(), "{} is left", profile.display());
    // SIGKILL is delivered at once, but the helpers may take a moment to be
    // reaped by init.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left: Vec<(u32, u32)> = process_groups()
            .into_iter()
            .filter(|(p, g)| *g == pid && group.contains(p))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still running: {left:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_missing_executable_is_a_clear_error() {
    let err = Browser::launch_with(LaunchOptions::default().executable("/nonexistent/chromium"))
        .await
        .unwrap_err();
    assert!(matches!(err, HeadlessError::Spawn { .. }), "{err}");
    assert_eq!(err.to_string(), "could not start /nonexistent/chromium");
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn checks_on_one_browser_may_run_at_once_each_in_its_own_tab() {
    let Some(browser) = browser().await else {
        return;
    };
    let base = serve(&[
        (
            "/a",
            &page("first", "<script>console.error('only in a')</script>"),
        ),
        (
            "/b",
            &page("second", "<div id=\"wide\" style=\"width:900px\">b</div>"),
        ),
    ])
    .await;
    let (url_a, url_b) = (format!("{base}/a"), format!("{base}/b"));
    let (a, b) = tokio::join!(
        browser.check(&url_a, 390, 600),
        browser.check(&url_b, 390, 600),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.title.as_str(), b.title.as_str()), ("first", "second"));
    // Each tab's events stay with its own check.
    assert_eq!(a.console_errors, ["console.error: only in a"]);
    assert!(a.overflowing.is_empty(), "{a:?}");
    assert!(b.console_errors.is_empty(), "{b:?}");
    assert_eq!(b.overflowing, ["#wide"]);
}
