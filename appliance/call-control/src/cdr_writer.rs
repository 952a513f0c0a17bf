//! Writes CDRs to the database on its own thread, so a slow disk never stalls calls. A CDR
//! the database refuses (a full disk, a corrupt file) is not lost: it goes, as one JSON
//! line, to `cdr-unwritten.jsonl` beside the database, and the writer carries on with the
//! next one.

use crate::session::CallRecord;
use actix::prelude::*;
use events::{Event, Publish};
use line_boundary::PhoneNumber;
use media_engine::WorkToken;
use std::io::Write;
use std::path::PathBuf;
use storage::{Cdr, Storage};

/// Where CDRs the database refused are kept, in the data directory.
pub const UNWRITTEN_FILE: &str = "cdr-unwritten.jsonl";

/// A call's CDR from its record. Engine times become wall-clock ones from
/// `epoch_unix_ms` (the box's start); a record without an end time ends at `now_ms`.
pub fn cdr_from_record(call: &str, record: &CallRecord, epoch_unix_ms: u64, now_ms: u64) -> Cdr {
    let times = &record.times;
    let end_ms = times.ended_ms.unwrap_or(now_ms);
    let unix_ms = |engine_ms: u64| epoch_unix_ms.saturating_add(engine_ms) as i64;
    let text = |n: &Option<PhoneNumber>| n.as_ref().map(|n| n.to_string());
    let ivr = record.ivr.as_ref();
    Cdr {
        seq: 0,
        id: call.to_owned(),
        start_unix_ms: unix_ms(times.started_ms),
        line_answer_unix_ms: times.line_answered_ms.map(unix_ms),
        answer_unix_ms: times.answered_ms.map(unix_ms),
        end_unix_ms: unix_ms(end_ms),
        caller: text(&record.numbers.calling),
        callee: text(&record.numbers.callee),
        dialled: text(&record.numbers.dialled),
        inbound_channel: record.origin.to_string(),
        outbound_channel: record.destination.map(|c| c.to_string()),
        disposition: record.disposition,
        cause: i64::from(record.cause.0),
        ring_ms: times.ringing_ms as i64,
        talk_ms: times.talk_ms() as i64,
        ivr_flow: ivr.map(|ivr| ivr.flow.clone()),
        ivr_path: ivr.map(|ivr| ivr.path.clone()).unwrap_or_default(),
        ivr_variables: ivr.map(|ivr| ivr.variables.clone()).unwrap_or_default(),
        queue: record.acd.queue.clone(),
        agent: record.acd.agent.clone(),
        survey: record.acd.survey,
    }
}

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct WriteCdr {
    pub cdr: Cdr,
    /// Held until the row is written, so lock-step tests see the CDR when the tick ends.
    pub token: WorkToken,
}

pub struct CdrWriter {
    storage: Storage,
    events: Option<Recipient<Publish>>,
    unwritten: PathBuf,
}

impl CdrWriter {
    pub fn new(storage: Storage) -> CdrWriter {
        let unwritten = storage.path().parent().map_or_else(
            || PathBuf::from(UNWRITTEN_FILE),
            |dir| dir.join(UNWRITTEN_FILE),
        );
        CdrWriter {
            storage,
            events: None,
            unwritten,
        }
    }

    /// Tells the event bus each CDR written.
    pub fn with_events(mut self, events: Recipient<Publish>) -> CdrWriter {
        self.events = Some(events);
        self
    }

    fn keep_unwritten(&self, cdr: &Cdr) -> std::io::Result<()> {
        let line = serde_json::to_string(cdr).map_err(std::io::Error::other)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.unwritten)?;
        writeln!(file, "{line}")?;
        file.sync_data()
    }
}

impl Actor for CdrWriter {
    type Context = SyncContext<Self>;
}

