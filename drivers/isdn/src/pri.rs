//! One PRI D-channel end to end: Q.921 data link and Q.931 call control glued together.
//!
//! The box's span actor, the carrier simulator of the HIL rig and the benches all need
//! the same plumbing (DL-DATA both ways, DL-ESTABLISH/RELEASE to layer 3, layer-1
//! changes, one deadline for both layers), so it lives here once. Still sans-IO: frames
//! in and out are HDLC payloads without FCS; time is the caller's `now_ms`.
//!
//! ```text
//!   handle_frame ──► Lapd ──DL-DATA ind──► Q931 ──► poll_event (line events)
//!   poll_frame   ◄── Lapd ◄──DL-DATA req── Q931 ◄── q931_mut() commands
//!                     │                      └────► poll_protocol_error (Q.931 §5.8)
//!                     └─────MDL-ERROR ind─────────► poll_link_error (Q.921)
//! ```

use crate::hdlc::Frame;
use crate::q921::{Lapd, LapdError, LapdEvent, MdlError, Role as LinkRole, Timers as LinkTimers};
use crate::q931::{
    CallEvent, Config, MessageBuf, ProtocolError, Role, MAX_QUEUED_PROTOCOL_ERRORS, Q931,
};
use std::collections::VecDeque;

/// Layer-3 messages held while Q.921's I queue is full: a burst of 30 calls answered at
/// once (90 messages) must wait for acknowledgements, not be dropped.
const BACKLOG: usize = 512;

/// Counters a span reports in its status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PriCounters {
    pub frames_in: u64,
    pub frames_out: u64,
    /// Layer-3 messages dropped: the backlog was full, or Q.921 refused them outright.
    pub messages_refused: u64,
    /// Most messages ever waiting in the backlog at once.
    pub backlog_peak: u64,
    /// Times the data link came up.
    pub link_ups: u64,
    /// Malformed or unexpected Q.931 messages received (answered or ignored per §5.8),
    /// drained or not: [`Q931::protocol_errors`].
    pub protocol_errors: u64,
    /// Q.921 MDL-ERROR indications (peer misbehaviour or link trouble), drained or not.
    pub link_errors: u64,
}

/// Q.921 + Q.931 for one D-channel.
pub struct PriStack {
    lapd: Lapd,
    q931: Q931,
    backlog: VecDeque<MessageBuf>,
    counters: PriCounters,
    /// MDL-ERROR indications not yet drained, at most [`MAX_QUEUED_PROTOCOL_ERRORS`].
    link_errors: VecDeque<MdlError>,
}

impl PriStack {
    /// A stack whose layer 1 is down; call [`PriStack::physical_up`] when the span has
    /// signal. Layer 2 is then brought up and kept up.
    pub fn new(role: Role, config: Config, link_timers: LinkTimers) -> PriStack {
        let link_role = match role {
            Role::User => LinkRole::User,
            Role::Network => LinkRole::Network,
        };
        PriStack {
            lapd: Lapd::new(link_role, link_timers),
            q931: Q931::new(role, config),
            backlog: VecDeque::new(),
            counters: PriCounters::default(),
            link_errors: VecDeque::new(),
        }
    }

    pub fn q931(&self) -> &Q931 {
        &self.q931
    }

    /// Call control commands (answer, hang up, call out, restart). Call
    /// [`PriStack::pump`] afterwards so their messages reach layer 2.
    pub fn q931_mut(&mut self) -> &mut Q931 {
        &mut self.q931
    }

    pub fn lapd(&self) -> &Lapd {
        &self.lapd
    }

    /// Sends `message` as one layer-3 message, as it is, bypassing Q.931: for test far
    /// ends that probe how a peer answers malformed or unexpected messages.
    pub fn send_raw_message(&mut self, now_ms: u64, message: &[u8]) -> Result<(), LapdError> {
        self.lapd.send(now_ms, message)
    }

    pub fn counters(&self) -> PriCounters {
        PriCounters {
            protocol_errors: self.q931.protocol_errors(),
            ..self.counters
        }
    }

    pub fn is_link_up(&self) -> bool {
        self.lapd.is_established()
    }

    /// Layer 1 is up (the span has signal): start or resume multiple-frame operation.
    pub fn physical_up(&mut self, now_ms: u64) {
        self.lapd.physical_up(now_ms);
        self.lapd.establish(now_ms);
        self.pump(now_ms);
    }

    /// Layer 1 lost (LOS/AIS): layer 2 goes down; Q.931 clears or holds calls per §5.8.9.
    pub fn physical_down(&mut self, now_ms: u64) {
        self.lapd.physical_down(now_ms);
        self.pump(now_ms);
    }

    /// A frame received on the D-channel (FCS already checked and removed).
    pub fn handle_frame(&mut self, now_ms: u64, bytes: &[u8]) {
        self.counters.frames_in += 1;
        self.lapd.handle_frame(now_ms, bytes);
        self.pump(now_ms);
    }

