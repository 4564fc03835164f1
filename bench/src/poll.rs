//! What one poll of N cards measured, and its JSON line.

use std::time::Instant;

use serde_json::json;

use crate::clock;
use crate::error::BenchError;
use crate::rusage;

/// Started before the first request, finished after the last answer.
#[derive(Debug)]
pub struct Meter {
    started: Instant,
    cpu_before: rusage::Usage,
}

impl Meter {
    pub fn start() -> Result<Self, BenchError> {
        Ok(Self {
            cpu_before: rusage::this_process()?,
            started: clock::now(),
        })
    }

    /// The figures of a poll of `cards` that got `answered` answers, of
    /// which `with_value` carried a value.
    pub fn finish(
        self,
        client: &'static str,
        cards: usize,
        answered: usize,
        with_value: usize,
    ) -> Result<PollReport, BenchError> {
        let wall = self.started.elapsed().as_secs_f64();
        let after = rusage::this_process()?;
        Ok(PollReport {
            client,
            cards,
            answered,
            with_value,
            wall_s: wall,
            user_s: (after.user.saturating_sub(self.cpu_before.user)).as_secs_f64(),
            sys_s: (after.sys.saturating_sub(self.cpu_before.sys)).as_secs_f64(),
            process_cpu_s: after.cpu().as_secs_f64(),
            peak_rss_kib: after.max_rss_kib,
        })
    }
}

/// One poll's figures. CPU is this process's user and system time over the
/// poll alone (reading the numbers file before it is not counted);
/// `process_cpu_s` is the whole process's, for comparison.
#[derive(Debug)]
pub struct PollReport {
    pub client: &'static str,
    pub cards: usize,
    pub answered: usize,
    pub with_value: usize,
    pub wall_s: f64,
    pub user_s: f64,
    pub sys_s: f64,
    pub process_cpu_s: f64,
    pub peak_rss_kib: u64,
}

impl PollReport {
    pub fn to_json(&self) -> String {
        let cpu = self.user_s + self.sys_s;
        let per_second = if self.wall_s > 0.0 {
            self.answered as f64 / self.wall_s
        } else {
            0.0
        };
        let cpu_us_per_card = if self.cards > 0 {
            cpu * 1e6 / self.cards as f64
        } else {
            0.0
        };
        json!({
            "client": self.client,
            "cards": self.cards,
            "answered": self.answered,
            "with_value": self.with_value,
            "wall_s": self.wall_s,
            "cards_per_s": per_second,
            "user_s": self.user_s,
            "sys_s": self.sys_s,
            "cpu_s": cpu,
            "cpu_us_per_card": cpu_us_per_card,
            "process_cpu_s": self.process_cpu_s,
            "peak_rss_kib": self.peak_rss_kib,
        })
        .to_string()
    }
}
