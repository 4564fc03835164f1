//! An SMTP-shaped receiver: EHLO/HELO, STARTTLS, AUTH PLAIN and LOGIN,
//! MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT, on 127.0.0.1 over plain TCP,
//! STARTTLS or implicit TLS.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use base64::Engine as _;
use iotcard_facade::Clock;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::{lock, Down, Switch, Task, TestCa};

/// A message an [`SmtpReceiver`] accepted.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Mail {
    /// When (the receiver's clock).
    pub at: SystemTime,
    /// Who logged in, if anyone.
    pub login: Option<String>,
    /// Whether it came over TLS (after STARTTLS, or implicit).
    pub tls: bool,
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

/// How an [`SmtpReceiver`] speaks TLS.
#[derive(Clone, Debug)]
enum Mode {
    /// Plain TCP only.
    Plain,
    /// Offers STARTTLS after `EHLO` and requires it: `AUTH` is offered, and
    /// `AUTH` and `MAIL` are taken, only once the connection is upgraded
    /// (what a submission server on port 587 checks).
    Starttls(TestCa),
    /// TLS from the first byte (SMTPS, port 465).
    Implicit(TestCa),
}

#[derive(Debug)]
struct Shared {
    login: Option<(String, String)>,
    mode: Mode,
    switch: Switch,
    mails: Mutex<Vec<Mail>>,
    connections: Mutex<usize>,
    handshake_failures: Mutex<usize>,
    commands: Mutex<Vec<String>>,
}

/// A local SMTP server on 127.0.0.1: plain ([`start`](Self::start), which
/// a notifier reaches with `tls = "none"`), with STARTTLS required, or
/// with implicit TLS ([`builder`](Self::builder)). With a login set it
/// offers `AUTH PLAIN LOGIN` (over TLS only, when it speaks TLS) and takes
/// mail only after a good login (`535` for a bad one, `530` without).
#[derive(Debug)]
pub struct SmtpReceiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _task: Task,
}

/// Builds an [`SmtpReceiver`].
#[derive(Debug)]
pub struct SmtpReceiverBuilder {
    login: Option<(String, String)>,
    mode: Mode,
    clock: Arc<dyn Clock>,
}

impl SmtpReceiverBuilder {
    /// Requires the login (user, password) before mail.
    pub fn login(mut self, user: &str, password: &str) -> Self {
        self.login = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// Offers STARTTLS with `ca`'s server certificate and requires it: a
    /// client that does not upgrade gets `530` to `AUTH` and `MAIL`, and
    /// `AUTH` is advertised only after the upgrade.
    pub fn starttls(mut self, ca: &TestCa) -> Self {
        self.mode = Mode::Starttls(ca.clone());
        self
    }

    /// Speaks TLS from the first byte with `ca`'s server certificate.
    pub fn implicit_tls(mut self, ca: &TestCa) -> Self {
        self.mode = Mode::Implicit(ca.clone());
        self
    }

    /// Listens on a free port of 127.0.0.1.
    pub async fn start(self) -> std::io::Result<SmtpReceiver> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            login: self.login,
            mode: self.mode,
            switch: Switch::new(self.clock),
            mails: Mutex::new(Vec::new()),
            connections: Mutex::new(0),
            handshake_failures: Mutex::new(0),
            commands: Mutex::new(Vec::new()),
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
        Ok(SmtpReceiver {
            addr,
            shared,
            _task: Task(task),
        })
    }
}

impl SmtpReceiver {
    /// A plain receiver; with `login` (user, password) it requires that login.
    pub async fn start(
        login: Option<(&str, &str)>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        let mut builder = Self::builder(clock);
        if let Some((user, password)) = login {
            builder = builder.login(user, password);
        }
        builder.start().await
    }

    /// A builder: plain TCP, no login, until told otherwise.
    pub fn builder(clock: Arc<dyn Clock>) -> SmtpReceiverBuilder {
        SmtpReceiverBuilder {
            login: None,
            mode: Mode::Plain,
            clock,
        }
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

    /// The commands received, in order, each as its verb (`EHLO`, `AUTH`,
    /// `MAIL`…; never an argument, which for `AUTH` is the password),
    /// with ` (tls)` when it came encrypted.
    pub fn commands(&self) -> Vec<String> {
        lock(&self.shared.commands).clone()
    }

    /// How many TLS handshakes failed (a client that refused the
    /// certificate, one that does not speak TLS).
    pub fn handshake_failures(&self) -> usize {
        *lock(&self.shared.handshake_failures)
    }
}

/// How one conversation ended.
enum End<S> {
    Closed,
    /// The client asked for STARTTLS and was told to go ahead: the plain
    /// stream, to upgrade.
    Upgrade(S),
}

impl Shared {
    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        *lock(&self.connections) += 1;
        let down = self.switch.take();
        if down == Some(Down::Refuse) {
            return Ok(());
        }
        match &self.mode {
            Mode::Plain => self.converse(stream, down, true, false).await.map(drop),
            Mode::Implicit(ca) => {
                let stream = self.handshake(ca, stream).await?;
                self.converse(stream, down, true, true).await.map(drop)
            }
            Mode::Starttls(ca) => match self.converse(stream, down, true, false).await? {
                End::Closed => Ok(()),
                End::Upgrade(stream) => {
                    let stream = self.handshake(ca, stream).await?;
                    // RFC 3207: no greeting, and the client starts over
                    // with EHLO; nothing said before the upgrade counts.
                    self.converse(stream, down, false, true).await.map(drop)
                }
            },
        }
    }

