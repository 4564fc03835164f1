//! One page check: a fresh tab at the asked size, the page loaded, what its
//! console said, what sticks out, its text and a full-page screenshot.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::cdp::{Connection, Event};
use crate::HeadlessError;

/// The largest screenshot height asked of Chromium (its texture limit is
/// about this; a longer page is cut, not refused).
const MAX_SCREENSHOT_HEIGHT: f64 = 16_384.0;

/// The widest and tallest viewport accepted.
const MAX_VIEWPORT: u32 = 10_000;

/// What one page looked like at one viewport size.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageCheck {
    /// The URL checked.
    pub url: String,
    /// The viewport width, CSS pixels.
    pub width: u32,
    /// The viewport height, CSS pixels.
    pub height: u32,
    /// `console.error` (and failed `console.assert`) messages, uncaught
    /// exceptions and the browser's own errors (failed loads: a 404 image,
    /// a refused stylesheet), in the order they came.
    pub console_errors: Vec<String>,
    /// Elements wider than the viewport or reaching past its right edge, as
    /// short CSS paths (`body > main > table.cards`, `#fleet`): the
    /// outermost of each nest; elements inside a container that scrolls or
    /// clips horizontally are not counted.
    pub overflowing: Vec<String>,
    /// `document.title`.
    pub title: String,
    /// `document.body.innerText`: the text a reader sees.
    pub text: String,
    /// A PNG of the whole page, `width` pixels wide (one pixel per CSS
    /// pixel), as tall as the page (at most 16,384 px).
    pub screenshot_png: Vec<u8>,
}

impl std::fmt::Debug for PageCheck {
    // The screenshot's bytes would drown a failed assertion's message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCheck")
            .field("url", &self.url)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("console_errors", &self.console_errors)
            .field("overflowing", &self.overflowing)
            .field("title", &self.title)
            .field("text", &format_args!("{} chars", self.text.chars().count()))
            .field(
                "screenshot_png",
                &format_args!("{} bytes", self.screenshot_png.len()),
            )
            .finish()
    }
}

impl PageCheck {
    /// No console errors and nothing wider than the viewport.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.console_errors.is_empty() && self.overflowing.is_empty()
    }

    /// Writes the screenshot to `path`, making its directory if needed.
    ///
    /// # Errors
    /// [`HeadlessError::SaveScreenshot`] naming the path.
    pub fn save_screenshot(&self, path: impl AsRef<Path>) -> Result<PathBuf, HeadlessError> {
        let path = path.as_ref();
        let failed = |source| HeadlessError::SaveScreenshot {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        std::fs::write(path, &self.screenshot_png).map_err(failed)?;
        Ok(path.to_owned())
    }
}

/// Checks `url` in a new tab of the browser behind `connection`; the tab is
/// closed afterwards whatever happened.
pub(crate) async fn check(
    connection: &Connection,
    url: &str,
    width: u32,
    height: u32,
) -> Result<PageCheck, HeadlessError> {
    if !(1..=MAX_VIEWPORT).contains(&width) || !(1..=MAX_VIEWPORT).contains(&height) {
        return Err(HeadlessError::Viewport {
            width,
            height,
            why: "width and height must be 1 to 10000 CSS pixels",
        });
    }
    let target = connection
        .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
        .await?;
    let target = string(&target, "Target.createTarget", "targetId")?;
    let attached = connection
        .call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )
        .await;
    let checked = match attached.and_then(|a| string(&a, "Target.attachToTarget", "sessionId")) {
        Ok(session) => {
            let events = connection.subscribe(&session);
            let mut tab = Tab {
                connection,
                session: &session,
                events,
                console_errors: Vec::new(),
            };
            let checked = tab.check(url, width, height).await;
            connection.unsubscribe(&session);
            checked
        }
        Err(e) => Err(e),
    };
    let closed = connection
        .call(None, "Target.closeTarget", json!({ "targetId": target }))
        .await;
    let checked = checked?;
    closed?;
    Ok(checked)
}

/// One attached tab and the console errors seen so far.
struct Tab<'a> {
    connection: &'a Connection,
    session: &'a str,
    events: UnboundedReceiver<Event>,
    console_errors: Vec<String>,
}

