//! Test harness: our user side against our network side through an in-memory message
//! shuttle, plus helpers to build raw messages and look at what a stack sent.
#![allow(dead_code)]

use isdn::q931::{
    decode, CallEvent, CallHandle, Config, Message, MessageType, OutgoingCall, ProtocolError, Role,
    Q931,
};
use line_boundary::{Cause, LineEvent, PhoneNumber};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    User,
    Net,
}

/// One message that crossed the shuttle.
#[derive(Debug, Clone)]
pub struct Sent {
    pub from: Side,
    pub at: u64,
    pub message: Message,
}

pub struct Pair {
    pub user: Q931,
    pub net: Q931,
    pub now: u64,
    pub user_events: Vec<CallEvent>,
    pub net_events: Vec<CallEvent>,
    pub log: Vec<Sent>,
    /// Drop (do not deliver) messages sent by this side.
    pub drop_from: Option<Side>,
}

pub fn number(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).expect("test number")
}

impl Pair {
    pub fn new() -> Pair {
        Pair::with(
            Config::for_role(Role::User),
            Config::for_role(Role::Network),
        )
    }

    pub fn with(user: Config, net: Config) -> Pair {
        let mut p = Pair {
            user: Q931::new(Role::User, user),
            net: Q931::new(Role::Network, net),
            now: 0,
            user_events: Vec::new(),
            net_events: Vec::new(),
            log: Vec::new(),
            drop_from: None,
        };
        p.user.handle_link(0, true);
        p.net.handle_link(0, true);
        p
    }

    pub fn stack(&mut self, side: Side) -> &mut Q931 {
        match side {
            Side::User => &mut self.user,
            Side::Net => &mut self.net,
        }
    }

    /// Delivers everything both sides have to send until both are quiet.
    pub fn shuttle(&mut self) {
        for _ in 0..10_000 {
            let mut moved = false;
            while let Some(bytes) = self.user.poll_transmit() {
                moved = true;
                self.record(Side::User, &bytes);
                if self.drop_from != Some(Side::User) {
                    self.net.handle_message(self.now, &bytes);
                }
            }
            while let Some(bytes) = self.net.poll_transmit() {
                moved = true;
                self.record(Side::Net, &bytes);
                if self.drop_from != Some(Side::Net) {
                    self.user.handle_message(self.now, &bytes);
                }
            }
            self.collect();
            if !moved {
                return;
            }
        }
        panic!("message storm between the stacks");
    }

    fn record(&mut self, from: Side, bytes: &[u8]) {
        let d = decode(bytes).expect("our stack sent an undecodable message");
        assert!(
            d.errors.is_empty() && d.unknown.is_empty(),
            "malformed: {d:?}"
        );
        self.log.push(Sent {
            from,
            at: self.now,
            message: d.message,
        });
    }

    fn collect(&mut self) {
        while let Some(e) = self.user.poll_event() {
            self.user_events.push(e);
        }
        while let Some(e) = self.net.poll_event() {
            self.net_events.push(e);
        }
    }

    /// Runs both stacks' timers up to `to`, shuttling after each expiry.
    pub fn run_until(&mut self, to: u64) {
        loop {
            let next = [self.user.poll_timeout(), self.net.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= to => {
                    self.now = self.now.max(t);
                    self.user.handle_timeout(self.now);
                    self.net.handle_timeout(self.now);
                    self.shuttle();
                }
                _ => break,
            }
        }
        self.now = to;
    }

    pub fn call_out(&mut self, from: Side, called: &str) -> CallHandle {
        let now = self.now;
        let h = self
            .stack(from)
            .call_out(
                now,
                OutgoingCall {
                    calling: Some(number("+8610123")),
                    called: Some(number(called)),
                    channel: None,
                    sending_complete: true,
                },
            )
            .expect("call out");
        h
    }

    /// The handle the other side gave the last incoming call.
    pub fn incoming(&self, side: Side) -> CallHandle {
        let events = match side {
            Side::User => &self.user_events,
            Side::Net => &self.net_events,
        };
        events
            .iter()
            .rev()
            .find(|(_, _, e)| matches!(e, LineEvent::IncomingCall { .. }))
            .map(|(h, _, _)| *h)
            .expect("no incoming call")
    }

    pub fn events(&self, side: Side, call: CallHandle) -> Vec<LineEvent> {
        let events = match side {
            Side::User => &self.user_events,
            Side::Net => &self.net_events,
        };
        events
            .iter()
            .filter(|(h, _, _)| *h == call)
            .map(|(_, _, e)| e.clone())
            .collect()
    }

    pub fn hangups(&self, side: Side, call: CallHandle) -> Vec<Cause> {
        self.events(side, call)
            .into_iter()
            .filter_map(|e| match e {
                LineEvent::Hangup { cause } => Some(cause),
                _ => None,
            })
            .collect()
    }

