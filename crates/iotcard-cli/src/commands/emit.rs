//! Where records go, and how each card's result becomes one record and
//! one count in the tally.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use iotcard_facade::{CardProblem, CardSnapshot, FieldProblem, ProblemKind};
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::error::{with_hint, CliError};
use crate::exit::Tally;
use crate::output::flatten::flatten;
use crate::output::record::{Answer, CardRecord, RecordError, WithProblems};
use crate::output::{default_format, Columns, RecordWriter};
use crate::provider::Provider;

/// Big enough that a write is a handful of records, small enough that a
/// reader sees progress.
const BUFFER: usize = 64 * 1024;

/// A record sink: standard output or a file.
pub struct Out {
    writer: RecordWriter<Box<dyn Write>>,
    to: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Out")
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

impl Out {
    /// Records to standard output, as a table on a terminal unless
    /// `format` says otherwise.
    pub fn stdout(format: Option<OutputFormat>, columns: Columns) -> Self {
        let format = default_format(format, io::stdout().is_terminal());
        let sink: Box<dyn Write> = Box::new(BufWriter::with_capacity(BUFFER, io::stdout()));
        Out {
            writer: RecordWriter::new(format, columns, sink),
            to: "standard output".into(),
        }
    }

    /// Records to a new file at `path` (JSON lines unless `format` says
    /// otherwise).
    pub fn file(
        path: &Path,
        format: Option<OutputFormat>,
        columns: Columns,
    ) -> Result<Self, CliError> {
        let to = path.display().to_string();
        let file = File::create(path).map_err(|source| CliError::WriteOutput {
            to: to.clone(),
            source,
        })?;
        let sink: Box<dyn Write> = Box::new(BufWriter::with_capacity(BUFFER, file));
        Ok(Out {
            writer: RecordWriter::new(default_format(format, false), columns, sink),
            to,
        })
    }

    /// Records to `sink`.
    #[cfg(test)]
    pub fn to_writer(
        sink: Box<dyn Write>,
        format: OutputFormat,
        columns: Columns,
        to: &str,
    ) -> Self {
        Out {
            writer: RecordWriter::new(format, columns, sink),
            to: to.into(),
        }
    }

    fn failed(&self, source: io::Error) -> CliError {
        CliError::WriteOutput {
            to: self.to.clone(),
            source,
        }
    }

    /// Writes one record.
    pub fn write<R: Serialize + ?Sized>(&mut self, record: &R) -> Result<(), CliError> {
        self.writer.write(record).map_err(|e| self.failed(e))
    }

    /// Pushes the records written so far to the sink.
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.writer.flush().map_err(|e| self.failed(e))
    }

    /// Where the records go, for messages.
    pub fn name(&self) -> &str {
        &self.to
    }

    /// Completes the output and flushes it.
    pub fn finish(self) -> Result<(), CliError> {
        let to = self.to;
        self.writer
            .finish()
            .map(drop)
            .map_err(|source| CliError::WriteOutput { to, source })
    }
}

/// Writes each card's result as a record and counts it.
#[derive(Debug)]
pub struct Emitter {
    out: Out,
    tally: Tally,
    provider: Provider,
}

impl Emitter {
    /// Records of `provider`'s answers, to `out`.
    pub fn new(out: Out, provider: Provider) -> Self {
        Emitter {
            out,
            tally: Tally::default(),
            provider,
        }
    }

    /// A card answered with `values`, some fields of which the platform
    /// sent but could not be read (`problems`, usually none).
    pub fn values<V: Serialize>(
        &mut self,
        card: &str,
        values: &V,
        problems: &[FieldProblem],
    ) -> Result<(), CliError> {
        warn_of(card, problems);
        self.out.write(&CardRecord {
            card,
            answer: Answer::Values(values),
            problems,
        })?;
        self.tally.answered += 1;
        Ok(())
    }

    /// A record that is not about one card (the account).
    pub fn record<R: Serialize>(&mut self, record: &R) -> Result<(), CliError> {
        self.out.write(record)?;
        self.tally.answered += 1;
        Ok(())
    }

    /// A card answered with a whole snapshot, named as asked, with the
    /// fields that could not be read (`problems`, usually none).
    pub fn snapshot(
        &mut self,
        card: &str,
        mut snapshot: CardSnapshot,
        problems: &[FieldProblem],
    ) -> Result<(), CliError> {
        card.clone_into(&mut snapshot.card);
        warn_of(card, problems);
        if problems.is_empty() {
            self.out.write(&snapshot)?;
        } else {
            self.out.write(&WithProblems {
                record: &snapshot,
                problems,
            })?;
        }
        self.tally.answered += 1;
        Ok(())
    }