impl Tab<'_> {
    async fn call(&self, method: &str, params: Value) -> Result<Value, HeadlessError> {
        self.connection
            .call(Some(self.session), method, params)
            .await
    }

    async fn check(
        &mut self,
        url: &str,
        width: u32,
        height: u32,
    ) -> Result<PageCheck, HeadlessError> {
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            self.call(domain, json!({})).await?;
        }
        // Laid out at exactly `width` CSS pixels, as a phone lays out a page
        // with `<meta name=viewport content="width=device-width">`.
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await?;
        let navigated = self.call("Page.navigate", json!({ "url": url })).await?;
        if let Some(error) = navigated
            .get("errorText")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
        {
            return Err(HeadlessError::Navigation {
                url: url.to_owned(),
                error: error.to_owned(),
            });
        }
        self.until_loaded().await?;
        // A frame and a turn of the task queue, so errors from the first
        // paint and from `setTimeout(…, 0)` handlers are in.
        self.evaluate(
            "new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))",
            true,
        )
        .await?;
        let overflowing = self.evaluate(include_str!("overflow.js"), false).await?;
        let overflowing = strings(&overflowing)
            .ok_or(self.answer_error("Runtime.evaluate", "result.value (overflow list)"))?;
        let page = self
            .evaluate(
                "({ title: document.title, text: document.body ? document.body.innerText : '' })",
                false,
            )
            .await?;
        let title = text_field(&page, "title")
            .ok_or(self.answer_error("Runtime.evaluate", "result.value.title"))?;
        let text = text_field(&page, "text")
            .ok_or(self.answer_error("Runtime.evaluate", "result.value.text"))?;
        let screenshot_png = self.screenshot(width).await?;
        self.drain();
        Ok(PageCheck {
            url: url.to_owned(),
            width,
            height,
            console_errors: std::mem::take(&mut self.console_errors),
            overflowing,
            title,
            text,
            screenshot_png,
        })
    }

    /// Waits for the load event, noting console errors meanwhile.
    async fn until_loaded(&mut self) -> Result<(), HeadlessError> {
        let step = self.connection.step();
        let loaded = async {
            while let Some(event) = self.events.recv().await {
                if event.method == "Page.loadEventFired" {
                    return Ok(());
                }
                self.note(&event);
            }
            Err(HeadlessError::Disconnected {
                method: "Page.loadEventFired".to_owned(),
            })
        };
        tokio::time::timeout(step, loaded)
            .await
            .map_err(|_| HeadlessError::Timeout {
                step: "waiting for the page's load event".to_owned(),
                after: step,
            })?
    }

    /// Notes the events that have arrived (an answer comes after the events
    /// sent before it, so after a command they are all here).
    fn drain(&mut self) {
        while let Ok(event) = self.events.try_recv() {
            self.note(&event);
        }
    }

    fn note(&mut self, event: &Event) {
        if let Some(error) = console_error(event) {
            self.console_errors.push(error);
        }
    }

    /// Runs `expression` in the page; its value (awaited if a promise).
    async fn evaluate(&mut self, expression: &str, promise: bool) -> Result<Value, HeadlessError> {
        let answer = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": promise }),
            )
            .await?;
        self.drain();
        if let Some(details) = answer.get("exceptionDetails") {
            return Err(HeadlessError::Command {
                method: "Runtime.evaluate".to_owned(),
                message: exception_text(details),
            });
        }
        Ok(answer
            .get("result")
            .and_then(|r| r.get("value"))
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// The whole page, `width` pixels wide.
    async fn screenshot(&mut self, width: u32) -> Result<Vec<u8>, HeadlessError> {
        let metrics = self.call("Page.getLayoutMetrics", json!({})).await?;
        let page_height = metrics
            .get("cssContentSize")
            .and_then(|s| s.get("height"))
            .and_then(Value::as_f64)
            .ok_or(self.answer_error("Page.getLayoutMetrics", "cssContentSize.height"))?;
        let height = page_height.ceil().clamp(1.0, MAX_SCREENSHOT_HEIGHT);
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
                }),
            )
            .await?;
        let data = shot
            .get("data")
            .and_then(Value::as_str)
            .ok_or(self.answer_error("Page.captureScreenshot", "data"))?;
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(HeadlessError::Screenshot)
    }

    fn answer_error(&self, method: &str, field: &'static str) -> HeadlessError {
        HeadlessError::Answer {
            method: method.to_owned(),
            field,
        }
    }
}

