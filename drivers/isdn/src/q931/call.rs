//! Per-call state: the Q.931 call states, timers, and what one call remembers.

use super::message::MessageBuf;
use line_boundary::Cause;
use std::fmt;

/// Which side of the user-network interface this stack plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The box is the user (TE/CPE): the usual case facing a carrier.
    User,
    /// The box is the network (NT): facing a PBX, or the far end of a test rig.
    Network,
}

/// Q.931 call states (§2.1). The numbers are the call state values of the call state
/// element and are the same on both sides; user-side states read "U" + value, network
/// states "N" + value (see [`CallState::designation`]).
///
/// States 1-4 belong to calls the *user* side originated, 6-9 and 25 to calls the
/// *network* side originated, whichever side this stack plays. State 11 means the user
/// side sent DISCONNECT, 12 that the network side did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallState {
    /// U0/N0.
    Null,
    /// U1/N1: SETUP sent by the user, no answer yet.
    CallInitiated,
    /// U2/N2: overlap sending (SETUP ACKNOWLEDGE sent by the network).
    OverlapSending,
    /// U3/N3: CALL PROCEEDING sent by the network.
    OutgoingCallProceeding,
    /// U4/N4: ALERTING sent by the network toward the calling user.
    CallDelivered,
    /// U6/N6: SETUP sent by the network, no answer yet.
    CallPresent,
    /// U7/N7: ALERTING sent by the called user.
    CallReceived,
    /// U8/N8: CONNECT sent by the called user, not yet acknowledged.
    ConnectRequest,
    /// U9/N9: CALL PROCEEDING sent by the called user.
    IncomingCallProceeding,
    /// U10/N10.
    Active,
    /// U11/N11: DISCONNECT sent by the user.
    DisconnectRequest,
    /// U12/N12: DISCONNECT sent by the network.
    DisconnectIndication,
    /// U19/N19: RELEASE sent, waiting for RELEASE COMPLETE.
    ReleaseRequest,
    /// U25/N25: overlap receiving (SETUP ACKNOWLEDGE sent by the called user).
    OverlapReceiving,
}

impl CallState {
    /// The call state value (Q.931 §4.5.7).
    pub fn value(self) -> u8 {
        match self {
            CallState::Null => 0,
            CallState::CallInitiated => 1,
            CallState::OverlapSending => 2,
            CallState::OutgoingCallProceeding => 3,
            CallState::CallDelivered => 4,
            CallState::CallPresent => 6,
            CallState::CallReceived => 7,
            CallState::ConnectRequest => 8,
            CallState::IncomingCallProceeding => 9,
            CallState::Active => 10,
            CallState::DisconnectRequest => 11,
            CallState::DisconnectIndication => 12,
            CallState::ReleaseRequest => 19,
            CallState::OverlapReceiving => 25,
        }
    }

    pub fn from_value(value: u8) -> Option<CallState> {
        Some(match value {
            0 => CallState::Null,
            1 => CallState::CallInitiated,
            2 => CallState::OverlapSending,
            3 => CallState::OutgoingCallProceeding,
            4 => CallState::CallDelivered,
            6 => CallState::CallPresent,
            7 => CallState::CallReceived,
            8 => CallState::ConnectRequest,
            9 => CallState::IncomingCallProceeding,
            10 => CallState::Active,
            11 => CallState::DisconnectRequest,
            12 => CallState::DisconnectIndication,
            19 => CallState::ReleaseRequest,
            25 => CallState::OverlapReceiving,
            _ => return None,
        })
    }

