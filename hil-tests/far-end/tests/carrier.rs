//! The carrier over a real soft E1: a `SoftDevice` bound in a temp dir plays the box,
//! running a user-side PRI stack (`sim::UserSpan`) on a thread, clocked lock-step by the
//! rig. Everything the two stacks say crosses as HDLC on timeslot 16 of real BLOCKs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use far_end::sim::{lock_user_span as lock, Crossover, UserSpan};
use far_end::{
    CallDirection, CallStage, Carrier, CarrierAlarm, CarrierError, PlayItem, PriRole, ReleasedBy,
    Rig, BLOCK_MS, DEFAULT_MIN_SHARE,
};
use isdn::q931::CallState;
use line_boundary::{Cause, LineCommand, LineEvent, PhoneNumber};
use soft_hardware::{wait_readable, Block, ClockMode, DeviceKind, SoftDevice};

/// The "box": a soft E1 device whose blocks a user-side stack answers, one per block
/// received, as the media engine does in lock-step.
struct SoftBox {
    user: Arc<Mutex<UserSpan>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    rig: Rig,
    _dir: tempfile::TempDir,
}

impl SoftBox {
    fn start(user: UserSpan) -> SoftBox {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut dev = SoftDevice::bind(dir.path(), DeviceKind::E1, 1, ClockMode::LockStep)
            .expect("bind span1.sock");
        let user = Arc::new(Mutex::new(user));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (user, stop) = (Arc::clone(&user), Arc::clone(&stop));
            std::thread::spawn(move || {
                let (mut rx, mut tx) = (Block::idle(32), Block::idle(32));
                let mut now = 0;
                while !stop.load(Ordering::Relaxed) {
                    wait_readable(std::iter::once(&dev), Duration::from_millis(5)).expect("poll");
                    dev.poll_accept().expect("accept");
                    dev.receive().expect("receive");
                    while dev.has_block() {
                        dev.take_block(&mut rx);
                        lock(&user).tick(now, &rx, &mut tx);
                        dev.send_block(&tx).expect("send");
                        now += BLOCK_MS;
                    }
                }
            })
        };
        let rig = Rig::connect(
            dir.path(),
            &[("span1", DeviceKind::E1, 1)],
            ClockMode::LockStep,
        )
        .expect("rig connects");
        SoftBox {
            user,
            stop,
            thread: Some(thread),
            rig,
            _dir: dir,
        }
    }

    fn carrier(&mut self) -> &mut far_end::Carrier {
        self.rig.carrier_mut("span1").expect("span1 is a carrier")
    }

    /// Steps until `done` or `ms` of rig time pass; returns whether `done` held.
    fn step_until(&mut self, ms: u64, mut done: impl FnMut(&mut SoftBox) -> bool) -> bool {
        let end = self.rig.now_ms() + ms;
        while self.rig.now_ms() < end {
            if done(self) {
                return true;
            }
            self.rig.step().expect("rig steps");
        }
        done(self)
    }

    fn link_up(&mut self) {
        let up = self.step_until(3000, |b| b.carrier().link_up() && lock(&b.user).link_up());
        assert!(up, "link did not come up: {}", self.rig.state_summary());
    }

    /// Places `n` calls that the user side answers; waits until all are active on both
    /// sides (the box's side once CONNECT ACKNOWLEDGE arrived).
    fn answered_calls(&mut self, n: usize) {
        self.link_up();
        let now = self.rig.now_ms();
        self.carrier()
            .place_calls(now, n, Some("0201234"), "100")
            .expect("calls placed");
        let ok = self.step_until(10_000, |b| {
            let active = lock(&b.user)
                .calls()
                .iter()
                .filter(|c| c.state == CallState::Active)
                .count();
            b.carrier().answered_count() == n && active == n
        });
        assert!(ok, "not all answered: {}", self.rig.state_summary());
    }
}