    async fn handshake(
        &self,
        ca: &TestCa,
        stream: TcpStream,
    ) -> std::io::Result<tokio_rustls::server::TlsStream<TcpStream>> {
        ca.acceptor().accept(stream).await.inspect_err(|_| {
            *lock(&self.handshake_failures) += 1;
        })
    }

    /// One conversation over `stream`, encrypted or not, until QUIT, the
    /// client closing, or STARTTLS.
    async fn converse<S>(
        &self,
        stream: S,
        down: Option<Down>,
        greet: bool,
        secure: bool,
    ) -> std::io::Result<End<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut io = BufReader::new(stream);
        if greet {
            if down == Some(Down::Unavailable) {
                io.write_all(b"421 4.3.2 service not available, try later\r\n")
                    .await?;
                return Ok(End::Closed);
            }
            io.write_all(b"220 localhost ESMTP iotcard-test\r\n")
                .await?;
        }
        // Until the upgrade STARTTLS is offered, and required: no login,
        // no mail.
        let needs_tls = matches!(self.mode, Mode::Starttls(_)) && !secure;
        let mut authed: Option<String> = None;
        let mut from: Option<String> = None;
        let mut to: Vec<String> = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if io.read_line(&mut line).await? == 0 {
                return Ok(End::Closed);
            }
            let command = line.trim_end_matches(['\r', '\n']).to_owned();
            let upper = command.to_ascii_uppercase();
            // The verb only: an AUTH line carries the password.
            let verb = upper.split([' ', ':']).next().unwrap_or_default();
            lock(&self.commands).push(format!("{verb}{}", if secure { " (tls)" } else { "" }));
            let reply: String = if upper.starts_with("EHLO") {
                let mut lines = vec!["localhost", "8BITMIME"];
                if needs_tls {
                    lines.push("STARTTLS");
                }
                if self.login.is_some() && !needs_tls {
                    lines.push("AUTH PLAIN LOGIN");
                }
                let last = lines.len() - 1;
                lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| format!("250{}{l}\r\n", if i == last { ' ' } else { '-' }))
                    .collect()
            } else if upper.starts_with("HELO") {
                "250 localhost\r\n".into()
            } else if upper == "STARTTLS" {
                if needs_tls {
                    // Input sent after STARTTLS but before the handshake
                    // would be taken as if encrypted (CVE-2011-0411): a
                    // real server discards it; this one hangs up on it.
                    if !io.buffer().is_empty() {
                        return Ok(End::Closed);
                    }
                    io.write_all(b"220 2.0.0 ready to start TLS\r\n").await?;
                    return Ok(End::Upgrade(io.into_inner()));
                } else if secure {
                    "554 5.5.1 TLS already active\r\n".into()
                } else {
                    "502 5.5.1 STARTTLS not offered\r\n".into()
                }
            } else if upper.starts_with("AUTH") && needs_tls {
                "530 5.7.0 must issue a STARTTLS command first\r\n".into()
            } else if upper.starts_with("AUTH PLAIN") {
                let given = match command.split_whitespace().nth(2) {
                    Some(b64) => b64.to_owned(),
                    None => {
                        io.write_all(b"334 \r\n").await?;
                        read_line(&mut io).await?
                    }
                };
                let decoded = decode(&given).unwrap_or_default();
                let mut parts = decoded.split('\0').skip(1);
                let (user, pass) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                self.check_login(user, pass, &mut authed)
            } else if upper.starts_with("AUTH LOGIN") {
                io.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                let user = decode(&read_line(&mut io).await?).unwrap_or_default();
                io.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                let pass = decode(&read_line(&mut io).await?).unwrap_or_default();
                self.check_login(&user, &pass, &mut authed)
            } else if upper.starts_with("MAIL FROM:") {
                if needs_tls {
                    "530 5.7.0 must issue a STARTTLS command first\r\n".into()
                } else if self.login.is_some() && authed.is_none() {
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
                    io.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        if io.read_line(&mut l).await? == 0 {
                            return Ok(End::Closed);
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
                        tls: secure,
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
                io.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(End::Closed);
            } else {
                "500 5.5.2 command not recognized\r\n".into()
            };
            io.write_all(reply.as_bytes()).await?;
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

async fn read_line<S: AsyncRead + Unpin>(io: &mut BufReader<S>) -> std::io::Result<String> {
    let mut line = String::new();
    io.read_line(&mut line).await?;
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
