//! Our Q.921 against libpri's, in real time over a simulated D-channel.

use std::time::Duration;

use isdn::q921::{decode, Control, LapdEvent, LapdState, Role, Supervisory, Timers};
use isdn_conformance::harness::{Dir, PriHarness};
use isdn_conformance::libpri::{CallSetup, PriEventKind, PriTimer};

const UP_WITHIN: Duration = Duration::from_secs(5);

fn up(h: &PriHarness) -> bool {
    h.pri_count(PriEventKind::DchanUp) > 0 && h.ours.state() == LapdState::MultipleFrameEstablished
}

fn bring_up(role: Role, timers: Timers, through_hdlc: bool) -> PriHarness {
    let mut h = PriHarness::new(role, timers, through_hdlc).expect("libpri");
    let now = h.now_ms();
    h.ours.establish(now);
    assert!(
        h.run_until(UP_WITHIN, up),
        "link never came up: ours {:?}, libpri {:?}, wire {:?}",
        h.ours.state(),
        h.pri_events,
        h.log
    );
    h
}

/// Q.931 message type of a DL-DATA payload (protocol discriminator 8, 2-octet call reference).
fn q931_type(m: &[u8]) -> Option<u8> {
    (m.first() == Some(&0x08) && m.get(1) == Some(&2))
        .then(|| m.get(4).copied())
        .flatten()
}

fn setup_from_libpri(h: &mut PriHarness) {
    let call = h.pri.new_call().expect("call");
    h.pri
        .setup(
            call,
            &CallSetup {
                channel: 1,
                exclusive: true,
                called: "5551234".into(),
                calling: "2125550100".into(),
                calling_name: "".into(),
                complete: true,
            },
        )
        .expect("pri_setup");
    assert!(
        h.run_until(Duration::from_secs(3), |h| h
            .our_data()
            .iter()
            .any(|m| q931_type(m) == Some(0x05))),
        "no SETUP reached our stack: {:?}",
        h.our_events
    );
}

fn i_frames(h: &PriHarness, dir: Dir) -> usize {
    h.log
        .iter()
        .filter(|(_, d, f)| {
            *d == dir && matches!(decode(f).map(|f| f.control), Ok(Control::I { .. }))
        })
        .count()
}

#[test]
fn our_te_against_libpri_nt_through_hdlc() {
    let _g = isdn_conformance::libpri_lock();
    let mut h = bring_up(Role::User, Timers::default(), true);
    assert_eq!(h.our_events.first(), Some(&LapdEvent::Established));
    assert_eq!(
        h.pri_count(PriEventKind::DchanDown),
        0,
        "{:?}",
        h.pri_events
    );

    // libpri → us: a SETUP in an I frame, acknowledged so libpri never repeats it.
    setup_from_libpri(&mut h);
    h.run_for(Duration::from_millis(2_500));
    let setups: Vec<_> = h
        .our_data()
        .into_iter()
        .filter(|m| q931_type(m) == Some(0x05))
        .collect();
    assert_eq!(setups.len(), 1, "delivered exactly once");
    assert_eq!(
        i_frames(&h, Dir::PriToOurs),
        1,
        "libpri did not retransmit: our acks work"
    );

    // us → libpri: a STATUS ENQUIRY on libpri's call reference; libpri answers STATUS.
    let setup = &setups[0];
    let enquiry = [0x08, 0x02, setup[2] ^ 0x80, setup[3], 0x75];
    let now = h.now_ms();
    h.ours.send(now, &enquiry).unwrap();
    assert!(
        h.run_until(Duration::from_secs(3), |h| h
            .our_data()
            .iter()
            .any(|m| q931_type(m) == Some(0x7D))),
        "no STATUS from libpri: {:?}",
        h.our_data()
    );
    assert_eq!(h.ours.queued(), 0, "libpri acknowledged our I frame");
    assert!(
        h.our_events
            .iter()
            .all(|e| !matches!(e, LapdEvent::Error(_))),
        "{:?}",
        h.our_events
    );
}

#[test]
fn our_nt_against_libpri_cpe() {
    let _g = isdn_conformance::libpri_lock();
    let mut h = bring_up(Role::Network, Timers::default(), false);
    assert_eq!(h.pri_count(PriEventKind::DchanDown), 0);
    setup_from_libpri(&mut h);
    h.run_for(Duration::from_millis(1_500));
    assert_eq!(i_frames(&h, Dir::PriToOurs), 1);
    assert!(
        h.our_events
            .iter()
            .all(|e| !matches!(e, LapdEvent::Error(_))),
        "{:?}",
        h.our_events
    );
}

