//! The `iotcard` binary run as a process against the simulator: every
//! command on both platforms, every output format, exit statuses,
//! configuration, standard input, export and its interruption, `sim`,
//! `demo`, and that no credential ever reaches stdout or stderr.

mod config;
mod crash;
mod deploy_unit;
mod dialects;
mod exits;
mod export;
mod history;
mod iotbos_dialects;
mod queries;
mod report;
mod secrets;
mod sim_and_demo;
mod support;
mod tokens_and_limits;
mod watch_commands;
mod watch_postgres;
mod watch_process;
mod watch_serve;
