//! A caller leaves a voicemail message (an IVR `voicemail` node): the greeting, a beep,
//! then the caller's leg is recorded for the mailbox until `#`, the maximum length or
//! the caller hanging up (the message is kept either way); then "Your message has been
//! saved. Goodbye." and the box clears. The recording is the recorder actor's, as a
//! call's is; the recording rules leave it alone while it runs.

use super::Application;
use crate::session::{Call, CallSession, LegId, PlaybackId};
use line_boundary::{Cause, LineEvent};
use media_engine::PromptId;
use storage::Disposition;

/// The prompts a voicemail call plays, resolved in the caller's language (a missing one
/// is skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoicemailPrompts {
    pub greeting: Option<PromptId>,
    pub beep: Option<PromptId>,
    pub saved: Option<PromptId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Greeting(PlaybackId),
    Beep(PlaybackId),
    Recording { since_ms: u64 },
    Goodbye(PlaybackId),
}

pub struct Voicemail {
    mailbox: String,
    prompts: VoicemailPrompts,
    max_ms: u64,
    stage: Option<Stage>,
}

impl Voicemail {
    pub fn new(mailbox: String, prompts: VoicemailPrompts, max_ms: u64) -> Voicemail {
        Voicemail {
            mailbox,
            prompts,
            max_ms,
            stage: None,
        }
    }

    fn play(call: &mut Call<'_>, prompt: PromptId) -> PlaybackId {
        call.play_sequence(CallSession::ORIGIN, vec![prompt], false)
    }

    fn beep(&mut self, call: &mut Call<'_>) {
        match self.prompts.beep {
            Some(beep) => self.stage = Some(Stage::Beep(Self::play(call, beep))),
            None => self.record(call),
        }
    }

    fn record(&mut self, call: &mut Call<'_>) {
        tracing::info!(mailbox = %self.mailbox, "voicemail message recording");
        call.start_message(&self.mailbox);
        self.stage = Some(Stage::Recording {
            since_ms: call.now_ms(),
        });
    }

    /// `#` or the maximum length: the message is complete.
    fn saved(&mut self, call: &mut Call<'_>) {
        call.stop_message();
        match self.prompts.saved {
            Some(saved) => self.stage = Some(Stage::Goodbye(Self::play(call, saved))),
            None => call.end(Disposition::SelfService, Cause::NORMAL_CLEARING),
        }
    }
}

impl Application for Voicemail {
    fn name(&self) -> &'static str {
        "voicemail"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        match self.prompts.greeting {
            Some(greeting) => self.stage = Some(Stage::Greeting(Self::play(call, greeting))),
            None => self.beep(call),
        }
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if leg != CallSession::ORIGIN {
            return;
        }
        match event {
            LineEvent::Digit { digit: '#' }
                if matches!(self.stage, Some(Stage::Recording { .. })) =>
            {
                self.saved(call)
            }
            LineEvent::Hangup { cause } => {
                // A caller who hung up after the beep left a message (it is kept); one who
                // hung up before it did not.
                let disposition = match self.stage {
                    Some(Stage::Recording { .. } | Stage::Goodbye(_)) => Disposition::SelfService,
                    _ => Disposition::Abandoned,
                };
                call.end(disposition, *cause);
            }
            _ => {}
        }
    }

    fn on_playback_done(&mut self, call: &mut Call<'_>, leg: LegId, id: Option<PlaybackId>) {
        if leg != CallSession::ORIGIN {
            return;
        }
        let ours = |playing: PlaybackId| id.is_none_or(|id| id == playing);
        match self.stage {
            Some(Stage::Greeting(playing)) if ours(playing) => self.beep(call),
            Some(Stage::Beep(playing)) if ours(playing) => self.record(call),
            Some(Stage::Goodbye(playing)) if ours(playing) => {
                call.end(Disposition::SelfService, Cause::NORMAL_CLEARING)
            }
            _ => {}
        }
    }

    fn on_timeout(&mut self, call: &mut Call<'_>) {
        if let Some(Stage::Recording { since_ms }) = self.stage {
            if call.now_ms().saturating_sub(since_ms) >= self.max_ms {
                self.saved(call);
            }
        }
    }
}