    /// Runs both layers' timers due at `now_ms`.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.lapd.handle_timeout(now_ms);
        self.q931.handle_timeout(now_ms);
        self.pump(now_ms);
    }

    /// The earliest time either layer has a timer to run.
    pub fn poll_timeout(&self) -> Option<u64> {
        match (self.lapd.poll_timeout(), self.q931.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next frame for the D-channel (to HDLC).
    pub fn poll_frame(&mut self) -> Option<Frame> {
        let frame = self.lapd.poll_transmit();
        if frame.is_some() {
            self.counters.frames_out += 1;
        }
        frame
    }

    /// The next line event of a call (with its B-channel).
    pub fn poll_event(&mut self) -> Option<CallEvent> {
        self.q931.poll_event()
    }

    /// The next malformed or unexpected Q.931 message and what was done about it; see
    /// [`Q931::poll_protocol_error`].
    pub fn poll_protocol_error(&mut self) -> Option<ProtocolError> {
        self.q931.poll_protocol_error()
    }

    /// Q.931 protocol errors since the stack was created, drained or not.
    pub fn protocol_errors(&self) -> u64 {
        self.q931.protocol_errors()
    }

    /// The next Q.921 MDL-ERROR indication (layer 2 recovers by itself; this is for the
    /// log). At most [`MAX_QUEUED_PROTOCOL_ERRORS`] wait; more are only counted in
    /// [`PriCounters::link_errors`].
    pub fn poll_link_error(&mut self) -> Option<MdlError> {
        self.link_errors.pop_front()
    }

    /// Hands backlogged messages to Q.921, in order, while its I queue has room.
    fn feed_layer2(&mut self, now_ms: u64) -> bool {
        let mut fed = false;
        while let Some(message) = self.backlog.front() {
            match self.lapd.send(now_ms, message) {
                Ok(()) => {
                    fed = true;
                    self.backlog.pop_front();
                }
                Err(LapdError::QueueFull) => break,
                // Too long or the link is being released: this message cannot go.
                Err(LapdError::TooLong { .. } | LapdError::Releasing) => {
                    self.counters.messages_refused += 1;
                    self.backlog.pop_front();
                }
            }
        }
        fed
    }

    /// Moves everything pending between the layers until both are quiet. Call after any
    /// direct use of [`PriStack::q931_mut`].
    pub fn pump(&mut self, now_ms: u64) {
        loop {
            let mut moved = false;
            while let Some(event) = self.lapd.poll_event() {
                moved = true;
                match event {
                    LapdEvent::Established => {
                        self.counters.link_ups += 1;
                        self.q931.handle_link(now_ms, true);
                    }
                    LapdEvent::Released => self.q931.handle_link(now_ms, false),
                    LapdEvent::Data(info) => self.q931.handle_message(now_ms, &info),
                    // Management information only: layer 2 recovers by itself.
                    LapdEvent::Error(error) => {
                        self.counters.link_errors += 1;
                        if self.link_errors.len() < MAX_QUEUED_PROTOCOL_ERRORS {
                            self.link_errors.push_back(error);
                        }
                    }
                }
            }
            while let Some(message) = self.q931.poll_transmit() {
                moved = true;
                if self.backlog.len() >= BACKLOG {
                    // Q.931 timers repeat what matters (SETUP, RELEASE, RESTART).
                    self.counters.messages_refused += 1;
                } else {
                    self.backlog.push_back(message);
                }
            }
            self.counters.backlog_peak = self.counters.backlog_peak.max(self.backlog.len() as u64);
            moved |= self.feed_layer2(now_ms);
            if !moved {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use line_boundary::{LineCommand, LineEvent, PhoneNumber};

    fn pair() -> (PriStack, PriStack) {
        let user = PriStack::new(
            Role::User,
            Config::for_role(Role::User),
            LinkTimers::default(),
        );
        let network = PriStack::new(
            Role::Network,
            Config::for_role(Role::Network),
            LinkTimers::default(),
        );
        (user, network)
    }

    /// Carries frames both ways until neither side has more.
    fn exchange(a: &mut PriStack, b: &mut PriStack, now: u64) {
        loop {
            let mut moved = false;
            while let Some(f) = a.poll_frame() {
                moved = true;
                b.handle_frame(now, &f);
            }
            while let Some(f) = b.poll_frame() {
                moved = true;
                a.handle_frame(now, &f);
            }
            if !moved {
                break;
            }
        }
    }

    #[test]
    fn link_comes_up_and_a_call_connects_and_clears() {
        let (mut user, mut network) = pair();
        user.physical_up(0);
        network.physical_up(0);
        exchange(&mut user, &mut network, 0);
        assert!(user.is_link_up() && network.is_link_up());

        let called = PhoneNumber::parse("100").expect("valid number");
        let calling = Some(PhoneNumber::parse("0201234").expect("valid number"));
        let call = network
            .q931_mut()
            .handle_command(10, None, LineCommand::CallOut { calling, called })
            .expect("call out");
        network.pump(10);
        exchange(&mut user, &mut network, 10);
        let (incoming, channel, event) = user.poll_event().expect("incoming call");
        assert!(matches!(event, LineEvent::IncomingCall { .. }), "{event:?}");
        assert!(channel.is_some());
        user.q931_mut()
            .handle_command(20, Some(incoming), LineCommand::Answer)
            .expect("answer");
        user.pump(20);
        exchange(&mut user, &mut network, 20);
        let answered = std::iter::from_fn(|| network.poll_event())
            .any(|(h, _, e)| h == call && e == LineEvent::Answered);
        assert!(answered);

        user.physical_down(30);
        // Active calls survive a layer-2 loss (T309 runs) and the link comes back.
        user.physical_up(40);
        exchange(&mut user, &mut network, 40);
        assert!(user.is_link_up());
        assert_eq!(user.q931().calls().count(), 1);
        assert!(user.counters().link_ups >= 2);
        // A correct exchange: no protocol error either side.
        assert_eq!(user.protocol_errors() + network.protocol_errors(), 0);
        assert_eq!(user.poll_protocol_error(), None);
        assert_eq!(network.poll_protocol_error(), None);
    }

    #[test]
    fn protocol_errors_and_link_errors_are_reported_and_counted() {
        use crate::q931::MessageType;
        let (mut user, mut network) = pair();
        user.physical_up(0);
        network.physical_up(0);
        exchange(&mut user, &mut network, 0);
        assert_eq!(user.poll_protocol_error(), None);
        assert_eq!(user.counters().protocol_errors, 0);

        // ALERTING for a call the user does not have, straight from the far end's layer 2.
        network
            .lapd
            .send(10, &[0x08, 0x02, 0x80, 0x09, 0x01])
            .expect("room in the I queue");
        exchange(&mut user, &mut network, 10);
        let e = user.poll_protocol_error().expect("reported");
        assert_eq!(
            (e.call_ref, e.message, e.reply, e.cause),
            (
                Some(9),
                Some(MessageType::Alerting),
                Some(MessageType::ReleaseComplete),
                Some(line_boundary::Cause(81))
            )
        );
        assert_eq!(user.poll_protocol_error(), None);
        assert_eq!(user.protocol_errors(), 1);
        // Counted in the status counters, drained or not.
        assert_eq!(user.counters().protocol_errors, 1);
        // The network got our RELEASE COMPLETE for a call it does not know: ignored and
        // reported there too.
        assert_eq!(network.counters().protocol_errors, 1);
        let e = network.poll_protocol_error().expect("reported");
        assert_eq!(
            (e.call_ref, e.message, e.reply),
            (Some(9), Some(MessageType::ReleaseComplete), None)
        );
        assert_eq!(user.counters().link_errors, 0);

        // An undefined control field: MDL-ERROR L, the link re-establishes.
        user.handle_frame(20, &[0x02, 0x01, 0x0D, 0x00]);
        assert_eq!(user.poll_link_error(), Some(MdlError::UndefinedControl));
        assert_eq!(user.poll_link_error(), None);
        assert_eq!(user.counters().link_errors, 1);
        exchange(&mut user, &mut network, 20);
        assert!(user.is_link_up());
    }

    #[test]
    fn a_burst_of_thirty_answered_calls_waits_for_layer_2_instead_of_dropping() {
        let (mut user, mut network) = pair();
        user.physical_up(0);
        network.physical_up(0);
        exchange(&mut user, &mut network, 0);
        for n in 0..30 {
            let called = PhoneNumber::parse("100").expect("valid number");
            let calling = Some(PhoneNumber::parse(&format!("02012{n:02}")).expect("valid number"));
            network
                .q931_mut()
                .handle_command(10, None, LineCommand::CallOut { calling, called })
                .expect("call out");
        }
        network.pump(10);
        exchange(&mut user, &mut network, 10);
        let incoming: Vec<_> = std::iter::from_fn(|| user.poll_event())
            .map(|(h, _, _)| h)
            .collect();
        assert_eq!(incoming.len(), 30);
        // All answered at once: CALL PROCEEDING, ALERTING and CONNECT for each, 90 messages.
        for handle in incoming {
            user.q931_mut()
                .handle_command(20, Some(handle), LineCommand::Alert)
                .expect("alert");
            user.q931_mut()
                .handle_command(20, Some(handle), LineCommand::Answer)
                .expect("answer");
        }
        user.pump(20);
        assert!(
            user.counters().backlog_peak > 0,
            "the burst exceeded the I queue: {:?}",
            user.counters()
        );
        exchange(&mut user, &mut network, 20);
        let answered = std::iter::from_fn(|| network.poll_event())
            .filter(|(_, _, e)| *e == LineEvent::Answered)
            .count();
        assert_eq!(answered, 30);
        assert_eq!(user.counters().messages_refused, 0);
        assert_eq!(user.protocol_errors() + network.protocol_errors(), 0);
        assert_eq!(
            user.counters().link_errors + network.counters().link_errors,
            0
        );
    }
}
