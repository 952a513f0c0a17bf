//! CPU cost of PRI call control: a user-side and a network-side `PriStack` wired back to
//! back in memory (Q.921 + Q.931; no HDLC bit stream, no I/O, no real time).
//!
//! - `call_setup/user_setup_to_connect`: the user side gets the SETUP frame
//!   (`handle_frame`) until its CONNECT frame comes out of `poll_frame`; the answer is
//!   given as soon as the IncomingCall event is polled. CALL PROCEEDING goes out on the
//!   way, as on a real span.
//! - `call_setup/network_call_out_to_user_connect`: the same plus the network side
//!   building and sending the SETUP (call out → SETUP frame).
//! - `calls_per_second/30_channels`: whole call cycles (SETUP, CALL PROCEEDING,
//!   ALERTING, CONNECT, CONNECT ACK, DISCONNECT, RELEASE, RELEASE COMPLETE, and the RRs)
//!   on both stacks, with all 30 B-channels of the E1 kept busy (see [`Load`]); one
//!   element = one call.
//!
//! Before measuring it runs a few thousand cycles to check that every call completes
//! normally and prints the D-channel octets a call cycle costs (for BENCH.md).
//!
//! Run: `cargo bench -p isdn --bench pri_calls`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use isdn::hdlc::Frame;
use isdn::pri::PriStack;
use isdn::q921::{self, Timers as LinkTimers};
use isdn::q931::{self, CallHandle, Config, MessageType, Role};
use line_boundary::{Cause, LineCommand, LineEvent, PhoneNumber};

const B_CHANNELS: usize = 30;
/// Per HDLC frame on the wire: the two FCS octets and one flag between frames
/// (bit stuffing not counted).
const HDLC_OVERHEAD: u64 = 3;

/// Both ends of one span, lock-stepped, with what crossed the D-channel.
struct Span {
    user: PriStack,
    network: PriStack,
    now_ms: u64,
    /// LAPD octets and frames user→network and network→user.
    octets: [u64; 2],
    frames: [u64; 2],
}

impl Span {
    fn up() -> Span {
        let mut span = Span {
            user: PriStack::new(
                Role::User,
                Config::for_role(Role::User),
                LinkTimers::default(),
            ),
            network: PriStack::new(
                Role::Network,
                Config::for_role(Role::Network),
                LinkTimers::default(),
            ),
            now_ms: 0,
            octets: [0; 2],
            frames: [0; 2],
        };
        span.user.physical_up(0);
        span.network.physical_up(0);
        span.exchange();
        assert!(
            span.user.is_link_up() && span.network.is_link_up(),
            "link did not come up"
        );
        span
    }

    /// One millisecond passes; timers due run.
    fn tick(&mut self) {
        self.now_ms += 1;
        let now = self.now_ms;
        for stack in [&mut self.user, &mut self.network] {
            if stack.poll_timeout().is_some_and(|t| t <= now) {
                stack.handle_timeout(now);
            }
        }
    }

    fn deliver_to_network(&mut self, frame: &[u8]) {
        self.octets[0] += frame.len() as u64;
        self.frames[0] += 1;
        self.network.handle_frame(self.now_ms, frame);
    }

    fn deliver_to_user(&mut self, frame: &[u8]) {
        self.octets[1] += frame.len() as u64;
        self.frames[1] += 1;
        self.user.handle_frame(self.now_ms, frame);
    }

    /// Carries frames both ways until neither side has more.
    fn exchange(&mut self) {
        loop {
            let mut moved = false;
            while let Some(f) = self.user.poll_frame() {
                moved = true;
                self.deliver_to_network(&f);
            }
            while let Some(f) = self.network.poll_frame() {
                moved = true;
                self.deliver_to_user(&f);
            }
            if !moved {
                break;
            }
        }
    }
}

fn numbers() -> (Option<PhoneNumber>, PhoneNumber) {
    let calling = PhoneNumber::parse("0201234567").expect("valid number");
    let called = PhoneNumber::parse("5551000").expect("valid number");
    (Some(calling), called)
}

/// The Q.931 message an I frame carries.
fn message_type(frame: &[u8]) -> Option<MessageType> {
    let lapd = q921::decode(frame).ok()?;
    Some(q931::decode(lapd.info).ok()?.message.kind)
}

