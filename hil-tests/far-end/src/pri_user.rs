//! A stand-in for the box's side of a PRI span (the *user* side, or the network side
//! for a `pri-net` box with [`UserSpan::with_role`]), so the [`Carrier`] can be tested
//! without a box: over a real soft E1 (drive [`UserSpan::tick`] from a `SoftDevice`) or
//! in-process behind [`crate::Rig::simulated`] ([`PriUserSide`]).
//!
//! It is written straight on the `isdn` crate (HDLC + `PriStack`), not on the carrier's
//! own D-channel plumbing, so a carrier bug is not mirrored on this side.
//!
//! [`Carrier`]: crate::Carrier

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use isdn::hdlc::{Frame, HdlcRx, HdlcTx, BLOCK_OCTETS};
use isdn::pri::PriStack;
use isdn::q921::Timers as LinkTimers;
use isdn::q931::{CallHandle, CallInfo, CallState, Config, Role};
use line_boundary::{LineCommand, LineEvent};
use soft_hardware::{Block, DeviceKind, LineConditions, AUDIO_OCTETS};

use crate::audio::{Ear, Mouth, PlayItem};
use crate::carrier::{D_CHANNEL, E1_TIMESLOTS};
use crate::sim::SimulatedBox;
use crate::BLOCK_SAMPLES;

/// HDLC flag: the idle D-channel carries nothing else.
const FLAG: u8 = 0x7E;

/// Back-to-back flags: every octet the same rotation of 0x7E (after a frame the flags
/// need not start on an octet boundary).
fn is_idle_flags(octets: &[u8]) -> bool {
    let Some(&first) = octets.first() else {
        return false;
    };
    (0..8).any(|r| FLAG.rotate_left(r) == first) && octets.iter().all(|&o| o == first)
}

/// A line event the user side's stack reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEvent {
    pub at_ms: u64,
    pub call: CallHandle,
    pub channel: Option<u8>,
    pub event: LineEvent,
}

/// The box's side of a PRI span, one 20 ms block at a time: the user side, or the
/// network side ([`UserSpan::with_role`]).
pub struct UserSpan {
    stack: PriStack,
    tx: HdlcTx,
    rx: HdlcRx,
    backlog: VecDeque<Frame>,
    layer1: bool,
    lost: bool,
    auto_answer: bool,
    echo: bool,
    greeting: Vec<PlayItem>,
    events: Vec<UserEvent>,
    commands: VecDeque<(Option<CallHandle>, LineCommand)>,
    mouths: Vec<Mouth>,
    ears: Vec<Ear>,
    last_rx: Vec<[u8; AUDIO_OCTETS]>,
    saw_idle_flags: bool,
    bad_frames: u64,
}

impl Default for UserSpan {
    fn default() -> Self {
        UserSpan::new()
    }
}

impl UserSpan {
    /// The user side (a `pri-cpe` box).
    pub fn new() -> UserSpan {
        UserSpan::with_role(Role::User)
    }

    /// The box's side playing `role`: [`Role::Network`] stands in for a `pri-net` box
    /// (it names B-channels exclusively and hunts upward, per `Config::for_role`).
    pub fn with_role(role: Role) -> UserSpan {
        UserSpan {
            stack: PriStack::new(role, Config::for_role(role), LinkTimers::default()),
            tx: HdlcTx::new(),
            rx: HdlcRx::new(),
            backlog: VecDeque::new(),
            layer1: false,
            lost: false,
            auto_answer: false,
            echo: false,
            greeting: Vec::new(),
            events: Vec::new(),
            commands: VecDeque::new(),
            mouths: (0..E1_TIMESLOTS).map(|_| Mouth::new()).collect(),
            ears: (0..E1_TIMESLOTS).map(|_| Ear::new()).collect(),
            last_rx: vec![[soft_hardware::ALAW_SILENCE; AUDIO_OCTETS]; E1_TIMESLOTS],
            saw_idle_flags: false,
            bad_frames: 0,
        }
    }

