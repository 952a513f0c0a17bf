//! Writes CDRs to the database on its own thread, so a slow disk never stalls calls.

use actix::prelude::*;
use media_engine::WorkToken;
use storage::{Cdr, Storage};

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct WriteCdr {
    pub cdr: Cdr,
    /// Held until the row is written, so lock-step tests see the CDR when the tick ends.
    pub token: WorkToken,
}

pub struct CdrWriter {
    pub storage: Storage,
}

impl Actor for CdrWriter {
    type Context = SyncContext<Self>;
}

impl Handler<WriteCdr> for CdrWriter {
    type Result = ();
    fn handle(&mut self, message: WriteCdr, _ctx: &mut SyncContext<Self>) {
        match self.storage.insert_cdr(&message.cdr) {
            Ok(()) => tracing::info!(
                call = %message.cdr.id,
                disposition = ?message.cdr.disposition,
                cause = message.cdr.cause,
                "CDR written"
            ),
            // The call is over either way; a lost CDR is logged loudly with its content.
            Err(error) => tracing::error!(%error, cdr = ?message.cdr, "CDR could not be written"),
        }
        drop(message.token);
    }
}
