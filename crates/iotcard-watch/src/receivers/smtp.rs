//! An SMTP-shaped receiver: EHLO/HELO, AUTH PLAIN and LOGIN, MAIL FROM,
//! RCPT TO, DATA, RSET, NOOP, QUIT, over plain TCP on 127.0.0.1.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use base64::Engine as _;
use iotcard_facade::Clock;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::{lock, Down, Switch, Task};

/// A message an [`SmtpReceiver`] accepted.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Mail {
    /// When (the receiver's clock).
    pub at: SystemTime,
    /// Who logged in, if anyone.
    pub login: Option<String>,
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO`, each.
    pub to: Vec<String>,
    /// The message, dot-unstuffed, CRLF line ends.
    pub data: String,
}

impl Mail {
    /// A header's value (the first, unfolded no further).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.data
            .split("\r\n")
            .take_while(|l| !l.is_empty())
            .find_map(|line| {
                let (n, v) = line.split_once(':')?;
                n.eq_ignore_ascii_case(name).then(|| v.trim())
            })
    }
}

#[derive(Debug)]
struct Shared {
    login: Option<(String, String)>,
    switch: Switch,
    mails: Mutex<Vec<Mail>>,
    connections: Mutex<usize>,
}

/// A local SMTP server on 127.0.0.1 (no TLS: a notifier reaches it with
/// `tls = "none"`). With a login set it advertises `AUTH PLAIN LOGIN` and
/// takes mail only after a good login (`535` otherwise).
#[derive(Debug)]
pub struct SmtpReceiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _task: Task,
}

impl SmtpReceiver {
    /// A receiver; with `login` (user, password) it requires that login.
    pub async fn start(
        login: Option<(&str, &str)>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            login: login.map(|(u, p)| (u.to_owned(), p.to_owned())),
            switch: Switch::new(clock),
            mails: Mutex::new(Vec::new()),
            connections: Mutex::new(0),
        });
        let serving = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = Arc::clone(&serving);
                tokio::spawn(async move {
                    let _ = shared.session(stream).await;
                });
            }
        });
        Ok(Self {
            addr,
            shared,
            _task: Task(task),
        })
    }

    /// The port (the host is 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Down, as `how`, until [`up`](Self::up).
    pub fn down(&self, how: Down) {
        self.shared.switch.set(Some((how, None)));
    }

    /// Down, as `how`, for the next `connections` connections.
    pub fn down_for(&self, connections: usize, how: Down) {
        self.shared.switch.set(Some((how, Some(connections))));
    }

    /// Up again.
    pub fn up(&self) {
        self.shared.switch.set(None);
    }

    /// The messages accepted.
    pub fn mails(&self) -> Vec<Mail> {
        lock(&self.shared.mails).clone()
    }

    /// How many connections came.
    pub fn connections(&self) -> usize {
        *lock(&self.shared.connections)
    }
}

impl Shared {
    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        *lock(&self.connections) += 1;
        let down = self.switch.take();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        match down {
            Some(Down::Refuse) => return Ok(()),
            Some(Down::Unavailable) => {
                write
                    .write_all(b"421 4.3.2 service not available, try later\r\n")
                    .await?;
                return Ok(());
            }
            _ => {}
        }
        write
            .write_all(b"220 localhost ESMTP iotcard-test\r\n")
            .await?;
        let mut authed: Option<String> = None;
        let mut from: Option<String> = None;
        let mut to: Vec<String> = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end_matches(['\r', '\n']).to_owned();
            let upper = command.to_ascii_uppercase();
            let reply: String = if upper.starts_with("EHLO") {
                if self.login.is_some() {
                    "250-localhost\r\n250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n".into()
                } else {
                    "250-localhost\r\n250 8BITMIME\r\n".into()
                }
            } else if upper.starts_with("HELO") {
                "250 localhost\r\n".into()
            } else if upper.starts_with("AUTH PLAIN") {
                let given = match command.split_whitespace().nth(2) {
                    Some(b64) => b64.to_owned(),
                    None => {
                        write.write_all(b"334 \r\n").await?;
                        read_line(&mut lines).await?
                    }
                };
                let decoded = decode(&given).unwrap_or_default();
                let mut parts = decoded.split('\0').skip(1);
                let (user, pass) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                self.check_login(user, pass, &mut authed)
            } else if upper.starts_with("AUTH LOGIN") {
                write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                let user = decode(&read_line(&mut lines).await?).unwrap_or_default();
                write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                let pass = decode(&read_line(&mut lines).await?).unwrap_or_default();
                self.check_login(&user, &pass, &mut authed)
            } else if upper.starts_with("MAIL FROM:") {
                if self.login.is_some() && authed.is_none() {
                    "530 5.7.0 authentication required\r\n".into()
                } else if down == Some(Down::RateLimited) {
                    "450 4.7.1 too many messages, slow down\r\n".into()
                } else {
                    from = Some(address(&command[10..]));
                    to.clear();
                    "250 2.1.0 ok\r\n".into()
                }
            } else if upper.starts_with("RCPT TO:") {
                if from.is_none() {
                    "503 5.5.1 MAIL first\r\n".into()
                } else {
                    to.push(address(&command[8..]));
                    "250 2.1.5 ok\r\n".into()
                }
            } else if upper == "DATA" {
                if from.is_none() || to.is_empty() {
                    "503 5.5.1 RCPT first\r\n".into()
                } else {
                    write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        if lines.read_line(&mut l).await? == 0 {
                            return Ok(());
                        }
                        if l == ".\r\n" || l == ".\n" {
                            break;
                        }
                        let l = l.strip_prefix('.').unwrap_or(&l);
                        data.push_str(l.trim_end_matches(['\r', '\n']));
                        data.push_str("\r\n");
                    }
                    lock(&self.mails).push(Mail {
                        at: self.switch.now(),
                        login: authed.clone(),
                        from: from.take().unwrap_or_default(),
                        to: std::mem::take(&mut to),
                        data,
                    });
                    "250 2.0.0 ok: queued\r\n".into()
                }
            } else if upper == "RSET" {
                from = None;
                to.clear();
                "250 2.0.0 ok\r\n".into()
            } else if upper == "NOOP" {
                "250 2.0.0 ok\r\n".into()
            } else if upper == "QUIT" {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            } else {
                "500 5.5.2 command not recognized\r\n".into()
            };
            write.write_all(reply.as_bytes()).await?;
        }
    }

    fn check_login(&self, user: &str, pass: &str, authed: &mut Option<String>) -> String {
        match &self.login {
            Some((u, p)) if u == user && p == pass => {
                *authed = Some(user.to_owned());
                "235 2.7.0 authentication successful\r\n".into()
            }
            _ => "535 5.7.8 authentication credentials invalid\r\n".into(),
        }
    }
}

async fn read_line(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<String> {
    let mut line = String::new();
    lines.read_line(&mut line).await?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn decode(b64: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// `<a@b> SIZE=…` → `a@b`.
fn address(text: &str) -> String {
    let text = text.trim();
    let text = text.split_whitespace().next().unwrap_or("");
    text.trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}