    /// The Q.931 state name.
    pub fn name(self) -> &'static str {
        match self {
            CallState::Null => "null",
            CallState::CallInitiated => "call initiated",
            CallState::OverlapSending => "overlap sending",
            CallState::OutgoingCallProceeding => "outgoing call proceeding",
            CallState::CallDelivered => "call delivered",
            CallState::CallPresent => "call present",
            CallState::CallReceived => "call received",
            CallState::ConnectRequest => "connect request",
            CallState::IncomingCallProceeding => "incoming call proceeding",
            CallState::Active => "active",
            CallState::DisconnectRequest => "disconnect request",
            CallState::DisconnectIndication => "disconnect indication",
            CallState::ReleaseRequest => "release request",
            CallState::OverlapReceiving => "overlap receiving",
        }
    }

    /// "U10", "N3", ...
    pub fn designation(self, role: Role) -> StateDesignation {
        StateDesignation { role, state: self }
    }
}

/// A call state as Q.931 writes it for one side: `U3 outgoing call proceeding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateDesignation {
    pub role: Role,
    pub state: CallState,
}

impl fmt::Display for StateDesignation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = match self.role {
            Role::User => 'U',
            Role::Network => 'N',
        };
        write!(f, "{side}{} {}", self.state.value(), self.state.name())
    }
}

/// Global call reference states (Q.931 §2.4) for restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartState {
    /// Rest 0: no restart in progress.
    Null,
    /// Rest 1: we sent RESTART and wait for RESTART ACKNOWLEDGE (T316).
    RestartRequest,
    /// Rest 2: we received RESTART (transient: we acknowledge at once).
    Restart,
}

impl RestartState {
    pub fn value(self) -> u8 {
        match self {
            RestartState::Null => 0,
            RestartState::RestartRequest => 61,
            RestartState::Restart => 62,
        }
    }
}

/// Q.931 timers that call control runs (§9.1 / §9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKind {
    /// Call delivered, waiting for CONNECT.
    T301,
    /// SETUP sent, waiting for a response.
    T303,
    /// DISCONNECT sent, waiting for RELEASE.
    T305,
    /// RELEASE sent, waiting for RELEASE COMPLETE.
    T308,
    /// Data link down with the call active.
    T309,
    /// CALL PROCEEDING received, waiting for ALERTING/CONNECT/DISCONNECT/PROGRESS.
    T310,
    /// CONNECT sent (user side), waiting for CONNECT ACKNOWLEDGE.
    T313,
    /// RESTART sent, waiting for RESTART ACKNOWLEDGE.
    T316,
}

/// A running timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub kind: TimerKind,
    pub deadline_ms: u64,
    /// How many times this timer has already expired in the current state.
    pub expiries: u8,
}

/// Opaque handle of one call of this stack. Handles are not reused while the stack lives
/// (until the 32-bit counter wraps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(pub(crate) u32);

impl CallHandle {
    pub fn id(self) -> u32 {
        self.0
    }
}

impl fmt::Display for CallHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call#{}", self.0)
    }
}

/// Which side sent the SETUP (and allocated the call reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// We sent the SETUP: our messages carry flag 0.
    Local,
    /// The peer sent the SETUP: our messages carry flag 1.
    Remote,
}

/// Role-independent phase of a call; with the role and origin it gives the Q.931 state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Null,
    /// SETUP sent/received, no response yet (1 / 6).
    Initiated,
    /// SETUP ACKNOWLEDGE exchanged (2 / 25).
    Overlap,
    /// CALL PROCEEDING exchanged (3 / 9).
    Proceeding,
    /// ALERTING exchanged (4 / 7).
    Delivered,
    /// CONNECT sent by the called user, not acknowledged (8).
    ConnectRequest,
    Active,
    /// We sent DISCONNECT.
    DisconnectSent,
    /// The peer sent DISCONNECT (transient: we answer with RELEASE at once).
    DisconnectReceived,
    ReleaseRequest,
}