// ---------------------------------------------------------------------------------
// (a) call setup
// ---------------------------------------------------------------------------------

/// The user side's part: SETUP frame in, IncomingCall out, answer, frames out. Returns
/// what it transmitted (CALL PROCEEDING, CONNECT) in `sent`.
fn user_answers(user: &mut PriStack, now_ms: u64, setup: &[u8], sent: &mut Vec<Frame>) {
    user.handle_frame(now_ms, setup);
    while let Some((call, _, event)) = user.poll_event() {
        if matches!(event, LineEvent::IncomingCall { .. }) {
            user.q931_mut()
                .handle_command(now_ms, Some(call), LineCommand::Answer)
                .expect("answer");
            user.pump(now_ms);
        }
    }
    while let Some(f) = user.poll_frame() {
        sent.push(f);
    }
}

/// After a measured setup: checks the user side's last frame was CONNECT, then lets
/// the network clear the call, untimed, so the span is idle again.
fn finish_call(span: &mut Span, sent: &mut Vec<Frame>) {
    let last = sent.last().map(|f| message_type(f));
    assert_eq!(
        last,
        Some(Some(MessageType::Connect)),
        "user side did not send CONNECT last"
    );
    for f in sent.drain(..) {
        span.deliver_to_network(&f);
    }
    span.exchange();
    let mut answered = None;
    while let Some((call, _, event)) = span.network.poll_event() {
        if event == LineEvent::Answered {
            answered = Some(call);
        }
    }
    let call = answered.expect("network saw the answer");
    span.network
        .q931_mut()
        .handle_command(
            span.now_ms,
            Some(call),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .expect("hang up");
    span.network.pump(span.now_ms);
    span.exchange();
    while span.user.poll_event().is_some() {}
    assert_eq!(
        span.user.q931().calls().count() + span.network.q931().calls().count(),
        0
    );
}

/// The network places a call and hands back its SETUP frame.
fn network_calls(network: &mut PriStack, now_ms: u64) -> Frame {
    let (calling, called) = numbers();
    network
        .q931_mut()
        .handle_command(now_ms, None, LineCommand::CallOut { calling, called })
        .expect("call out");
    network.pump(now_ms);
    network.poll_frame().expect("SETUP frame")
}

fn call_setup(c: &mut Criterion) {
    let mut group = c.benchmark_group("call_setup");
    let mut span = Span::up();
    let mut sent = Vec::with_capacity(8);

    group.bench_function("user_setup_to_connect", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                span.tick();
                let now = span.now_ms;
                let setup = network_calls(&mut span.network, now);
                let start = Instant::now();
                user_answers(&mut span.user, now, &setup, &mut sent);
                total += start.elapsed();
                finish_call(&mut span, &mut sent);
            }
            total
        })
    });

    group.bench_function("network_call_out_to_user_connect", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                span.tick();
                let now = span.now_ms;
                let start = Instant::now();
                let setup = network_calls(&mut span.network, now);
                user_answers(&mut span.user, now, &setup, &mut sent);
                total += start.elapsed();
                finish_call(&mut span, &mut sent);
            }
            total
        })
    });
    group.finish();
}

// ---------------------------------------------------------------------------------
// (b) calls per second, 30 B-channels busy
// ---------------------------------------------------------------------------------

/// A span under load: the network offers one call per millisecond into the user side
/// whenever a B-channel is free; the user side alerts and answers at once; the network
/// clears each call [`HOLD_MS`] after the answer. So all 30 channels stay busy and the
/// stacks' call tables are full. Frames cross as soon as they are sent (CPU cost only;
/// the D-channel's own rate is accounted separately, see [`report_d_channel_cost`]).
struct Load {
    span: Span,
    /// Answered calls (network side) and when the network clears them.
    holding: VecDeque<(CallHandle, u64)>,
    placed: u64,
    completed: u64,
    /// Calls that ended other than by normal clearing after an answer.
    abnormal: u64,
}

/// Long enough that the 30 channels, not the offered rate, limit the calls in progress.
const HOLD_MS: u64 = 30;

impl Load {
    fn new() -> Load {
        Load {
            span: Span::up(),
            holding: VecDeque::with_capacity(B_CHANNELS),
            placed: 0,
            completed: 0,
            abnormal: 0,
        }
    }

