//! Our Q.921 data link facing libpri over a simulated D-channel, in real time.
//!
//! libpri reads the wall clock, so [`PriHarness`] does too: our stack gets
//! `now_ms` = milliseconds since the harness started. Each [`PriHarness::step`] moves
//! every pending frame both ways (optionally through our HDLC framer and deframer, so
//! the frames cross as a timeslot-16 bit stream), runs both sides' timers and collects
//! events. Frames can be dropped in either direction to simulate a bad line.
//!
//! [`CallHarness`] adds layer 3: our Q.931 over that Lapd, for call interop tests.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use isdn::hdlc::{HdlcRx, HdlcTx, BLOCK_OCTETS};
use isdn::q921::{Lapd, LapdError, LapdEvent, Role, Timers};
use isdn::q931::{
    CallEvent, CallHandle, Config, Message, MessageBuf, MessageType, Role as Q931Role, Q931,
};
use line_boundary::{Cause, LineEvent};

use crate::libpri::{LibPri, LibPriError, PriEvent, PriEventKind, PriRole};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Our stack to libpri.
    OursToPri,
    /// libpri to our stack.
    PriToOurs,
}

struct Wire {
    tx: HdlcTx,
    rx: HdlcRx,
}

impl Wire {
    fn new() -> Self {
        Wire {
            tx: HdlcTx::new(),
            rx: HdlcRx::new(),
        }
    }

    /// Frames in, frames out, through one or more 20 ms blocks of timeslot 16.
    fn carry(&mut self, frames: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut pending = frames.into_iter().peekable();
        loop {
            while pending.peek().is_some() {
                let Some(f) = pending.next() else { break };
                if let Err(e) = self.tx.push_frame(&f) {
                    panic!("HDLC refused a frame of {} octets: {e}", f.len());
                }
                if self.tx.queued() >= 8 {
                    break;
                }
            }
            let mut block = [0u8; BLOCK_OCTETS];
            self.tx.fill(&mut block);
            self.rx.process(&block);
            while let Some(r) = self.rx.poll_frame() {
                match r {
                    Ok(f) => out.push(f.to_vec()),
                    Err(e) => panic!("HDLC error on a clean wire: {e}"),
                }
            }
            if pending.peek().is_none() && self.tx.is_idle() {
                // One more block flushes the closing flag through the receiver.
                let mut block = [0u8; BLOCK_OCTETS];
                self.tx.fill(&mut block);
                self.rx.process(&block);
                while let Some(Ok(f)) = self.rx.poll_frame() {
                    out.push(f.to_vec());
                }
                return out;
            }
        }
    }
}

/// Our data link entity against libpri.
pub struct PriHarness {
    pub ours: Lapd,
    pub pri: LibPri,
    start: Instant,
    /// Drop frames travelling in this direction (true = drop).
    pub drop_ours_to_pri: bool,
    pub drop_pri_to_ours: bool,
    /// Everything our stack reported.
    pub our_events: Vec<LapdEvent>,
    /// Everything libpri reported.
    pub pri_events: Vec<PriEvent>,
    /// Every frame put on the wire (ms since start, direction, octets), dropped or not.
    pub log: Vec<(u64, Dir, Vec<u8>)>,
    hdlc: Option<(Wire, Wire)>,
}

impl PriHarness {
    /// `our_role` is our side; libpri plays the other.
    pub fn new(our_role: Role, timers: Timers, through_hdlc: bool) -> Result<Self, LibPriError> {
        let pri_role = match our_role {
            Role::User => PriRole::Network,
            Role::Network => PriRole::Cpe,
        };
        let pri = LibPri::new(pri_role)?;
        Ok(PriHarness {
            ours: Lapd::new(our_role, timers),
            pri,
            start: Instant::now(),
            drop_ours_to_pri: false,
            drop_pri_to_ours: false,
            our_events: Vec::new(),
            pri_events: Vec::new(),
            log: Vec::new(),
            hdlc: through_hdlc.then(|| (Wire::new(), Wire::new())),
        })
    }

