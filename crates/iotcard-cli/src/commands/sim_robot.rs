//! `sim --robot`: a DingTalk-shaped robot beside the simulator, so a new
//! user sees the watcher's alerts arrive without a DingTalk account. It is
//! iotcard-watch's test receiver: it checks the access token, the
//! signature and its age, and the message's shape, as DingTalk does, and
//! each message it accepts is printed on stderr.

use std::sync::Arc;
use std::time::Duration;

use iotcard_facade::SystemClock;
use iotcard_watch::receivers::{Received, Robot};
use serde_json::Value;

use crate::error::CliError;

/// The robot's access token: a simulator's, not a secret.
pub const TOKEN: &str = "iotcard-sim";
/// The robot's signing secret (DingTalk's start with `SEC`).
pub const SECRET: &str = "SECiotcard-sim";
/// The JSON line's key of the robot's URL.
pub const URL_KEY: &str = "IOTCARD_SIM_ROBOT_URL";
/// The JSON line's key of the robot's signing secret.
pub const SECRET_KEY: &str = "IOTCARD_SIM_ROBOT_SECRET";
/// How often new messages are looked for.
const POLL: Duration = Duration::from_millis(200);

/// A running robot and the task printing what it receives.
#[derive(Debug)]
pub struct SimRobot {
    robot: Arc<Robot>,
    printer: tokio::task::JoinHandle<()>,
}

impl SimRobot {
    /// Starts the robot on a free port of 127.0.0.1.
    pub async fn start() -> Result<Self, CliError> {
        let robot = Robot::dingtalk(TOKEN, Some(SECRET), Arc::new(SystemClock::default()))
            .await
            .map_err(CliError::Robot)?;
        let robot = Arc::new(robot);
        let watched = Arc::clone(&robot);
        let printer = tokio::spawn(async move {
            let mut shown = 0;
            loop {
                tokio::time::sleep(POLL).await;
                let received = watched.received();
                for message in received.iter().skip(shown) {
                    eprintln!("{}", describe(message));
                }
                shown = received.len();
            }
        });
        Ok(SimRobot { robot, printer })
    }

    /// What the JSON line says of it.
    pub fn environment(&self) -> Vec<(&'static str, String)> {
        vec![(URL_KEY, self.robot.url()), (SECRET_KEY, SECRET.to_owned())]
    }
}

impl Drop for SimRobot {
    fn drop(&mut self) {
        self.printer.abort();
    }
}

/// `robot: message received (signature checked): TITLE` and the markdown
/// text, indented.
fn describe(message: &Received) -> String {
    let body: Option<Value> = serde_json::from_slice(&message.body).ok();
    let markdown = body.as_ref().and_then(|b| b.get("markdown"));
    let field = |name: &str| {
        markdown
            .and_then(|m| m.get(name))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let text = field("text")
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "robot: message received (token and signature checked): {}\n{text}",
        field("title")
    )
}