    /// A card without values. `what` names what was asked ("usage
    /// information"); `problems` are fields that could not be read besides.
    pub fn problem<T: Serialize>(
        &mut self,
        card: &str,
        problem: &CardProblem<T>,
        what: &str,
        problems: &[FieldProblem],
    ) -> Result<(), CliError> {
        let error = record_error(self.provider, problem, what);
        warn_of(card, problems);
        self.write_error(card, error, problems)
    }

    /// A card without values, for a reason the caller words.
    pub fn error(&mut self, card: &str, error: RecordError) -> Result<(), CliError> {
        self.write_error(card, error, &[])
    }

    fn write_error(
        &mut self,
        card: &str,
        error: RecordError,
        problems: &[FieldProblem],
    ) -> Result<(), CliError> {
        self.tally.count(error.kind, &error.message);
        self.out.write(&CardRecord::<'_, ()> {
            card,
            answer: Answer::Error { error },
            problems,
        })
    }

    /// A card's result: its values (through `values`) or its problem, with
    /// the fields that could not be read.
    pub fn result<T: Serialize, V: Serialize>(
        &mut self,
        card: &str,
        result: Result<T, CardProblem<T>>,
        values: impl FnOnce(T) -> V,
        what: &str,
        problems: &[FieldProblem],
    ) -> Result<(), CliError> {
        match result {
            Ok(v) => self.values(card, &values(v), problems),
            Err(problem) => self.problem(card, &problem, what, problems),
        }
    }

    /// Says the output is not the whole fleet although each record is whole
    /// (a listing that ended short of the account's count): exit 3.
    pub fn short(&mut self, message: String) {
        self.tally.short = Some(message);
    }

    /// Counts a failure that has no card to carry it (a page of the card
    /// list that could not be read).
    pub fn failure_without_card(&mut self, message: &str) {
        self.tally.count(ProblemKind::Failed, message);
    }

    /// Records written so far.
    pub fn written(&self) -> u64 {
        self.tally.total()
    }

    /// Pushes the records written so far to the sink.
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.out.flush()
    }

    /// Where the records go, for messages.
    pub fn destination(&self) -> &str {
        self.out.name()
    }

    /// Completes the output; the tally decides the exit status.
    pub fn finish(self) -> Result<Tally, CliError> {
        self.out.finish()?;
        Ok(self.tally)
    }
}

/// One warning line on stderr for a card whose answer had fields that
/// could not be read (the record names them too; a table shows only their
/// names).
fn warn_of(card: &str, problems: &[FieldProblem]) {
    if problems.is_empty() {
        return;
    }
    let mut shown = String::new();
    for (i, problem) in problems.iter().enumerate() {
        if i > 0 {
            shown.push_str("; ");
        }
        let _ = write!(shown, "{problem}");
    }
    tracing::warn!(card, "some fields could not be read: {shown}");
}

/// The record error for a card's problem: its kind as the facade names
/// it, and a message for people.
pub fn record_error<T: Serialize>(
    provider: Provider,
    problem: &CardProblem<T>,
    what: &str,
) -> RecordError {
    let message = match problem {
        CardProblem::NotFound => format!("{provider} does not know this card on this account"),
        CardProblem::NoData { partial } => format!(
            "{provider} has no {what} for this card{}",
            note(partial.as_ref())
        ),
        CardProblem::UnknownOutcome { code, partial } => format!(
            "{provider} answered with state {code}, which its documentation does not define{}",
            note(partial.as_ref())
        ),
        CardProblem::Failed(e) => with_hint(e),
        other => other.to_string(),
    };
    RecordError::new(problem.kind(), message)
}

