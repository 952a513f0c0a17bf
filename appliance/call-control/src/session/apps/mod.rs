//! The applications a call runs, one at a time, each handing the call to the next: a new
//! one (IVR, queue, voicemail) is a new module behind [`Application`].

mod acd_queue;
mod agent_call;
mod agent_feature;
mod callback;
mod connect;
mod consult;
mod echo;
mod greeting;
mod ivr;
mod reject;
mod ring_in_turn;
mod survey;
mod talk;
mod transfer;
mod voicemail;
mod voicemail_listen;

pub use acd_queue::AcdQueue;
pub use agent_call::AgentCall;
pub use agent_feature::{AgentFeature, FeatureRequest};
pub use callback::{CallbackCall, CallbackRequest};
pub use connect::Connect;
pub use echo::EchoTest;
pub use greeting::Greeting;
pub use ivr::{Ivr, IvrContext};
pub use reject::Reject;
pub use ring_in_turn::RingInTurn;
pub use survey::Survey;
pub use talk::Talk;
pub use transfer::Transfer;
pub use voicemail::{Voicemail, VoicemailPrompts};
pub use voicemail_listen::{ListenRequest, VoicemailListen};

use super::{
    AcdInstruction, AcdRequest, Call, LegId, MailboxMessage, PlaybackId, SuperviseRefused,
    SuperviseRequest, SupervisorView,
};
use line_boundary::{Cause, LineEvent, PhoneNumber};
use media_engine::PromptId;

/// What a call does for a while. Each input comes with the call; time is `call.now_ms()`.
pub trait Application: Send {
    /// For logs and status.
    fn name(&self) -> &'static str;
    /// The call was handed to this application.
    fn start(&mut self, call: &mut Call<'_>);
    /// A line event from a leg (a `Hangup` leg is already out of the call).
    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent);
    /// A playback finished on a leg (`None`: the engine gave no id).
    fn on_playback_done(&mut self, _call: &mut Call<'_>, _leg: LegId, _id: Option<PlaybackId>) {}
    /// Time passed (about once a second).
    fn on_timeout(&mut self, _call: &mut Call<'_>) {}
    /// The switchboard answered [`Call::request_leg`] `request`: a granted leg is in the
    /// call already (an application that no longer wants it releases it).
    fn on_leg(&mut self, call: &mut Call<'_>, _request: u32, route: Route) {
        if let Route::Ring { leg } | Route::Dial { leg, .. } = route {
            call.release_leg(leg, Cause::NORMAL_CLEARING);
        }
    }
    /// What the ACD tells the call. Only the queue application takes offers; any other
    /// refuses them at once so the agent is released.
    fn on_acd(&mut self, call: &mut Call<'_>, instruction: AcdInstruction) {
        if let AcdInstruction::Offer { agent, .. } = instruction {
            call.acd(AcdRequest::OfferFailed { agent });
        }
    }
    /// A supervisor asks to join the call (see `session/supervise.rs`). Only an agent
    /// call takes one; any other application refuses, and nothing changes.
    fn on_supervise(
        &mut self,
        _call: &mut Call<'_>,
        _request: SuperviseRequest,
    ) -> Result<(), SuperviseRefused> {
        Err(SuperviseRefused::NotAgentCall {
            application: self.name(),
        })
    }
    /// The supervisor on the call, if any (for the live view).
    fn supervisor(&self) -> Option<SupervisorView> {
        None
    }
    /// The supervisor's leg, once granted.
    fn supervisor_leg(&self) -> Option<LegId> {
        None
    }
    /// The messages of a mailbox asked for with `VoicemailOutput::List`.
    fn on_mailbox(&mut self, _call: &mut Call<'_>, _messages: Result<Vec<MailboxMessage>, String>) {
    }
    /// The answer to [`Call::lookup`] `id`.
    fn on_lookup(
        &mut self,
        _call: &mut Call<'_>,
        _id: u32,
        _result: Result<std::collections::HashMap<String, String>, ::ivr::session::LookupFailed>,
    ) {
    }
}

/// Rings (a phone) or dials (out of a trunk) a leg the switchboard granted, showing the
/// caller's number, as a destination of the call: ring time runs and the record's callee
/// becomes who it is for. Any other route is handed back.
pub(super) fn ask_destination(call: &mut Call<'_>, route: Route) -> Result<LegId, Route> {
    let calling = call.numbers().calling.clone();
    let leg = match route {
        Route::Ring { leg } => {
            let name = call.numbers().name.clone();
            call.line(leg, line_boundary::LineCommand::Ring { calling, name });
            leg
        }
        Route::Dial { leg, called } => {
            call.line(leg, line_boundary::LineCommand::CallOut { calling, called });
            leg
        }
        other => return Err(other),
    };
    call.destination_asked(leg);
    Ok(leg)
}

/// Where the router sent the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Ring this extension's leg (already in the call).
    Ring { leg: LegId },
    /// Place a call to `called` out of this trunk leg (already in the call).
    Dial { leg: LegId, called: PhoneNumber },
    /// The echo test: the caller hears their own audio.
    Echo,
    /// Refuse the call with this cause (busy, unknown number, no circuit).
    Reject(Cause),
    /// Run an IVR flow.
    Flow(IvrContext),
    /// An agent's feature code.
    Feature(FeatureRequest),
    /// A mailbox's owner listens to their messages (`*98`).
    Voicemail(ListenRequest),
}

/// The applications a new call runs: a trunk call is answered and greeted (if a greeting
/// is set) before its route; a refused digital trunk call is not answered at all.
pub fn plan_applications(
    origin_is_trunk: bool,
    route: Route,
    greeting: Option<PromptId>,
) -> Box<dyn Application> {
    let routed: Box<dyn Application> = match route {
        Route::Ring { leg } => Box::new(Connect::ring(leg)),
        Route::Dial { leg, called } => Box::new(Connect::dial(leg, called)),
        Route::Echo => Box::new(EchoTest),
        Route::Reject(cause) => return Box::new(Reject::new(cause, greeting)),
        // A flow answers the line itself and plays its own prompts.
        Route::Flow(context) => return Box::new(Ivr::new(context)),
        Route::Feature(request) => return Box::new(AgentFeature::new(request)),
        Route::Voicemail(request) => return Box::new(VoicemailListen::new(request)),
    };
    if origin_is_trunk {
        Box::new(Greeting::new(greeting, routed))
    } else {
        routed
    }
}