    /// Milliseconds since the harness started: our stack's clock.
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Move frames both ways until quiet, run due timers, collect events.
    pub fn step(&mut self) {
        for _ in 0..100 {
            let now = self.now_ms();
            if self.ours.poll_timeout().is_some_and(|t| t <= now) {
                self.ours.handle_timeout(now);
            }
            let mut moved = false;

            let mut out = Vec::new();
            while let Some(f) = self.ours.poll_transmit() {
                out.push(f.to_vec());
            }
            if let Some((to_pri, _)) = self.hdlc.as_mut() {
                if !out.is_empty() {
                    out = to_pri.carry(out);
                }
            }
            for f in out {
                moved = true;
                self.log.push((now, Dir::OursToPri, f.clone()));
                if !self.drop_ours_to_pri {
                    self.pri.feed(&f);
                }
            }
            while let Some(e) = self.pri.check_event() {
                self.pri_events.push(e);
            }

            let mut back = self.pri.take_written();
            if let Some((_, to_ours)) = self.hdlc.as_mut() {
                if !back.is_empty() {
                    back = to_ours.carry(back);
                }
            }
            for f in back {
                moved = true;
                self.log.push((now, Dir::PriToOurs, f.clone()));
                if !self.drop_pri_to_ours {
                    self.ours.handle_frame(now, &f);
                }
            }
            while let Some(e) = self.ours.poll_event() {
                self.our_events.push(e);
            }
            if !moved {
                return;
            }
        }
    }

