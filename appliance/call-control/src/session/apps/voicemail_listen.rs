//! A mailbox's owner listens to their messages: `*98` dialled on the phone whose
//! extension is the mailbox. The box reads the mailbox's unheard messages from the
//! recordings index (off the call: the recorder actor's store answers), says "You have
//! N new messages" (or none), plays each, oldest first, preceded by "Message" N — the
//! caller's side of the recording, streamed into the call — marks each heard once
//! played (`#` skips to the next, and counts as heard), then "End of messages. Goodbye."
//! and clears.

use super::Application;
use crate::session::{Call, CallSession, LegId, MailboxMessage, PlaybackId, VoicemailOutput};
use ivr::flow::Language;
use line_boundary::{Cause, LineEvent};
use media_engine::{PromptId, PromptStore};
use prompt_library::voicemail_prompts::{END, MESSAGE, NEW_MESSAGES, NO_MESSAGES, YOU_HAVE};
use std::collections::VecDeque;
use std::sync::Arc;
use storage::Disposition;

/// A `*98` call: whose mailbox (the extension of the phone that dialled).
#[derive(Clone)]
pub struct ListenRequest {
    pub mailbox: String,
    pub prompts: Arc<PromptStore>,
    pub language: Language,
}

impl std::fmt::Debug for ListenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListenRequest")
            .field("mailbox", &self.mailbox)
            .finish_non_exhaustive()
    }
}

impl PartialEq for ListenRequest {
    fn eq(&self, other: &ListenRequest) -> bool {
        self.mailbox == other.mailbox
            && self.language == other.language
            && Arc::ptr_eq(&self.prompts, &other.prompts)
    }
}

impl Eq for ListenRequest {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// Waiting for the mailbox's messages.
    Listing,
    Announcing(PlaybackId),
    /// "Message" N before the message.
    Introducing(PlaybackId, MailboxMessage),
    Playing(PlaybackId, MailboxMessage),
    Goodbye(PlaybackId),
}

pub struct VoicemailListen {
    request: ListenRequest,
    waiting: VecDeque<MailboxMessage>,
    played: u64,
    stage: Option<Stage>,
}

impl VoicemailListen {
    pub fn new(request: ListenRequest) -> VoicemailListen {
        VoicemailListen {
            request,
            waiting: VecDeque::new(),
            played: 0,
            stage: None,
        }
    }

    fn prompt(&self, name: &str) -> Option<PromptId> {
        prompt_library::resolve(&self.request.prompts, name, self.request.language)
    }

    /// `count` said as a number, in fragments.
    fn number(&self, count: u64) -> Vec<PromptId> {
        ivr::say::number(count, self.request.language)
            .iter()
            .filter_map(|fragment| self.prompt(fragment.as_str()))
            .collect()
    }

    /// Plays `prompts` (none loaded: done at once, through `next`).
    fn say(&mut self, call: &mut Call<'_>, prompts: Vec<PromptId>, stage: fn(PlaybackId) -> Stage) {
        if prompts.is_empty() {
            // Nothing to say: as if it was said.
            let id = call.next_playback_id();
            self.stage = Some(stage(id));
            self.on_playback_done(call, CallSession::ORIGIN, Some(id));
            return;
        }
        let id = call.play_sequence(CallSession::ORIGIN, prompts, false);
        self.stage = Some(stage(id));
    }

    fn next_message(&mut self, call: &mut Call<'_>) {
        match self.waiting.pop_front() {
            Some(message) => {
                self.played += 1;
                let prompts: Vec<PromptId> = self
                    .prompt(MESSAGE)
                    .into_iter()
                    .chain(self.number(self.played))
                    .collect();
                let id = if prompts.is_empty() {
                    None
                } else {
                    Some(call.play_sequence(CallSession::ORIGIN, prompts, false))
                };
                match id {
                    Some(id) => self.stage = Some(Stage::Introducing(id, message)),
                    None => self.play_message(call, message),
                }
            }
            None => {
                let end = self.prompt(END).into_iter().collect();
                self.say(call, end, Stage::Goodbye);
            }
        }
    }

    fn play_message(&mut self, call: &mut Call<'_>, message: MailboxMessage) {
        let id = call.next_playback_id();
        call.voicemail(VoicemailOutput::Play {
            leg: CallSession::ORIGIN,
            recording: message.recording.clone(),
            path: message.path.clone(),
            id,
        });
        self.stage = Some(Stage::Playing(id, message));
    }

    fn heard(&mut self, call: &mut Call<'_>, message: &MailboxMessage) {
        call.voicemail(VoicemailOutput::Heard {
            recording: message.recording.clone(),
        });
    }
}

impl Application for VoicemailListen {
    fn name(&self) -> &'static str {
        "voicemail-listen"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        call.destination_answered(None);
        call.voicemail(VoicemailOutput::List {
            mailbox: self.request.mailbox.clone(),
        });
        self.stage = Some(Stage::Listing);
    }

    fn on_mailbox(&mut self, call: &mut Call<'_>, messages: Result<Vec<MailboxMessage>, String>) {
        if self.stage != Some(Stage::Listing) {
            return;
        }
        let mut messages = messages.unwrap_or_else(|error| {
            tracing::warn!(mailbox = %self.request.mailbox, %error, "mailbox not read");
            Vec::new()
        });
        messages.sort_by_key(|m| (m.started_unix_ms, m.recording.clone()));
        let count = messages.len() as u64;
        self.waiting = messages.into();
        if count == 0 {
            let none = self.prompt(NO_MESSAGES).into_iter().collect();
            self.say(call, none, Stage::Goodbye);
            return;
        }
        let announcement: Vec<PromptId> = self
            .prompt(YOU_HAVE)
            .into_iter()
            .chain(self.number(count))
            .chain(self.prompt(NEW_MESSAGES))
            .collect();
        self.say(call, announcement, Stage::Announcing);
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if leg != CallSession::ORIGIN {
            return;
        }
        match event {
            LineEvent::Digit { digit: '#' } => {
                if let Some(Stage::Playing(_, message)) = self.stage.clone() {
                    // Skipped: heard as far as its owner wanted.
                    call.media(crate::session::MediaCommand::Stop { leg });
                    self.heard(call, &message);
                    self.next_message(call);
                }
            }
            LineEvent::Hangup { cause } => call.end(Disposition::SelfService, *cause),
            _ => {}
        }
    }

    fn on_playback_done(&mut self, call: &mut Call<'_>, leg: LegId, id: Option<PlaybackId>) {
        if leg != CallSession::ORIGIN {
            return;
        }
        let ours = |playing: &PlaybackId| id.is_none_or(|id| id == *playing);
        match self.stage.clone() {
            Some(Stage::Announcing(playing)) if ours(&playing) => self.next_message(call),
            Some(Stage::Introducing(playing, message)) if ours(&playing) => {
                self.play_message(call, message)
            }
            Some(Stage::Playing(playing, message)) if ours(&playing) => {
                self.heard(call, &message);
                self.next_message(call);
            }
            Some(Stage::Goodbye(playing)) if ours(&playing) => {
                self.stage = None;
                call.end(Disposition::SelfService, Cause::NORMAL_CLEARING);
            }
            _ => {}
        }
    }
}