    /// Message types sent by a side, in order.
    pub fn sent(&self, from: Side) -> Vec<MessageType> {
        self.log
            .iter()
            .filter(|s| s.from == from)
            .map(|s| s.message.kind)
            .collect()
    }

    pub fn clear_log(&mut self) {
        self.log.clear();
    }

    /// Every protocol error either side reported since last asked.
    pub fn protocol_errors(&mut self) -> Vec<(Side, ProtocolError)> {
        let user = drain_errors(&mut self.user).into_iter();
        let net = drain_errors(&mut self.net).into_iter();
        user.map(|e| (Side::User, e))
            .chain(net.map(|e| (Side::Net, e)))
            .collect()
    }

    /// A correct exchange: neither side saw a protocol error, ever.
    pub fn assert_no_protocol_errors(&mut self) {
        assert_eq!(self.protocol_errors(), vec![]);
        assert_eq!(
            (self.user.protocol_errors(), self.net.protocol_errors()),
            (0, 0)
        );
    }

    /// Sets up a call from `from` and takes it to the active state.
    pub fn active_call(&mut self, from: Side) -> (CallHandle, CallHandle) {
        let a = self.call_out(from, "5551000");
        self.shuttle();
        let to = other(from);
        let b = self.incoming(to);
        let now = self.now;
        self.stack(to)
            .handle_command(now, Some(b), line_boundary::LineCommand::Answer)
            .expect("answer");
        self.shuttle();
        (a, b)
    }
}

pub fn other(side: Side) -> Side {
    match side {
        Side::User => Side::Net,
        Side::Net => Side::User,
    }
}

/// A raw Q.931 message with a 2-octet call reference.
pub fn raw(cr: u16, to_originator: bool, message_type: u8, ies: &[u8]) -> Vec<u8> {
    let flag = if to_originator { 0x80 } else { 0 };
    let mut v = vec![0x08, 0x02, flag | (cr >> 8) as u8, cr as u8, message_type];
    v.extend_from_slice(ies);
    v
}

/// Everything a stack has queued, decoded.
pub fn drain(stack: &mut Q931) -> Vec<Message> {
    let mut out = Vec::new();
    while let Some(bytes) = stack.poll_transmit() {
        let d = decode(&bytes).expect("our stack sent an undecodable message");
        assert!(
            d.errors.is_empty() && d.unknown.is_empty(),
            "malformed: {d:?}"
        );
        out.push(d.message);
    }
    out
}

pub fn drain_events(stack: &mut Q931) -> Vec<CallEvent> {
    let mut out = Vec::new();
    while let Some(e) = stack.poll_event() {
        out.push(e);
    }
    out
}

/// The cause value and diagnostics of a message.
pub fn cause_of(m: &Message) -> Option<(u8, Vec<u8>)> {
    m.ies
        .cause
        .as_ref()
        .map(|c| (c.value.0, c.diagnostics.to_vec()))
}

/// SETUP octets after the header: speech A-law, exclusive channel `ch`, called "1000".
pub fn setup_ies(ch: u8, sending_complete: bool) -> Vec<u8> {
    let mut v = Vec::new();
    if sending_complete {
        v.push(0xA1);
    }
    v.extend_from_slice(&[0x04, 0x03, 0x80, 0x90, 0xA3]);
    v.extend_from_slice(&[0x18, 0x03, 0xA9, 0x83, 0x80 | ch]);
    v.extend_from_slice(&[0x70, 0x05, 0x81, b'1', b'0', b'0', b'0']);
    v
}

/// A protocol error as tests compare it: call reference, received message type, our reply,
/// our cause value and its diagnostics.
pub type Report = (
    Option<u16>,
    Option<MessageType>,
    Option<MessageType>,
    Option<u8>,
    Vec<u8>,
);

pub fn report_of(e: &ProtocolError) -> Report {
    (
        e.call_ref,
        e.message,
        e.reply,
        e.cause.map(|c| c.0),
        e.diagnostics.to_vec(),
    )
}

/// Every protocol error a stack has queued. Each says what was wrong and prints as one
/// log line.
pub fn drain_errors(stack: &mut Q931) -> Vec<ProtocolError> {
    let mut out = Vec::new();
    while let Some(e) = stack.poll_protocol_error() {
        assert!(!e.detail.is_empty(), "no detail: {e:?}");
        let line = e.to_string();
        assert!(!line.contains('\n') && line.contains(e.detail), "{line}");
        out.push(e);
    }
    out
}

/// [`drain_errors`], as [`Report`]s.
pub fn reports(stack: &mut Q931) -> Vec<Report> {
    drain_errors(stack).iter().map(report_of).collect()
}