    /// Step every ~2 ms until `done` holds or `timeout` passes; true if it held.
    pub fn run_until(&mut self, timeout: Duration, mut done: impl FnMut(&Self) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.step();
            if done(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Keep stepping for `duration`.
    pub fn run_for(&mut self, duration: Duration) {
        self.run_until(duration, |_| false);
    }

    /// libpri events of one kind seen so far.
    pub fn pri_count(&self, kind: PriEventKind) -> usize {
        self.pri_events.iter().filter(|e| e.kind == kind).count()
    }

    /// Messages our stack delivered (DL-DATA indications).
    pub fn our_data(&self) -> Vec<Vec<u8>> {
        self.our_events
            .iter()
            .filter_map(|e| match e {
                LapdEvent::Data(d) => Some(d.to_vec()),
                _ => None,
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------
// Layer 3 on top: our Q.931 glued to our Lapd, libpri's application played for clearing
// ---------------------------------------------------------------------------------

/// Our whole stack, Q.931 call control over our Q.921, against libpri.
///
/// The glue is what a span actor will do: DL-ESTABLISH/RELEASE indications go to
/// [`Q931::handle_link`], DL-DATA indications to [`Q931::handle_message`], and
/// [`Q931::poll_transmit`] to [`Lapd::send`] (held back while Lapd's queue is full).
/// Time is the harness clock (ms since start).
///
/// libpri's application (what Asterisk would be) is the test; this harness only plays
/// its clearing duty, as Asterisk does: on HANGUP_REQ (DISCONNECT received) and HANGUP
/// (RELEASE or RELEASE COMPLETE received, or internal clearing) it calls `pri_hangup`,
/// without which libpri neither answers with RELEASE / RELEASE COMPLETE nor frees the
/// call.
pub struct CallHarness {
    pub link: PriHarness,
    pub q931: Q931,
    /// Everything our call control reported, with the time.
    pub events: Vec<(u64, CallEvent)>,
    /// Messages our Q.931 handed to Q.921, decoded, with the time.
    pub sent: Vec<(u64, Message)>,
    /// Messages delivered to our Q.931 (what libpri sent and we received), with the time.
    pub received: Vec<(u64, Message)>,
    lapd_seen: usize,
    pri_seen: usize,
    backlog: VecDeque<MessageBuf>,
}

impl CallHarness {
    /// Our side plays `role`, libpri the other; the data link is not started yet (see
    /// [`CallHarness::bring_up`]).
    pub fn new(
        role: Role,
        config: Config,
        timers: Timers,
        through_hdlc: bool,
    ) -> Result<Self, LibPriError> {
        let (l2, l3) = match role {
            Role::User => (Role::User, Q931Role::User),
            Role::Network => (Role::Network, Q931Role::Network),
        };
        Ok(CallHarness {
            link: PriHarness::new(l2, timers, through_hdlc)?,
            q931: Q931::new(l3, config),
            events: Vec::new(),
            sent: Vec::new(),
            received: Vec::new(),
            lapd_seen: 0,
            pri_seen: 0,
            backlog: VecDeque::new(),
        })
    }

    pub fn now_ms(&self) -> u64 {
        self.link.now_ms()
    }

    /// DL-ESTABLISH request, then run until both ends have the link and our Q.931 knows.
    pub fn bring_up(&mut self, timeout: Duration) -> bool {
        let now = self.now_ms();
        self.link.ours.establish(now);
        self.run_until(timeout, |h| {
            h.q931.is_link_up() && h.link.pri_count(PriEventKind::DchanUp) > 0
        })
    }

    /// Move messages and frames every way until quiet; run all due timers.
    pub fn step(&mut self) {
        for _ in 0..100 {
            let now = self.now_ms();
            let mut busy = false;
            if self.q931.poll_timeout().is_some_and(|t| t <= now) {
                self.q931.handle_timeout(now);
            }
            while let Some(m) = self.q931.poll_transmit() {
                if let Ok(d) = isdn::q931::decode(&m) {
                    self.sent.push((now, d.message));
                }
                self.backlog.push_back(m);
            }
            while let Some(m) = self.backlog.front() {
                match self.link.ours.send(now, m) {
                    Ok(()) => {}
                    // Lapd's queue is full: keep the rest for the next round.
                    Err(LapdError::QueueFull) => break,
                    // Link being released: the message is lost, as on a real line.
                    Err(_) => {}
                }
                self.backlog.pop_front();
                busy = true;
            }

            self.link.step();

            while let Some(e) = self.link.our_events.get(self.lapd_seen).cloned() {
                self.lapd_seen += 1;
                busy = true;
                match e {
                    LapdEvent::Established => self.q931.handle_link(now, true),
                    LapdEvent::Released => self.q931.handle_link(now, false),
                    LapdEvent::Data(d) => {
                        if let Ok(m) = isdn::q931::decode(&d) {
                            self.received.push((now, m.message));
                        }
                        self.q931.handle_message(now, &d);
                    }
                    LapdEvent::Error(_) => {}
                }
            }
            while let Some(e) = self.q931.poll_event() {
                self.events.push((now, e));
                busy = true;
            }
            while let Some(e) = self.link.pri_events.get(self.pri_seen).cloned() {
                self.pri_seen += 1;
                let clearing = matches!(e.kind, PriEventKind::HangupReq | PriEventKind::Hangup);
                let Some(call) = e.call.filter(|_| clearing) else {
                    continue;
                };
                let cause = e.cause.filter(|&c| c > 0).unwrap_or(16);
                // A call libpri already freed is refused; nothing to do then.
                let _ = self.link.pri.hangup(call, cause);
                busy = true;
            }
            // A backlog waiting for Lapd's window is retried on the next step.
            if !busy {
                return;
            }
        }
    }

    /// Step every ~2 ms until `done` holds or `timeout` passes; true if it held.
    pub fn run_until(&mut self, timeout: Duration, mut done: impl FnMut(&Self) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.step();
            if done(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn run_for(&mut self, duration: Duration) {
        self.run_until(duration, |_| false);
    }

    /// Our line events for one call.
    pub fn events_of(&self, call: CallHandle) -> Vec<LineEvent> {
        self.events
            .iter()
            .filter(|(_, (h, _, _))| *h == call)
            .map(|(_, (_, _, e))| e.clone())
            .collect()
    }

    /// Our incoming calls so far: handle, B-channel, the IncomingCall event.
    pub fn incoming(&self) -> Vec<(CallHandle, Option<u8>, LineEvent)> {
        self.events
            .iter()
            .filter(|(_, (_, _, e))| matches!(e, LineEvent::IncomingCall { .. }))
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// The Hangup cause we reported for a call, if it ended.
    pub fn hangup_cause(&self, call: CallHandle) -> Option<Cause> {
        self.events_of(call).into_iter().find_map(|e| match e {
            LineEvent::Hangup { cause } => Some(cause),
            _ => None,
        })
    }

    /// libpri events of one kind.
    pub fn pri_events_of(&self, kind: PriEventKind) -> Vec<&PriEvent> {
        self.link
            .pri_events
            .iter()
            .filter(|e| e.kind == kind)
            .collect()
    }

    /// Messages either side sent that say the other got the protocol wrong: STATUS with a
    /// cause other than 30 (answer to STATUS ENQUIRY) or 31 (link re-established), and
    /// clearing with causes 81 (invalid call reference) or 95-101 (message/element
    /// errors). An interoperating pair never sends these.
    pub fn complaints(&self) -> Vec<(Dir, Message)> {
        let bad = |m: &Message| {
            let cause = m.ies.cause.as_ref().map(|c| c.value.0);
            match m.kind {
                MessageType::Status => !matches!(cause, Some(30 | 31)),
                MessageType::Disconnect | MessageType::Release | MessageType::ReleaseComplete => {
                    matches!(cause, Some(81 | 95..=101))
                }
                _ => false,
            }
        };
        let ours = self
            .sent
            .iter()
            .filter(|(_, m)| bad(m))
            .map(|(_, m)| (Dir::OursToPri, m.clone()));
        let theirs = self
            .received
            .iter()
            .filter(|(_, m)| bad(m))
            .map(|(_, m)| (Dir::PriToOurs, m.clone()));
        ours.chain(theirs).collect()
    }
}