/// The message of an event that reports an error on the page, if it is one.
fn console_error(event: &Event) -> Option<String> {
    let params = &event.params;
    match event.method.as_str() {
        "Runtime.consoleAPICalled" => {
            let kind = params.get("type").and_then(Value::as_str)?;
            if kind != "error" && kind != "assert" {
                return None;
            }
            let args: Vec<String> = params
                .get("args")
                .and_then(Value::as_array)
                .map(|args| args.iter().map(remote_object_text).collect())
                .unwrap_or_default();
            Some(format!("console.{kind}: {}", args.join(" ")))
        }
        "Runtime.exceptionThrown" => Some(format!(
            "uncaught {}",
            exception_text(params.get("exceptionDetails")?)
        )),
        "Log.entryAdded" => {
            let entry = params.get("entry")?;
            if entry.get("level").and_then(Value::as_str) != Some("error") {
                return None;
            }
            let text = entry.get("text").and_then(Value::as_str).unwrap_or("");
            let url = entry.get("url").and_then(Value::as_str);
            // The browser asks every http page's server for /favicon.ico on
            // its own; a page that names no icon has not failed to load one.
            if url.is_some_and(is_default_favicon) {
                return None;
            }
            Some(match url {
                Some(url) if !url.is_empty() => format!("{text} ({url})"),
                _ => text.to_owned(),
            })
        }
        _ => None,
    }
}

/// `http(s)://host/favicon.ico`, the icon the browser fetches unasked.
fn is_default_favicon(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.path() == "/favicon.ico" && u.query().is_none())
}

/// A console argument as the console would show it.
fn remote_object_text(object: &Value) -> String {
    match object.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => object
            .get("description")
            .or_else(|| object.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned(),
    }
}

/// `TypeError: x is undefined (http://…/page.html:12)`.
fn exception_text(details: &Value) -> String {
    let message = details
        .get("exception")
        .and_then(|e| e.get("description"))
        .and_then(Value::as_str)
        .or_else(|| details.get("text").and_then(Value::as_str))
        .unwrap_or("exception");
    // The description of an Error carries its stack after the first line.
    let message = message.lines().next().unwrap_or(message);
    match details.get("url").and_then(Value::as_str) {
        Some(url) if !url.is_empty() => {
            let line = details
                .get("lineNumber")
                .and_then(Value::as_u64)
                .unwrap_or(0)
                + 1;
            format!("{message} ({url}:{line})")
        }
        _ => message.to_owned(),
    }
}

fn string(value: &Value, method: &str, field: &'static str) -> Result<String, HeadlessError> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| HeadlessError::Answer {
            method: method.to_owned(),
            field,
        })
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn text_field(value: &Value, field: &str) -> Option<String> {
    value.get(field)?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(method: &str, params: Value) -> Event {
        Event {
            method: method.to_owned(),
            params,
        }
    }

    #[test]
    fn console_errors_exceptions_and_failed_loads_are_read_from_their_events() {
        let logged = event(
            "Runtime.consoleAPICalled",
            json!({ "type": "error", "args": [
                { "type": "string", "value": "boom" },
                { "type": "number", "value": 42 },
                { "type": "object", "description": "Object" } ] }),
        );
        assert_eq!(
            console_error(&logged).as_deref(),
            Some("console.error: boom 42 Object")
        );
        let info = event(
            "Runtime.consoleAPICalled",
            json!({ "type": "log", "args": [{ "type": "string", "value": "fine" }] }),
        );
        assert_eq!(console_error(&info), None);

        let thrown = event(
            "Runtime.exceptionThrown",
            json!({ "exceptionDetails": { "text": "Uncaught", "url": "http://127.0.0.1:1/p.html",
                "lineNumber": 11, "exception": { "description": "TypeError: x is null\n    at p.html:12" } } }),
        );
        assert_eq!(
            console_error(&thrown).as_deref(),
            Some("uncaught TypeError: x is null (http://127.0.0.1:1/p.html:12)")
        );

        let failed = event(
            "Log.entryAdded",
            json!({ "entry": { "level": "error", "source": "network",
                "text": "Failed to load resource: 404", "url": "http://127.0.0.1:1/x.png" } }),
        );
        assert_eq!(
            console_error(&failed).as_deref(),
            Some("Failed to load resource: 404 (http://127.0.0.1:1/x.png)")
        );
        let warning = event(
            "Log.entryAdded",
            json!({ "entry": { "level": "warning", "text": "deprecated" } }),
        );
        assert_eq!(console_error(&warning), None);
        let favicon = event(
            "Log.entryAdded",
            json!({ "entry": { "level": "error", "source": "network",
                "text": "Failed to load resource: 404", "url": "http://127.0.0.1:1/favicon.ico" } }),
        );
        assert_eq!(console_error(&favicon), None);
        let icon_elsewhere = event(
            "Log.entryAdded",
            json!({ "entry": { "level": "error", "source": "network",
                "text": "Failed to load resource: 404", "url": "http://127.0.0.1:1/img/favicon.ico" } }),
        );
        assert!(console_error(&icon_elsewhere).is_some());
        assert_eq!(
            console_error(&event("Page.frameNavigated", json!({}))),
            None
        );
    }
}