/// ` (it reported status=disabled)`: what the platform sent beside "no
/// data", so a status that came with it is not lost.
fn note<T: Serialize>(partial: Option<&T>) -> String {
    let Some(value) = partial.and_then(|p| serde_json::to_value(p).ok()) else {
        return String::new();
    };
    let leaves = flatten(&value);
    if leaves.is_empty() {
        return String::new();
    }
    let mut text = String::from(" (it reported ");
    for (i, (name, value)) in leaves.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        if name.is_empty() {
            text.push_str(value);
        } else {
            let _ = write!(text, "{name}={value}");
        }
    }
    text.push(')');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns;
    use iotcard_model::{CardStatus, Expiry, Usage};
    use std::sync::{Arc, Mutex};

    /// A sink the test can read after the emitter is done.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_outcome_is_one_record_and_one_count() {
        let sink = Shared::default();
        let out = Out::to_writer(
            Box::new(sink.clone()),
            OutputFormat::Jsonl,
            columns::EXPIRY,
            "test",
        );
        let mut e = Emitter::new(out, Provider::Iotbos);
        let disabled = Expiry {
            status: Some(CardStatus::Disabled),
            expires_at: None,
        };
        let unreadable = [FieldProblem::new(
            "ExpireDate",
            "\"soon\" is not a date: the date is not year, month and day split by / or -",
        )];
        e.result("1", Ok(disabled.clone()), |v| v, "expiry date", &unreadable)
            .unwrap();
        e.result(
            "2",
            Err(CardProblem::NoData {
                partial: Some(disabled),
            }),
            |v| v,
            "expiry date",
            &[],
        )
        .unwrap();
        e.problem::<Expiry>("3", &CardProblem::NotFound, "expiry date", &[])
            .unwrap();
        e.problem::<Expiry>(
            "4",
            &CardProblem::UnknownOutcome {
                code: 7,
                partial: None,
            },
            "x",
            &[],
        )
        .unwrap();
        e.problem::<Expiry>("5", &CardProblem::Missing, "x", &unreadable)
            .unwrap();
        let tally = e.finish().unwrap();
        assert_eq!(tally.answered, 1);
        for kind in [
            ProblemKind::NoData,
            ProblemKind::NotFound,
            ProblemKind::UnknownOutcome,
            ProblemKind::Missing,
        ] {
            assert_eq!(tally.of(kind), 1, "{kind}");
        }
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["status"], "disabled");
        // The unreadable field is named beside the values (and an error),
        // and left out of every record that has none.
        assert_eq!(lines[0]["problems"][0]["field"], "ExpireDate");
        assert_eq!(lines[4]["problems"][0]["field"], "ExpireDate");
        assert!(lines[1..4].iter().all(|l| l.get("problems").is_none()));
        assert_eq!(tally.answered, 1, "a field problem fails nothing");
        assert_eq!(lines[1]["error"]["kind"], "no_data");
        assert_eq!(
            lines[1]["error"]["message"],
            "IoTBOS has no expiry date for this card (it reported status=disabled)"
        );
        assert_eq!(lines[2]["error"]["kind"], "not_found");
        assert_eq!(lines[3]["error"]["kind"], "unknown_outcome");
        assert_eq!(lines[4]["error"]["kind"], "missing");
        assert_eq!(
            lines
                .iter()
                .map(|l| l["card"].as_str().unwrap())
                .collect::<String>(),
            "12345"
        );
    }

    #[test]
    fn failures_keep_the_whole_chain_in_their_message() {
        let refusal = iotcard_facade::Error::Tencent(
            tencent_proto::parse_card_info(&http::Response::new(
                r#"{"code":1099,"message":"签名错误 (bad signature)"}"#,
            ))
            .unwrap_err(),
        );
        let wrapped = iotcard_facade::Error::AttemptsExhausted {
            call: "tencent getcardinfo".into(),
            attempts: 2,
            last: Box::new(refusal),
        };
        let e = record_error::<Usage>(
            Provider::Tencent,
            &CardProblem::Failed(Arc::new(wrapped)),
            "x",
        );
        assert_eq!(e.kind, ProblemKind::Failed);
        assert!(
            e.message
                .starts_with("tencent getcardinfo failed after 2 attempts: ")
                && e.message.contains("1099")
                && e.message.contains("签名错误"),
            "{}",
            e.message
        );
    }

    #[test]
    fn snapshots_are_named_as_asked() {
        let sink = Shared::default();
        let out = Out::to_writer(
            Box::new(sink.clone()),
            OutputFormat::Json,
            columns::CARD,
            "test",
        );
        let mut e = Emitter::new(out, Provider::Tencent);
        let snapshot = CardSnapshot {
            card: "898602B7091701054333".into(),
            ..CardSnapshot::default()
        };
        e.snapshot("898602b7091701054333", snapshot.clone(), &[])
            .unwrap();
        let flow = [FieldProblem::new(
            "Exceed.UseFlow",
            "expected a decimal number, found \"x\"",
        )];
        e.snapshot("1064804085884", snapshot, &flow).unwrap();
        e.finish().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&sink.0.lock().unwrap()).unwrap();
        assert_eq!(json[0]["card"], "898602b7091701054333");
        assert!(json[0].get("problems").is_none());
        assert_eq!(json[1]["card"], "1064804085884");
        assert_eq!(json[1]["problems"][0]["field"], "Exceed.UseFlow");
    }
}
