//! Writes CDRs to the database on its own thread, so a slow disk never stalls calls. A CDR
//! the database refuses (a full disk, a corrupt file) is not lost: it goes, as one JSON
//! line, to `cdr-unwritten.jsonl` beside the database, and the writer carries on with the
//! next one.

use actix::prelude::*;
use events::{Event, Publish};
use media_engine::WorkToken;
use std::io::Write;
use std::path::PathBuf;
use storage::{Cdr, Storage};

/// Where CDRs the database refused are kept, in the data directory.
pub const UNWRITTEN_FILE: &str = "cdr-unwritten.jsonl";

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
        }
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