    fn in_flight(&self) -> usize {
        self.span.network.q931().calls().count()
    }

    /// Runs until `calls` more cycles have completed.
    fn run(&mut self, calls: u64) {
        let target = self.completed + calls;
        while self.completed < target {
            self.span.tick();
            let now = self.span.now_ms;
            while let Some(&(call, _)) = self.holding.front().filter(|(_, at)| *at <= now) {
                self.holding.pop_front();
                self.span
                    .network
                    .q931_mut()
                    .handle_command(
                        now,
                        Some(call),
                        LineCommand::Hangup {
                            cause: Cause::NORMAL_CLEARING,
                        },
                    )
                    .expect("hang up");
            }
            if self.in_flight() < B_CHANNELS {
                let (calling, called) = numbers();
                self.span
                    .network
                    .q931_mut()
                    .handle_command(now, None, LineCommand::CallOut { calling, called })
                    .expect("a free B-channel");
                self.placed += 1;
            }
            self.span.network.pump(now);
            self.exchange();
            self.completed = self.placed - self.in_flight() as u64;
        }
    }

    /// Carries frames both ways until both sides are quiet, each side reacting to the
    /// events every frame causes.
    fn exchange(&mut self) {
        let now = self.span.now_ms;
        loop {
            let mut moved = false;
            while let Some(f) = self.span.network.poll_frame() {
                moved = true;
                self.span.deliver_to_user(&f);
                while let Some((call, _, event)) = self.span.user.poll_event() {
                    match event {
                        LineEvent::IncomingCall { .. } => {
                            let q931 = self.span.user.q931_mut();
                            q931.handle_command(now, Some(call), LineCommand::Alert)
                                .expect("alert");
                            q931.handle_command(now, Some(call), LineCommand::Answer)
                                .expect("answer");
                            self.span.user.pump(now);
                        }
                        LineEvent::Hangup { cause } if cause != Cause::NORMAL_CLEARING => {
                            self.abnormal += 1
                        }
                        _ => {}
                    }
                }
            }
            while let Some(f) = self.span.user.poll_frame() {
                moved = true;
                self.span.deliver_to_network(&f);
                while let Some((call, _, event)) = self.span.network.poll_event() {
                    match event {
                        LineEvent::Answered => self.holding.push_back((call, now + HOLD_MS)),
                        // The network clears every call itself: a Hangup means it failed.
                        LineEvent::Hangup { .. } => self.abnormal += 1,
                        _ => {}
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    fn check(&self) {
        assert_eq!(self.abnormal, 0, "calls failed under load");
        let refused = self.span.user.counters().messages_refused
            + self.span.network.counters().messages_refused;
        assert_eq!(refused, 0, "layer 2 refused layer-3 messages under load");
        assert!(
            self.completed == 0 || self.in_flight() >= B_CHANNELS - 1,
            "channels not kept busy"
        );
    }
}

/// Checks the load runs clean and prints what a call cycle costs on the D-channel.
fn report_d_channel_cost() {
    let mut load = Load::new();
    load.run(1000);
    let (o0, f0) = (load.span.octets, load.span.frames);
    load.run(3000);
    load.check();
    let calls = 3000.0;
    for (i, dir) in ["user->network", "network->user"].iter().enumerate() {
        let frames = (load.span.frames[i] - f0[i]) as f64 / calls;
        let lapd = (load.span.octets[i] - o0[i]) as f64 / calls;
        let wire = lapd + frames * HDLC_OVERHEAD as f64;
        eprintln!(
            "D-channel per call cycle, {dir}: {frames:.2} frames, {lapd:.1} LAPD octets, \
             ~{wire:.1} octets with HDLC flag+FCS -> ceiling {:.1} calls/s at 8000 octets/s",
            8000.0 / wire
        );
    }
}

fn calls_per_second(c: &mut Criterion) {
    report_d_channel_cost();
    let mut group = c.benchmark_group("calls_per_second");
    group.throughput(Throughput::Elements(1));
    let mut load = Load::new();
    group.bench_function("30_channels", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            load.run(iters);
            let elapsed = start.elapsed();
            load.check();
            elapsed
        })
    });
    group.finish();
}

criterion_group!(benches, call_setup, calls_per_second);
criterion_main!(benches);
