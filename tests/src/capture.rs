//! Every log line of the process, at `trace` level, kept in memory so a
//! test can search it.

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

/// The shared buffer the global subscriber writes into.
#[derive(Clone, Debug, Default)]
pub struct LogCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl LogCapture {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Everything logged so far, as text (lossy for invalid UTF-8, which
    /// keeps every ASCII sentinel intact).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.lock()).into_owned()
    }

    /// How many lines were logged so far.
    pub fn lines(&self) -> usize {
        self.lock().iter().filter(|&&b| b == b'\n').count()
    }
}

/// One write into the buffer.
#[derive(Debug)]
pub struct CaptureWriter {
    capture: LogCapture,
}

impl Write for CaptureWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.capture.lock().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogCapture {
    type Writer = CaptureWriter;
    fn make_writer(&'a self) -> Self::Writer {
        CaptureWriter {
            capture: self.clone(),
        }
    }
}

/// Installs (once per process) a global subscriber at `trace` level for
/// every target, spans' fields included, writing into the returned buffer.
/// Global, not per thread, so lines from every runtime worker and blocking
/// thread are caught.
pub fn trace_everything() -> LogCapture {
    static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = LogCapture::default();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
                .with_ansi(false)
                .with_writer(capture.clone())
                .try_init()
                .expect("no other global subscriber in this test binary");
            capture
        })
        .clone()
}