/// One call.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub handle: CallHandle,
    pub cr: u16,
    pub origin: Origin,
    pub state: CallState,
    /// The B-channel (timeslot) the call holds.
    pub channel: Option<u8>,
    /// The channel is agreed with the peer (first response seen or sent).
    pub channel_confirmed: bool,
    /// Our SETUP named the channel exclusively.
    pub exclusive: bool,
    pub timer: Option<Timer>,
    /// The SETUP we sent, kept for the T303 retransmission.
    pub setup: Option<MessageBuf>,
    /// Cause of our DISCONNECT, repeated in RELEASE when T305 expires.
    pub clearing_cause: Cause,
    /// The appliance has been told the call is over (or asked for it).
    pub ended_upward: bool,
    /// Digits given for overlap sending before SETUP ACKNOWLEDGE arrived.
    pub pending_digits: heapless::String<32>,
    pub pending_complete: bool,
}

impl Call {
    /// A call just set up by a SETUP (ours: `Origin::Local`, or the peer's), in the
    /// initiated state of its originator's side.
    pub fn initiated(
        handle: CallHandle,
        cr: u16,
        origin: Origin,
        role: Role,
        exclusive: bool,
    ) -> Call {
        let mut call = Call {
            handle,
            cr,
            origin,
            state: CallState::Null,
            channel: None,
            // The peer's SETUP names the channel we then confirm; ours waits for a reply.
            channel_confirmed: origin == Origin::Remote,
            exclusive,
            timer: None,
            setup: None,
            clearing_cause: Cause::NORMAL_CLEARING,
            ended_upward: false,
            pending_digits: heapless::String::new(),
            pending_complete: false,
        };
        call.state = call.state_for(role, Phase::Initiated);
        call
    }

    /// Whether the user side originated this call (states 1-4) or the network (6-9, 25).
    pub fn user_originated(&self, role: Role) -> bool {
        (self.origin == Origin::Local) == (role == Role::User)
    }

    pub fn phase(&self, role: Role) -> Phase {
        let we_are_user = role == Role::User;
        match self.state {
            CallState::Null => Phase::Null,
            CallState::CallInitiated | CallState::CallPresent => Phase::Initiated,
            CallState::OverlapSending | CallState::OverlapReceiving => Phase::Overlap,
            CallState::OutgoingCallProceeding | CallState::IncomingCallProceeding => {
                Phase::Proceeding
            }
            CallState::CallDelivered | CallState::CallReceived => Phase::Delivered,
            CallState::ConnectRequest => Phase::ConnectRequest,
            CallState::Active => Phase::Active,
            CallState::DisconnectRequest if we_are_user => Phase::DisconnectSent,
            CallState::DisconnectRequest => Phase::DisconnectReceived,
            CallState::DisconnectIndication if we_are_user => Phase::DisconnectReceived,
            CallState::DisconnectIndication => Phase::DisconnectSent,
            CallState::ReleaseRequest => Phase::ReleaseRequest,
        }
    }

    /// The Q.931 state for a phase of this call.
    pub fn state_for(&self, role: Role, phase: Phase) -> CallState {
        let uo = self.user_originated(role);
        let we_are_user = role == Role::User;
        match phase {
            Phase::Null => CallState::Null,
            Phase::Initiated if uo => CallState::CallInitiated,
            Phase::Initiated => CallState::CallPresent,
            Phase::Overlap if uo => CallState::OverlapSending,
            Phase::Overlap => CallState::OverlapReceiving,
            Phase::Proceeding if uo => CallState::OutgoingCallProceeding,
            Phase::Proceeding => CallState::IncomingCallProceeding,
            Phase::Delivered if uo => CallState::CallDelivered,
            Phase::Delivered => CallState::CallReceived,
            Phase::ConnectRequest => CallState::ConnectRequest,
            Phase::Active => CallState::Active,
            Phase::DisconnectSent if we_are_user => CallState::DisconnectRequest,
            Phase::DisconnectSent => CallState::DisconnectIndication,
            Phase::DisconnectReceived if we_are_user => CallState::DisconnectIndication,
            Phase::DisconnectReceived => CallState::DisconnectRequest,
            Phase::ReleaseRequest => CallState::ReleaseRequest,
        }
    }
}
