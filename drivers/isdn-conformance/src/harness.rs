//! Our Q.921 data link facing libpri over a simulated D-channel, in real time.
//!
//! libpri reads the wall clock, so [`PriHarness`] does too: our stack gets
//! `now_ms` = milliseconds since the harness started. Each [`PriHarness::step`] moves
//! every pending frame both ways (optionally through our HDLC framer and deframer, so
//! the frames cross as a timeslot-16 bit stream), runs both sides' timers and collects
//! events. Frames can be dropped in either direction to simulate a bad line.

use std::time::{Duration, Instant};

use isdn::hdlc::{HdlcRx, HdlcTx, BLOCK_OCTETS};
use isdn::q921::{Lapd, LapdEvent, Role, Timers};

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
        Wire { tx: HdlcTx::new(), rx: HdlcRx::new() }
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