#[test]
fn idle_link_supervision_with_libpri() {
    let _g = isdn_conformance::libpri_lock();
    let timers = Timers {
        t203_ms: 700,
        ..Timers::default()
    };
    let mut h = PriHarness::new(Role::User, timers, true).expect("libpri");
    h.pri.set_timer(PriTimer::T203, 1_000).unwrap();
    assert_eq!(h.pri.get_timer(PriTimer::T203), 1_000);
    let now = h.now_ms();
    h.ours.establish(now);
    assert!(h.run_until(UP_WITHIN, up));
    h.run_for(Duration::from_millis(3_500));
    // Our polls (RR command P=1) got answered (RR response F=1) and vice versa.
    let polls = |dir| {
        h.log
            .iter()
            .filter(|(_, d, f)| {
                *d == dir
                    && matches!(
                        decode(f).map(|f| f.control),
                        Ok(Control::S {
                            kind: Supervisory::Rr,
                            pf: true,
                            ..
                        })
                    )
            })
            .count()
    };
    assert!(
        polls(Dir::OursToPri) >= 3,
        "our T203 polls / answers: {:?}",
        h.log
    );
    assert!(
        polls(Dir::PriToOurs) >= 3,
        "libpri's answers / polls: {:?}",
        h.log
    );
    assert_eq!(
        h.pri_count(PriEventKind::DchanDown),
        0,
        "{:?}",
        h.pri_events
    );
    assert_eq!(h.our_events, vec![LapdEvent::Established]);
    assert_eq!(h.ours.state(), LapdState::MultipleFrameEstablished);
}

fn recovery(role: Role) {
    let timers = Timers {
        t200_ms: 300,
        t203_ms: 1_000,
        ..Timers::default()
    };
    let mut h = PriHarness::new(role, timers, true).expect("libpri");
    h.pri.set_timer(PriTimer::T200, 300).unwrap();
    h.pri.set_timer(PriTimer::T203, 1_000).unwrap();
    let now = h.now_ms();
    h.ours.establish(now);
    assert!(h.run_until(UP_WITHIN, up));

    // The line goes deaf both ways until both ends notice.
    h.drop_ours_to_pri = true;
    h.drop_pri_to_ours = true;
    assert!(
        h.run_until(Duration::from_secs(6), |h| h
            .pri_count(PriEventKind::DchanDown)
            > 0
            && h.ours.state() != LapdState::MultipleFrameEstablished
            && h.ours.state() != LapdState::TimerRecovery),
        "loss not detected: ours {:?}, libpri {:?}",
        h.ours.state(),
        h.pri_events
    );
    assert!(
        h.our_events
            .contains(&LapdEvent::Error(isdn::q921::MdlError::EnquiryTimeout)),
        "{:?}",
        h.our_events
    );

    // The line heals: both bring the link back by themselves.
    h.drop_ours_to_pri = false;
    h.drop_pri_to_ours = false;
    let ups_before = h.pri_count(PriEventKind::DchanUp);
    assert!(
        h.run_until(Duration::from_secs(6), |h| h
            .pri_count(PriEventKind::DchanUp)
            > ups_before
            && h.ours.state() == LapdState::MultipleFrameEstablished),
        "no recovery: ours {:?}, libpri {:?}",
        h.ours.state(),
        h.pri_events
    );
    // Our side re-established on its own (data-link initiated, nothing lost: per Q.921
    // no new DL-ESTABLISH indication unless it had released in between).
    let released = h.our_events.contains(&LapdEvent::Released);
    if released {
        assert_eq!(
            h.our_events
                .iter()
                .filter(|e| **e == LapdEvent::Established)
                .count(),
            2,
            "{:?}",
            h.our_events
        );
    }
    // And it carries traffic again.
    setup_from_libpri(&mut h);
}

#[test]
fn link_recovers_after_frames_dropped_te() {
    let _g = isdn_conformance::libpri_lock();
    recovery(Role::User);
}

#[test]
fn link_recovers_after_frames_dropped_nt() {
    let _g = isdn_conformance::libpri_lock();
    recovery(Role::Network);
}

#[test]
fn layer1_loss_and_return_against_libpri() {
    let _g = isdn_conformance::libpri_lock();
    let timers = Timers {
        t200_ms: 300,
        ..Timers::default()
    };
    let mut h = PriHarness::new(Role::User, timers, true).expect("libpri");
    h.pri.set_timer(PriTimer::T200, 300).unwrap();
    let now = h.now_ms();
    h.ours.establish(now);
    assert!(h.run_until(UP_WITHIN, up));
    // Cable pulled for a second: we see layer 1 go, libpri just hears nothing.
    let now = h.now_ms();
    h.ours.physical_down(now);
    h.drop_pri_to_ours = true;
    h.run_for(Duration::from_millis(1_000));
    assert_eq!(h.ours.state(), LapdState::TeiAssigned);
    assert_eq!(h.our_events.last(), Some(&LapdEvent::Released));
    h.drop_pri_to_ours = false;
    let now = h.now_ms();
    h.ours.physical_up(now);
    assert!(h.run_until(UP_WITHIN, |h| h.ours.state()
        == LapdState::MultipleFrameEstablished));
    assert_eq!(h.our_events.last(), Some(&LapdEvent::Established));
    setup_from_libpri(&mut h);
}
