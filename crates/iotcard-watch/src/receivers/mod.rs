//! Local receivers on 127.0.0.1 for tests: DingTalk-, WeCom-, Feishu- and
//! webhook-shaped HTTP receivers ([`Robot`]) and an SMTP-shaped one
//! ([`SmtpReceiver`]: plain, STARTTLS or implicit TLS with a [`TestCa`]).
//! Each checks what the real service checks (token, key, signature and
//! its age, payload shape, login, TLS before the login), answers as it
//! answers, records what it accepted, and can be told to be down.

mod http;
mod smtp;
mod tls;

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use iotcard_facade::Clock;

pub use self::http::{Received, Robot, RobotKind};
pub use self::smtp::{Mail, SmtpReceiver, SmtpReceiverBuilder};
pub use self::tls::TestCa;

/// How a receiver is down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Down {
    /// Connections are accepted and closed at once (an SMTP receiver: no
    /// greeting).
    Refuse,
    /// HTTP 503 (SMTP: `421` at the greeting).
    Unavailable,
    /// The robot's rate-limit code (DingTalk 130101, WeCom 45009, Feishu
    /// 9499, a webhook HTTP 429; SMTP `450` to `MAIL FROM`).
    RateLimited,
}

/// When a receiver is down: for how many more connections or requests.
#[derive(Debug, Default)]
pub(crate) struct Outage {
    how: Option<(Down, Option<usize>)>,
}

impl Outage {
    /// Whether this request or connection meets the outage (and counts it).
    pub(crate) fn take(&mut self) -> Option<Down> {
        let (how, left) = self.how.as_mut()?;
        let how = *how;
        match left {
            Some(0) => {
                self.how = None;
                None
            }
            Some(n) => {
                *n -= 1;
                Some(how)
            }
            None => Some(how),
        }
    }
}

/// The state every receiver shares with its tasks.
#[derive(Debug)]
pub(crate) struct Switch {
    outage: Mutex<Outage>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Switch {
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            outage: Mutex::new(Outage::default()),
            clock,
        }
    }

    pub(crate) fn set(&self, how: Option<(Down, Option<usize>)>) {
        lock(&self.outage).how = how;
    }

    pub(crate) fn take(&self) -> Option<Down> {
        lock(&self.outage).take()
    }

    /// Whether the receiver refuses connections now (counting one).
    pub(crate) fn take_refuse(&self) -> bool {
        let mut outage = lock(&self.outage);
        if matches!(outage.how, Some((Down::Refuse, _))) {
            outage.take() == Some(Down::Refuse)
        } else {
            false
        }
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Aborts a task when dropped.
#[derive(Debug)]
pub(crate) struct Task(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}