impl Handler<WriteCdr> for CdrWriter {
    type Result = ();
    fn handle(&mut self, message: WriteCdr, _ctx: &mut SyncContext<Self>) {
        let cdr = &message.cdr;
        match self.storage.insert_cdr(cdr) {
            Ok(seq) => {
                tracing::info!(call = %cdr.id, disposition = ?cdr.disposition, cause = cdr.cause, "CDR written");
                if let Some(events) = &self.events {
                    let event = Event::CdrWritten {
                        call: cdr.id.as_str().into(),
                        cdr_seq: u64::try_from(seq).unwrap_or_default(),
                    };
                    // Engine time is the CDR's end; the bus stamps the wall clock itself.
                    events.do_send(Publish::new(event, 0));
                }
            }
            Err(error) => match self.keep_unwritten(cdr) {
                Ok(()) => tracing::error!(
                    %error, call = %cdr.id, file = %self.unwritten.display(),
                    "CDR refused by the database; kept in the unwritten file"
                ),
                // The call is over either way; a lost CDR is logged loudly with its content.
                Err(file_error) => tracing::error!(
                    %error, %file_error, cdr = ?cdr,
                    "CDR refused by the database and not kept"
                ),
            },
        }
        drop(message.token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{CallNumbers, CallTimes, IvrRecord};
    use line_boundary::ChannelId;
    use storage::Disposition;

    fn cdr(id: &str, cause: i64) -> Cdr {
        Cdr {
            seq: 0,
            id: id.into(),
            start_unix_ms: 1,
            line_answer_unix_ms: None,
            answer_unix_ms: None,
            end_unix_ms: 2,
            caller: None,
            callee: None,
            dialled: None,
            inbound_channel: "1/1".into(),
            outbound_channel: None,
            disposition: Disposition::Failed,
            cause,
            ring_ms: 0,
            talk_ms: 0,
            ivr_flow: None,
            ivr_path: Vec::new(),
            ivr_variables: Default::default(),
            queue: None,
            agent: None,
            survey: None,
        }
    }

    fn record(ivr: Option<IvrRecord>) -> CallRecord {
        CallRecord {
            numbers: CallNumbers {
                calling: PhoneNumber::parse("0201234").ok(),
                dialled: PhoneNumber::parse("100").ok(),
                ..CallNumbers::default()
            },
            origin: ChannelId {
                device: 1,
                channel: 1,
            },
            destination: None,
            disposition: Disposition::Answered,
            cause: line_boundary::Cause(16),
            times: CallTimes::seen_from_outside(1_000, Some(2_000), 9_000),
            acd: Default::default(),
            ivr,
        }
    }

    /// Writes `cdr` through a CdrWriter on its own thread, as the box does.
    fn write_through_the_writer(dir: &std::path::Path, cdr: Cdr) {
        let system = actix::System::new();
        let path = dir.to_owned();
        system.block_on(async move {
            let storage = Storage::open(&path).unwrap();
            let writer = SyncArbiter::start(1, {
                let slot = std::sync::Mutex::new(Some(storage));
                move || CdrWriter::new(slot.lock().unwrap().take().expect("one writer"))
            });
            writer
                .send(WriteCdr {
                    cdr,
                    token: WorkToken::untracked(),
                })
                .await
                .unwrap();
        });
    }

    #[test]
    fn a_call_through_an_ivr_stores_its_flow_path_and_variables() {
        let ivr = IvrRecord {
            flow: "hotline".into(),
            path: vec!["main".into(), "balance".into(), "agent".into()],
            variables: [("account".to_owned(), "12345".to_owned())].into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let cdr = cdr_from_record("c1-7", &record(Some(ivr)), 1_700_000_000_000, 9_000);
        assert_eq!(
            (cdr.start_unix_ms, cdr.answer_unix_ms, cdr.talk_ms),
            (1_700_000_001_000, Some(1_700_000_002_000), 7_000)
        );
        write_through_the_writer(dir.path(), cdr);
        let stored = Storage::open(dir.path())
            .unwrap()
            .cdr("c1-7")
            .unwrap()
            .expect("written");
        let json = serde_json::to_value(&stored).unwrap();
        assert_eq!(json["ivr_flow"], "hotline", "{json}");
        assert_eq!(
            json["ivr_path"],
            serde_json::json!(["main", "balance", "agent"]),
            "{json}"
        );
        assert_eq!(
            json["ivr_variables"],
            serde_json::json!({"account": "12345"}),
            "{json}"
        );
        assert_eq!(json["caller"], "0201234", "{json}");
    }

    #[test]
    fn a_call_without_an_ivr_has_none_in_its_cdr() {
        let cdr = cdr_from_record("c1-8", &record(None), 0, 9_000);
        let json = serde_json::to_value(&cdr).unwrap();
        assert_eq!(json["ivr_flow"], serde_json::Value::Null, "{json}");
        assert_eq!(json["ivr_path"], serde_json::json!([]), "{json}");
        assert_eq!(json["ivr_variables"], serde_json::json!({}), "{json}");
    }

    #[test]
    fn a_refused_cdr_is_kept_aside_and_later_cdrs_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let system = actix::System::new();
        let path = dir.path().to_owned();
        system.block_on(async move {
            let storage = Storage::open(&path).unwrap();
            let writer = SyncArbiter::start(1, {
                let slot = std::sync::Mutex::new(Some(storage));
                move || CdrWriter::new(slot.lock().unwrap().take().expect("one writer"))
            });
            for message in [cdr("c1", 16), cdr("c2", 400), cdr("c3", 17)] {
                writer
                    .send(WriteCdr {
                        cdr: message,
                        token: WorkToken::untracked(),
                    })
                    .await
                    .unwrap();
            }
        });
        let storage = Storage::open(dir.path()).unwrap();
        let ids: Vec<String> = storage
            .recent_cdrs(10)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(
            ids,
            ["c3", "c1"],
            "the refused CDR did not stop the next one"
        );
        let kept = std::fs::read_to_string(dir.path().join(UNWRITTEN_FILE)).unwrap();
        assert_eq!(kept.lines().count(), 1);
        assert!(kept.contains("\"id\":\"c2\""), "{kept}");
    }
}