    /// Answer every incoming call at once.
    pub fn set_auto_answer(&mut self, on: bool) {
        self.auto_answer = on;
    }
    /// Loop each connected call's audio back (one block late) when nothing else plays.
    pub fn set_echo(&mut self, on: bool) {
        self.echo = on;
    }
    /// Played on every call this side answers by itself.
    pub fn set_greeting(&mut self, greeting: Vec<PlayItem>) {
        self.greeting = greeting;
    }
    /// A command for the stack, run at the next block.
    pub fn command(&mut self, call: Option<CallHandle>, command: LineCommand) {
        self.commands.push_back((call, command));
    }

    pub fn stack(&self) -> &PriStack {
        &self.stack
    }
    pub fn link_up(&self) -> bool {
        self.stack.is_link_up()
    }
    /// The carrier's last block said LOS or AIS.
    pub fn sees_alarm(&self) -> bool {
        self.lost
    }
    /// A received timeslot 16 was all flags (a real idle HDLC line).
    pub fn saw_idle_flags(&self) -> bool {
        self.saw_idle_flags
    }
    pub fn bad_frames(&self) -> u64 {
        self.bad_frames
    }
    pub fn events(&self) -> &[UserEvent] {
        &self.events
    }
    pub fn calls(&self) -> Vec<CallInfo> {
        self.stack.q931().calls().collect()
    }
    pub fn mouth(&mut self, timeslot: u8) -> Option<&mut Mouth> {
        self.mouths.get_mut(usize::from(timeslot))
    }
    pub fn ear(&self, timeslot: u8) -> Option<&Ear> {
        self.ears.get(usize::from(timeslot))
    }

    /// One block: the carrier's block in, ours out.
    pub fn tick(&mut self, now_ms: u64, from_carrier: &Block, to_carrier: &mut Block) {
        let c = from_carrier.conditions;
        self.lost = c.contains(LineConditions::LOS) || c.contains(LineConditions::AIS);
        self.set_layer1(now_ms, !self.lost);
        if self.layer1 {
            if let Some(record) = from_carrier.channels.get(D_CHANNEL) {
                self.saw_idle_flags |= is_idle_flags(&record.audio);
                for chunk in record.audio.chunks(32) {
                    self.rx.process(chunk);
                    while let Some(result) = self.rx.poll_frame() {
                        match result {
                            Ok(frame) => self.stack.handle_frame(now_ms, &frame),
                            Err(_) => self.bad_frames += 1,
                        }
                    }
                }
            }
        }
        if self.stack.poll_timeout().is_some_and(|t| t <= now_ms) {
            self.stack.handle_timeout(now_ms);
        }
        while let Some((call, command)) = self.commands.pop_front() {
            if let Err(e) = self.stack.q931_mut().handle_command(now_ms, call, command) {
                tracing::warn!(error = %e, "user side: command refused");
            }
            self.stack.pump(now_ms);
        }
        self.drain_events(now_ms);
        self.produce(now_ms, from_carrier, to_carrier);
    }

    fn set_layer1(&mut self, now_ms: u64, up: bool) {
        if up == self.layer1 {
            return;
        }
        self.layer1 = up;
        if up {
            self.stack.physical_up(now_ms);
        } else {
            self.stack.physical_down(now_ms);
            self.tx = HdlcTx::new();
            self.rx.reset();
            self.backlog.clear();
        }
    }

    fn drain_events(&mut self, now_ms: u64) {
        while let Some((call, channel, event)) = self.stack.poll_event() {
            if matches!(event, LineEvent::IncomingCall { .. }) && self.auto_answer {
                if self
                    .stack
                    .q931_mut()
                    .handle_command(now_ms, Some(call), LineCommand::Answer)
                    .is_ok()
                {
                    if let Some(mouth) = channel.and_then(|ch| self.mouths.get_mut(usize::from(ch)))
                    {
                        mouth.clear();
                        for item in &self.greeting {
                            // A bad DTMF digit in a test's greeting just plays nothing.
                            let _ = mouth.push(item.clone());
                        }
                    }
                }
                self.stack.pump(now_ms);
            }
            self.events.push(UserEvent {
                at_ms: now_ms,
                call,
                channel,
                event,
            });
        }
    }

