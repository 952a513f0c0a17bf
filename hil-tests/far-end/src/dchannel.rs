//! The carrier's D-channel: a [`PriStack`] behind HDLC on timeslot 16.
//!
//! Kept apart from the call table in `carrier.rs` because it is pure plumbing: frames
//! between the stack and the 160 timeslot-16 octets of each block, layer-1 changes and
//! timers, all in rig time.

use std::collections::VecDeque;

use isdn::hdlc::{Frame, HdlcRx, HdlcTx, BLOCK_OCTETS};
use isdn::pri::PriStack;
use isdn::q921::Timers as LinkTimers;
use isdn::q931::{Config, Role};

/// Octets fed to HDLC between drains of its receive queue.
const RX_CHUNK: usize = 32;

/// HDLC, Q.921 and Q.931 for one end of a D-channel.
pub(crate) struct DChannel {
    stack: PriStack,
    tx: HdlcTx,
    rx: HdlcRx,
    /// Frames the stack produced while the HDLC transmit queue was full; they go first.
    backlog: VecDeque<Frame>,
    layer1: bool,
    /// Frames HDLC discarded (bad FCS, aborts, bad lengths).
    pub bad_frames: u64,
}

impl DChannel {
    /// Layer 1 starts down; the first [`DChannel::set_layer1`] with `true` brings the
    /// data link up.
    pub fn new(role: Role) -> DChannel {
        DChannel {
            stack: PriStack::new(role, Config::for_role(role), LinkTimers::default()),
            tx: HdlcTx::new(),
            rx: HdlcRx::new(),
            backlog: VecDeque::new(),
            layer1: false,
            bad_frames: 0,
        }
    }

    pub fn stack(&self) -> &PriStack {
        &self.stack
    }
    pub fn stack_mut(&mut self) -> &mut PriStack {
        &mut self.stack
    }

    /// Signal on the span came or went (cable, LOS, AIS).
    pub fn set_layer1(&mut self, now_ms: u64, up: bool) {
        if up == self.layer1 {
            return;
        }
        self.layer1 = up;
        if up {
            self.stack.physical_up(now_ms);
        } else {
            self.stack.physical_down(now_ms);
            // Half-sent and queued frames belong to the link that just died.
            self.tx = HdlcTx::new();
            self.backlog.clear();
            self.rx.reset();
        }
    }

    /// Runs both layers' timers that are due.
    pub fn run_timers(&mut self, now_ms: u64) {
        if self.stack.poll_timeout().is_some_and(|t| t <= now_ms) {
            self.stack.handle_timeout(now_ms);
        }
    }

    /// The next block of timeslot 16: whatever the stack has to send, then flags.
    pub fn transmit(&mut self, out: &mut [u8; BLOCK_OCTETS]) {
        while let Some(frame) = self.stack.poll_frame() {
            self.backlog.push_back(frame);
        }
        while let Some(frame) = self.backlog.front() {
            if self.tx.push_frame(frame).is_err() {
                break;
            }
            self.backlog.pop_front();
        }
        self.tx.fill(out);
    }

    /// One received block of timeslot 16 (only while layer 1 is up).
    pub fn receive(&mut self, now_ms: u64, octets: &[u8; BLOCK_OCTETS]) {
        if !self.layer1 {
            return;
        }
        // In small chunks, so even back-to-back minimal frames never overrun HDLC's
        // receive queue between drains.
        for chunk in octets.chunks(RX_CHUNK) {
            self.rx.process(chunk);
            while let Some(result) = self.rx.poll_frame() {
                match result {
                    Ok(frame) => self.stack.handle_frame(now_ms, &frame),
                    Err(e) => {
                        self.bad_frames += 1;
                        tracing::debug!(error = %e, "carrier D-channel: frame discarded");
                    }
                }
            }
        }
    }
}
