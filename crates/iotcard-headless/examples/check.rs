//! Checks one page by hand and writes its screenshot:
//!
//! ```sh
//! cargo run -p iotcard-headless --example check -- http://127.0.0.1:9464/ 390 844 target/status-390.png
//! ```
//!
//! Prints the console errors, the overflowing elements and how long the
//! launch and the check took; exits 1 if the page is not clean.

use std::process::ExitCode;

use iotcard_headless::Browser;
use tokio::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, width, height, out] = &args[..] else {
        eprintln!("usage: check URL WIDTH HEIGHT OUT.png");
        return ExitCode::from(2);
    };
    let (Ok(width), Ok(height)) = (width.parse(), height.parse()) else {
        eprintln!("WIDTH and HEIGHT are whole CSS pixels, e.g. 390 844");
        return ExitCode::from(2);
    };
    match run(url, width, height, out).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("check: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                eprintln!("  because: {cause}");
                source = cause.source();
            }
            ExitCode::from(2)
        }
    }
}

async fn run(
    url: &str,
    width: u32,
    height: u32,
    out: &str,
) -> Result<bool, iotcard_headless::HeadlessError> {
    let started = Instant::now();
    let browser = Browser::launch().await?;
    let launched = started.elapsed();
    let started = Instant::now();
    let check = browser.check(url, width, height).await?;
    let checked = started.elapsed();
    check.save_screenshot(out)?;
    let product = browser.product().to_owned();
    browser.close().await?;
    println!(
        "{} at {width}x{height}: {:?} ({product}: launch {launched:.2?}, check {checked:.2?})",
        check.url, check.title,
    );
    for error in &check.console_errors {
        println!("console error: {error}");
    }
    for element in &check.overflowing {
        println!("wider than the viewport: {element}");
    }
    println!("screenshot: {out}");
    Ok(check.is_clean())
}