    fn produce(&mut self, now_ms: u64, from_carrier: &Block, out: &mut Block) {
        out.fill_idle(E1_TIMESLOTS);
        out.conditions = if self.lost {
            LineConditions::RAI
        } else {
            LineConditions::NONE
        };
        if self.layer1 {
            while let Some(frame) = self.stack.poll_frame() {
                self.backlog.push_back(frame);
            }
            while let Some(frame) = self.backlog.front() {
                if self.tx.push_frame(frame).is_err() {
                    break;
                }
                self.backlog.pop_front();
            }
            let mut ts16 = [0u8; BLOCK_OCTETS];
            self.tx.fill(&mut ts16);
            if let Some(record) = out.channels.get_mut(D_CHANNEL) {
                record.audio = ts16;
            }
        }
        let active: Vec<u8> = self
            .stack
            .q931()
            .calls()
            .filter(|c| c.state == CallState::Active)
            .filter_map(|c| c.channel)
            .collect();
        let silence = [soft_hardware::ALAW_SILENCE; AUDIO_OCTETS];
        let mut samples = [0i16; BLOCK_SAMPLES];
        for ts in (1..E1_TIMESLOTS).filter(|&ts| ts != D_CHANNEL) {
            let (Some(mouth), Some(record)) = (self.mouths.get_mut(ts), out.channels.get_mut(ts))
            else {
                continue;
            };
            let echoing = self.echo && active.iter().any(|&ch| usize::from(ch) == ts);
            if !mouth.is_idle() {
                mouth.fill(&mut samples);
                dsp::g711::alaw_encode_slice(&samples, &mut record.audio);
            } else if echoing {
                if let Some(last) = self.last_rx.get(ts) {
                    record.audio = *last;
                }
            }
            let heard = match from_carrier.channels.get(ts) {
                Some(r) if !self.lost => r.audio,
                _ => silence,
            };
            if let Some(ear) = self.ears.get_mut(ts) {
                ear.hear(now_ms, &heard);
            }
            if let Some(last) = self.last_rx.get_mut(ts) {
                *last = heard;
            }
        }
    }
}

/// [`UserSpan`] behind [`crate::Rig::simulated`], on the rig's E1 device named `span`.
/// The test keeps the other handle to command and inspect the user side between steps.
pub struct PriUserSide {
    span: String,
    index: Option<usize>,
    user: Arc<Mutex<UserSpan>>,
}

impl PriUserSide {
    pub fn new(span: &str, user: UserSpan) -> (PriUserSide, Arc<Mutex<UserSpan>>) {
        let user = Arc::new(Mutex::new(user));
        (
            PriUserSide {
                span: span.to_owned(),
                index: None,
                user: Arc::clone(&user),
            },
            user,
        )
    }
}

/// Locks a shared [`UserSpan`], even if a panicking test thread poisoned it.
pub fn lock(user: &Mutex<UserSpan>) -> MutexGuard<'_, UserSpan> {
    match user.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl SimulatedBox for PriUserSide {
    fn attach(&mut self, devices: &[(String, DeviceKind, u16)]) -> Result<(), String> {
        let index = devices
            .iter()
            .position(|(n, k, _)| *n == self.span && *k == DeviceKind::E1)
            .ok_or_else(|| format!("the PRI user side needs an E1 named {:?}", self.span))?;
        self.index = Some(index);
        Ok(())
    }

    fn tick(&mut self, now_ms: u64, from: &[&Block], to: &mut [Block]) {
        let Some(i) = self.index else { return };
        if let (Some(from), Some(to)) = (from.get(i), to.get_mut(i)) {
            lock(&self.user).tick(now_ms, from, to);
        }
    }
}
