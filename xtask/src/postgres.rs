//! A throwaway PostgreSQL cluster for the store's tests: `initdb` in a temp
//! directory, `pg_ctl start` on a free loopback port, stopped and deleted
//! when dropped (on success, failure or panic alike).
//!
//! The one place both `cargo xtask test` and `.ci/run` (through `cargo xtask
//! ci`) get their database from: the tests read its URL from
//! `IOTCARD_TEST_POSTGRES` and create a database of their own in it.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::{self, Failure};

/// The variable the store's tests read.
pub const URL_VARIABLE: &str = "IOTCARD_TEST_POSTGRES";

/// Where a server's binaries are looked for when `IOTCARD_PG_BIN` is unset.
const INSTALL_ROOT: &str = "/usr/lib/postgresql";

/// The user `initdb` and the server run as when xtask runs as root (both
/// refuse root).
const SERVER_USER: &str = "postgres";

/// A running cluster.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    as_server_user: bool,
    url: String,
}

impl Cluster {
    pub fn url(&self) -> &str {
        &self.url
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let mut stop = pg_command(&self.bin, "pg_ctl", self.as_server_user);
        stop.arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"]);
        if let Err(failure) = run::output(stop) {
            eprintln!("xtask: could not stop the test PostgreSQL: {failure}");
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// What the tests get: the URL already in the environment (nothing to
/// start), a cluster started here, or nothing, with the reason. In CI a
/// missing server is a failure, not a skip.
pub enum ForTests {
    Given,
    Started(Cluster),
    Skipped(String),
}

pub fn for_tests() -> Result<ForTests, Failure> {
    if std::env::var_os(URL_VARIABLE).is_some_and(|v| !v.is_empty()) {
        return Ok(ForTests::Given);
    }
    match find_bin() {
        Some(bin) => start(&bin).map(ForTests::Started),
        None => {
            let why = format!(
                "no PostgreSQL server binaries (looked in $IOTCARD_PG_BIN, {INSTALL_ROOT}/*/bin \
                 and `pg_config --bindir`); install postgresql (Debian: apt-get install \
                 postgresql) or set {URL_VARIABLE}"
            );
            if run::is_ci() {
                Err(Failure::new(format!(
                    "{why} (CI is set: the store's PostgreSQL tests must run)"
                )))
            } else {
                Ok(ForTests::Skipped(why))
            }
        }
    }
}

fn find_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("IOTCARD_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(INSTALL_ROOT)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).or_else(|| {
        let mut config = Command::new("pg_config");
        config.arg("--bindir");
        let dir = PathBuf::from(run::output(config).ok()?.trim());
        dir.join("initdb").exists().then_some(dir)
    })
}

fn is_root() -> bool {
    let mut id = Command::new("id");
    id.arg("-u");
    run::output(id).is_ok_and(|uid| uid.trim() == "0")
}

fn pg_command(bin: &Path, tool: &str, as_server_user: bool) -> Command {
    let program = bin.join(tool);
    if as_server_user {
        let mut command = Command::new("runuser");
        command.args(["-u", SERVER_USER, "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn free_port() -> Result<u16, Failure> {
    // Bound and released at once: a race with another process taking it
    // is possible but shows as a clear start failure.
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| Failure::new(format!("no free loopback port: {error}")))
}

fn start(bin: &Path) -> Result<Cluster, Failure> {
    let dir = std::env::temp_dir().join(format!("iotcard-test-pg-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)
        .map_err(|error| Failure::new(format!("cannot create {}: {error}", dir.display())))?;
    let as_server_user = is_root();
    // From here on, dropping the cluster cleans up whatever was made.
    let mut cluster = Cluster {
        dir,
        bin: bin.to_path_buf(),
        as_server_user,
        url: String::new(),
    };
    if as_server_user {
        let mut chown = Command::new("chown");
        chown.arg(format!("{SERVER_USER}:")).arg(&cluster.dir);
        run::output(chown)?;
    }
    let mut initdb = pg_command(bin, "initdb", as_server_user);
    initdb.arg("-D").arg(cluster.data()).args([
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-sync",
    ]);
    run::output(initdb)?;
    let port = free_port()?;
    // fsync off: the cluster is thrown away, and the tests run faster.
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=200",
        cluster.dir.display()
    );
    let mut pg_ctl = pg_command(bin, "pg_ctl", as_server_user);
    pg_ctl
        .arg("-D")
        .arg(cluster.data())
        .arg("-l")
        .arg(cluster.dir.join("server.log"))
        .args(["-w", "-t", "60", "-o", &options, "start"]);
    if let Err(failure) = run::output(pg_ctl) {
        let log = fs::read_to_string(cluster.dir.join("server.log")).unwrap_or_default();
        return Err(Failure::new(format!("{failure}\nserver log:\n{log}")));
    }
    cluster.url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    println!(
        "test PostgreSQL ({}) on 127.0.0.1:{port}, data in {}",
        bin.display(),
        cluster.dir.display()
    );
    Ok(cluster)
}

/// `cargo xtask with-postgres COMMAND…`: runs one command with
/// `IOTCARD_TEST_POSTGRES` set to a throwaway cluster, e.g.
/// `cargo xtask with-postgres cargo test -p iotcard-store`.
pub fn with(args: &[String]) -> Result<(), Failure> {
    let Some((program, rest)) = args.split_first() else {
        return Err(Failure::new(
            "with-postgres needs a command, e.g. `cargo xtask with-postgres cargo test -p iotcard-store`",
        ));
    };
    let database = for_tests()?;
    let mut command = Command::new(program);
    command.current_dir(run::root()).args(rest);
    match &database {
        ForTests::Started(cluster) => {
            command.env(URL_VARIABLE, cluster.url());
        }
        ForTests::Given => {}
        ForTests::Skipped(why) => return Err(Failure::new(why.clone())),
    }
    run::status(command)
}