impl Drop for SoftBox {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn auto_answering() -> UserSpan {
    let mut user = UserSpan::new();
    user.set_auto_answer(true);
    user
}

#[test]
fn link_comes_up_through_hdlc_on_timeslot_16() {
    let mut b = SoftBox::start(UserSpan::new());
    assert!(!b.carrier().link_up());
    b.link_up();
    assert!(
        b.rig.now_ms() <= 200,
        "SABME/UA takes a few blocks, took {}ms",
        b.rig.now_ms()
    );
    b.rig.run_for(200).unwrap();
    let (counters, bad) = b.carrier().counters();
    let user = lock(&b.user);
    assert!(
        counters.frames_in >= 1 && counters.frames_out >= 1,
        "{counters:?}"
    );
    assert_eq!(counters.link_ups, 1);
    assert_eq!((bad, user.bad_frames()), (0, 0));
    assert!(
        user.saw_idle_flags(),
        "an idle D-channel carries back-to-back HDLC flags"
    );
    assert!(!user.sees_alarm());
    drop(user);
    assert!(!b.carrier().box_rai());
    assert!(
        b.rig
            .state_summary()
            .starts_with("span1: E1 carrier (network side): link up"),
        "{}",
        b.rig.state_summary()
    );
}

#[test]
fn thirty_calls_are_placed_answered_and_released_with_a_cause() {
    let mut b = SoftBox::start(auto_answering());
    b.answered_calls(30);
    let now = b.rig.now_ms();
    assert_eq!(
        b.carrier().place_calls(now, 1, None, "100"),
        Err(CarrierError::NoChannels { asked: 1, free: 0 }),
        "an E1 has 30 B-channels"
    );
    {
        let user = lock(&b.user);
        let offered: Vec<_> = user
            .events()
            .iter()
            .filter_map(|e| match &e.event {
                LineEvent::IncomingCall {
                    calling, called, ..
                } => Some((calling.clone(), called.clone(), e.channel)),
                _ => None,
            })
            .collect();
        assert_eq!(offered.len(), 30);
        for (calling, called, _) in &offered {
            assert_eq!(calling.as_ref().map(PhoneNumber::as_str), Some("0201234"));
            assert_eq!(called.as_ref().map(PhoneNumber::as_str), Some("100"));
        }
        let mut user_channels: Vec<u8> = offered.iter().filter_map(|o| o.2).collect();
        user_channels.sort_unstable();
        let expected: Vec<u8> = (1..=31).filter(|&c| c != 16).collect();
        assert_eq!(
            user_channels, expected,
            "every B-channel once, never timeslot 16"
        );
    }
    let carrier = b.carrier();
    for (i, call) in carrier.calls().iter().enumerate() {
        assert_eq!(
            (call.number, call.direction, call.stage),
            (i + 1, CallDirection::ToBox, CallStage::Answered)
        );
        assert!(call.channel.is_some_and(|c| c != 16 && c != 0));
    }
    assert_eq!(carrier.live_calls().count(), 30);

    let now = b.rig.now_ms();
    assert_eq!(b.carrier().hang_up_all(now, 16), Ok(30));
    let cleared = b.step_until(5000, |b| {
        b.carrier().calls().iter().all(|c| c.cleared) && lock(&b.user).calls().is_empty()
    });
    assert!(cleared, "{}", b.rig.state_summary());
    for call in b.carrier().calls() {
        assert_eq!(
            (call.stage, call.cause, call.released_by),
            (CallStage::Released, Some(16), Some(ReleasedBy::Carrier))
        );
    }
    let user = lock(&b.user);
    let hangups = user
        .events()
        .iter()
        .filter(|e| e.event == LineEvent::Hangup { cause: Cause(16) })
        .count();
    assert_eq!(hangups, 30, "the box saw every DISCONNECT with cause 16");
    assert!(
        user.calls().is_empty(),
        "the box's stack cleared every call"
    );
    drop(user);
    let (counters, bad) = b.carrier().counters();
    assert_eq!(
        (counters.messages_refused, bad),
        (0, 0),
        "paced: Q.921 never refused a message"
    );
}

#[test]
fn tone_passes_both_ways_on_a_b_channel_and_nowhere_else() {
    let mut b = SoftBox::start(auto_answering());
    b.answered_calls(2);
    let ch2 = b
        .carrier()
        .call(2)
        .and_then(|c| c.channel)
        .expect("call 2 has a channel");
    let ch1 = b
        .carrier()
        .call(1)
        .and_then(|c| c.channel)
        .expect("call 1 has a channel");
    b.carrier()
        .mouth(2)
        .unwrap()
        .push(PlayItem::Tone {
            freq_hz: 1004,
            level_dbm0: -13.0,
            duration_ms: 1000,
        })
        .unwrap();
    lock(&b.user)
        .mouth(ch2)
        .unwrap()
        .push(PlayItem::Tone {
            freq_hz: 660,
            level_dbm0: -13.0,
            duration_ms: 1000,
        })
        .unwrap();
    b.rig.run_for(700).unwrap();
    let user = lock(&b.user);
    let box_hears =
        user.ear(ch2)
            .unwrap()
            .meter()
            .tone_run_ms(1004.0, -16.0, DEFAULT_MIN_SHARE, 500);
    let box_hears_on_1 =
        user.ear(ch1)
            .unwrap()
            .meter()
            .tone_run_ms(1004.0, -60.0, DEFAULT_MIN_SHARE, 100);
    drop(user);
    let carrier = b.carrier();
    let carrier_hears =
        carrier
            .ear(2)
            .unwrap()
            .meter()
            .tone_run_ms(660.0, -16.0, DEFAULT_MIN_SHARE, 500);
    let carrier_hears_on_1 =
        carrier
            .ear(1)
            .unwrap()
            .meter()
            .tone_run_ms(660.0, -60.0, DEFAULT_MIN_SHARE, 100);
    assert_eq!(
        (box_hears, carrier_hears),
        (500, 500),
        "1004 Hz to the box, 660 Hz back, at about -13 dBm0"
    );
    assert_eq!(
        (box_hears_on_1, carrier_hears_on_1),
        (0, 0),
        "no crosstalk onto call 1"
    );
}

#[test]
fn the_box_hangs_up_with_its_cause_and_calls_out_through_the_carrier() {
    let mut b = SoftBox::start(auto_answering());
    b.answered_calls(2);
    // The box clears call 1 with "user busy".
    let handle = {
        let user = lock(&b.user);
        let ch1 = b
            .rig
            .carrier("span1")
            .and_then(|c| c.call(1))
            .and_then(|c| c.channel);
        user.calls()
            .iter()
            .find(|c| c.channel == ch1)
            .map(|c| c.handle)
            .expect("the box knows call 1")
    };
    lock(&b.user).command(Some(handle), LineCommand::Hangup { cause: Cause(17) });
    let cleared = b.step_until(3000, |b| b.carrier().call(1).is_some_and(|c| c.cleared));
    assert!(cleared, "{}", b.rig.state_summary());
    let call = b.carrier().call(1).unwrap();
    assert_eq!(
        (call.stage, call.cause, call.released_by),
        (CallStage::Released, Some(17), Some(ReleasedBy::Box))
    );
    assert!(call.ear().is_none(), "a released call hears nothing");
    assert_eq!(
        b.carrier().call(2).unwrap().stage,
        CallStage::Answered,
        "the other call stays up"
    );

    // The box calls 0201234 through the carrier, which alerts, then answers.
    let called = PhoneNumber::parse("0201234").unwrap();
    let calling = Some(PhoneNumber::parse("201").unwrap());
    lock(&b.user).command(None, LineCommand::CallOut { calling, called });
    let offered = b.step_until(2000, |b| b.carrier().calls().len() == 3);
    assert!(offered, "{}", b.rig.state_summary());
    let call = b.carrier().call(3).unwrap();
    assert_eq!(call.direction, CallDirection::FromBox);
    assert_eq!(
        (call.called.as_deref(), call.calling.as_deref()),
        (Some("0201234"), Some("201"))
    );
    assert_eq!(call.stage, CallStage::Offered);
    b.rig.run_for(200).unwrap();
    assert!(
        lock(&b.user)
            .events()
            .iter()
            .any(|e| e.event == LineEvent::Alerting),
        "the carrier alerts at once"
    );
    let now = b.rig.now_ms();
    assert_eq!(b.carrier().answer_next(now), Ok(3));
    assert_eq!(
        b.carrier().answer_next(now),
        Err(CarrierError::NothingToAnswer),
        "one call, one answer"
    );
    let answered = b.step_until(1000, |b| {
        lock(&b.user)
            .events()
            .iter()
            .any(|e| e.event == LineEvent::Answered)
    });
    assert!(answered, "the box sees CONNECT: {}", b.rig.state_summary());
    assert_eq!(b.carrier().call(3).unwrap().stage, CallStage::Answered);
    assert_eq!(
        b.carrier().hang_up(now, 9, 16),
        Err(CarrierError::NoSuchCall(9))
    );
    assert_eq!(
        b.carrier().hang_up(now, 1, 16),
        Err(CarrierError::Released(1))
    );
    assert_eq!(
        b.carrier().hang_up(now, 3, 0),
        Err(CarrierError::BadCause(0))
    );
}

#[test]
fn los_drops_the_link_and_it_recovers_after_clear() {
    let mut b = SoftBox::start(auto_answering());
    b.answered_calls(1);
    let now = b.rig.now_ms();
    b.carrier().set_alarm(now, Some(CarrierAlarm::Los));
    assert!(!b.carrier().link_up(), "our side drops at once");
    b.rig.step().unwrap();
    assert!(
        lock(&b.user).sees_alarm(),
        "the box sees LOS in the next block"
    );
    assert!(!lock(&b.user).link_up());
    b.rig.step().unwrap();
    assert!(b.carrier().box_rai(), "the box answers LOS with RAI");
    assert!(
        b.rig.state_summary().contains("sending LOS; box sends RAI"),
        "{}",
        b.rig.state_summary()
    );
    b.rig.run_for(2000).unwrap();
    assert!(
        !b.carrier().link_up() && !lock(&b.user).link_up(),
        "no link while the cable is out"
    );
    let now = b.rig.now_ms();
    assert_eq!(
        b.carrier().place_calls(now, 1, None, "100"),
        Err(CarrierError::LinkDown)
    );

    let now = b.rig.now_ms();
    b.carrier().set_alarm(now, None);
    b.link_up();
    assert!(!b.carrier().box_rai(), "RAI clears with the alarm");
    assert_eq!(b.carrier().counters().0.link_ups, 2);
    // Active calls survive a short layer-2 loss (T309) and carry audio again.
    assert_eq!(b.carrier().call(1).unwrap().stage, CallStage::Answered);
    let ch = b.carrier().call(1).and_then(|c| c.channel).unwrap();
    b.carrier()
        .mouth(1)
        .unwrap()
        .push(PlayItem::Tone {
            freq_hz: 1004,
            level_dbm0: -13.0,
            duration_ms: 600,
        })
        .unwrap();
    b.rig.run_for(600).unwrap();
    let heard =
        lock(&b.user)
            .ear(ch)
            .unwrap()
            .meter()
            .tone_run_ms(1004.0, -16.0, DEFAULT_MIN_SHARE, 400);
    assert_eq!(heard, 400);

    // AIS takes the link down the same way.
    let now = b.rig.now_ms();
    b.carrier().set_alarm(now, Some(CarrierAlarm::Ais));
    b.rig.run_for(100).unwrap();
    assert!(lock(&b.user).sees_alarm() && b.carrier().box_rai() && !lock(&b.user).link_up());
    let now = b.rig.now_ms();
    b.carrier().set_alarm(now, None);
    b.link_up();
}

/// Facing a box that plays the network (`signalling = "pri-net"`), the carrier is the
/// user side: it hunts B-channels from the top and prefers (the network confirms), and
/// takes the box's calls on the channels the box names.
#[test]
fn a_user_side_carrier_calls_a_network_side_box_and_takes_its_calls() {
    let mut network_box = UserSpan::with_role(PriRole::Network);
    network_box.set_auto_answer(true);
    let mut b = SoftBox::start(network_box);
    // Before the rig's first step, so no block was exchanged with the old carrier.
    *b.carrier() = Carrier::with_role(PriRole::User);
    assert_eq!(b.carrier().role(), PriRole::User);
    b.answered_calls(2);
    assert!(
        b.rig
            .state_summary()
            .starts_with("span1: E1 carrier (user side): link up"),
        "{}",
        b.rig.state_summary()
    );
    let channels: Vec<Option<u8>> = b.carrier().calls().iter().map(|c| c.channel).collect();
    assert_eq!(
        channels,
        vec![Some(31), Some(30)],
        "the user side hunts from the top"
    );
    {
        let user = lock(&b.user);
        let offered: Vec<Option<u8>> = user
            .events()
            .iter()
            .filter(|e| matches!(e.event, LineEvent::IncomingCall { .. }))
            .map(|e| e.channel)
            .collect();
        assert_eq!(
            offered,
            vec![Some(31), Some(30)],
            "the network granted them"
        );
    }

    // Audio both ways on call 1 (B31).
    b.carrier()
        .mouth(1)
        .unwrap()
        .push(PlayItem::Tone {
            freq_hz: 1004,
            level_dbm0: -13.0,
            duration_ms: 1000,
        })
        .unwrap();
    lock(&b.user)
        .mouth(31)
        .unwrap()
        .push(PlayItem::Tone {
            freq_hz: 660,
            level_dbm0: -13.0,
            duration_ms: 1000,
        })
        .unwrap();
    b.rig.run_for(700).unwrap();
    let box_hears =
        lock(&b.user)
            .ear(31)
            .unwrap()
            .meter()
            .tone_run_ms(1004.0, -16.0, DEFAULT_MIN_SHARE, 500);
    let carrier_hears =
        b.carrier()
            .ear(1)
            .unwrap()
            .meter()
            .tone_run_ms(660.0, -16.0, DEFAULT_MIN_SHARE, 500);
    assert_eq!((box_hears, carrier_hears), (500, 500));

    // The box (network) calls out to the carrier: it names B1 exclusively.
    let called = PhoneNumber::parse("0201234").unwrap();
    let calling = Some(PhoneNumber::parse("201").unwrap());
    lock(&b.user).command(None, LineCommand::CallOut { calling, called });
    let offered = b.step_until(2000, |b| {
        b.carrier()
            .call(3)
            .is_some_and(|c| c.stage == CallStage::Offered)
    });
    assert!(offered, "{}", b.rig.state_summary());
    let call = b.carrier().call(3).unwrap();
    assert_eq!(
        (
            call.direction,
            call.channel,
            call.called.as_deref(),
            call.calling.as_deref()
        ),
        (
            CallDirection::FromBox,
            Some(1),
            Some("0201234"),
            Some("201")
        )
    );
    let alerted = b.step_until(1000, |b| {
        lock(&b.user)
            .events()
            .iter()
            .any(|e| e.event == LineEvent::Alerting)
    });
    assert!(
        alerted,
        "CALL PROCEEDING and ALERTING: {}",
        b.rig.state_summary()
    );
    let now = b.rig.now_ms();
    assert_eq!(b.carrier().answer_next(now), Ok(3));
    let answered = b.step_until(1000, |b| {
        lock(&b.user)
            .events()
            .iter()
            .any(|e| e.event == LineEvent::Answered)
    });
    assert!(answered, "the box sees CONNECT: {}", b.rig.state_summary());
    // The user side's answer is done once CONNECT ACKNOWLEDGE came back.
    let active = b.step_until(1000, |b| {
        lock(&b.user)
            .calls()
            .iter()
            .filter(|c| c.state == CallState::Active)
            .count()
            == 3
    });
    assert!(active, "{}", b.rig.state_summary());
    assert_eq!(b.carrier().open_calls().count(), 3);

    let now = b.rig.now_ms();
    assert_eq!(b.carrier().hang_up_all(now, 16), Ok(3));
    let cleared = b.step_until(5000, |b| {
        b.carrier().open_calls().next().is_none() && lock(&b.user).calls().is_empty()
    });
    assert!(cleared, "{}", b.rig.state_summary());
    for call in b.carrier().calls() {
        assert_eq!(
            (call.cause, call.released_by),
            (Some(16), Some(ReleasedBy::Carrier))
        );
    }
    let (counters, bad) = b.carrier().counters();
    assert_eq!((counters.messages_refused, bad), (0, 0));
}

/// Two carriers cabled back to back, one on each side of the PRI: the link comes up and
/// calls complete both ways, each side seeing the other's numbers, answer and cause.
#[test]
fn two_carriers_back_to_back_network_and_user_call_each_other() {
    let mut rig = Rig::simulated(
        &[("net", DeviceKind::E1, 1), ("user", DeviceKind::E1, 2)],
        Box::new(Crossover::new(&[("net", "user")])),
    )
    .unwrap();
    *rig.carrier_mut("user").unwrap() = Carrier::with_role(PriRole::User);
    let step_until = |rig: &mut Rig, ms: u64, done: &dyn Fn(&Rig) -> bool| -> bool {
        let end = rig.now_ms() + ms;
        while rig.now_ms() < end {
            if done(rig) {
                return true;
            }
            rig.step().unwrap();
        }
        done(rig)
    };
    let up = step_until(&mut rig, 3000, &|r| {
        r.carrier("net").unwrap().link_up() && r.carrier("user").unwrap().link_up()
    });
    assert!(up, "{}", rig.state_summary());
    assert!(
        rig.state_summary()
            .contains("user: E1 carrier (user side): link up"),
        "{}",
        rig.state_summary()
    );

    // Network → user: 3 calls on B1, B2, B3 (exclusive, upward).
    let now = rig.now_ms();
    rig.carrier_mut("net")
        .unwrap()
        .place_calls(now, 3, Some("0201234"), "100")
        .unwrap();
    let net = rig.carrier("net").unwrap();
    assert!(
        net.open_calls().all(|c| c.stage == CallStage::Queued) && net.open_calls().count() == 3,
        "queued calls are open"
    );
    let offered = step_until(&mut rig, 2000, &|r| {
        r.carrier("user")
            .unwrap()
            .calls()
            .iter()
            .filter(|c| c.stage == CallStage::Offered)
            .count()
            == 3
    });
    assert!(offered, "{}", rig.state_summary());
    let user = rig.carrier("user").unwrap();
    let at_user: Vec<_> = user
        .calls()
        .iter()
        .map(|c| {
            (
                c.direction,
                c.channel,
                c.calling.as_deref(),
                c.called.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        at_user,
        (1..=3)
            .map(|ch| (
                CallDirection::FromBox,
                Some(ch),
                Some("0201234"),
                Some("100")
            ))
            .collect::<Vec<_>>()
    );
    let alerting = step_until(&mut rig, 1000, &|r| {
        r.carrier("net")
            .unwrap()
            .calls()
            .iter()
            .all(|c| c.stage == CallStage::Alerting)
    });
    assert!(alerting, "{}", rig.state_summary());
    let now = rig.now_ms();
    for n in 1..=3 {
        assert_eq!(rig.carrier_mut("user").unwrap().answer_next(now), Ok(n));
    }
    let answered = step_until(&mut rig, 2000, &|r| {
        r.carrier("net").unwrap().answered_count() == 3
            && r.carrier("user").unwrap().answered_count() == 3
    });
    assert!(answered, "{}", rig.state_summary());

    // User → network: from the top (B31), preferred; the network grants it.
    let now = rig.now_ms();
    rig.carrier_mut("user")
        .unwrap()
        .place_calls(now, 1, Some("201"), "0301234")
        .unwrap();
    let offered = step_until(&mut rig, 2000, &|r| {
        r.carrier("net")
            .unwrap()
            .call(4)
            .is_some_and(|c| c.stage == CallStage::Offered)
    });
    assert!(offered, "{}", rig.state_summary());
    let at_net = rig.carrier("net").unwrap().call(4).unwrap();
    assert_eq!(
        (
            at_net.direction,
            at_net.channel,
            at_net.calling.as_deref(),
            at_net.called.as_deref()
        ),
        (
            CallDirection::FromBox,
            Some(31),
            Some("201"),
            Some("0301234")
        )
    );
    let now = rig.now_ms();
    assert_eq!(rig.carrier_mut("net").unwrap().answer_next(now), Ok(4));
    let answered = step_until(&mut rig, 2000, &|r| {
        r.carrier("user")
            .unwrap()
            .call(4)
            .is_some_and(|c| c.stage == CallStage::Answered && c.channel == Some(31))
    });
    assert!(answered, "{}", rig.state_summary());

    // Audio on the user's call, both ways.
    let tone = |freq_hz| PlayItem::Tone {
        freq_hz,
        level_dbm0: -13.0,
        duration_ms: 800,
    };
    rig.carrier_mut("user")
        .unwrap()
        .mouth(4)
        .unwrap()
        .push(tone(1004))
        .unwrap();
    rig.carrier_mut("net")
        .unwrap()
        .mouth(4)
        .unwrap()
        .push(tone(660))
        .unwrap();
    rig.run_for(600).unwrap();
    let heard = |name: &str, freq: f32| {
        rig.carrier(name)
            .unwrap()
            .ear(4)
            .unwrap()
            .meter()
            .tone_run_ms(freq, -16.0, DEFAULT_MIN_SHARE, 400)
    };
    assert_eq!((heard("net", 1004.0), heard("user", 660.0)), (400, 400));

    // The user side clears everything with cause 17; the network sees it from the far end.
    let now = rig.now_ms();
    assert_eq!(rig.carrier_mut("user").unwrap().hang_up_all(now, 17), Ok(4));
    let cleared = step_until(&mut rig, 5000, &|r| {
        r.carrier("net").unwrap().open_calls().next().is_none()
            && r.carrier("user").unwrap().open_calls().next().is_none()
    });
    assert!(cleared, "{}", rig.state_summary());
    for call in rig.carrier("net").unwrap().calls() {
        assert_eq!(
            (call.cause, call.released_by),
            (Some(17), Some(ReleasedBy::Box))
        );
    }
}
