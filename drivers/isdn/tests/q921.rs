//! Q.921 LAPD: our TE against our NT in lock-step, plus frame-level scripts.

use isdn::q921::{
    decode, Address, Control, Lapd, LapdEvent, LapdFrame, LapdState, MdlError, Role, Supervisory,
    Timers, Unnumbered, N201,
};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    TeToNt,
    NtToTe,
}

type DropFn = Box<dyn FnMut(u64, Dir, &[u8]) -> bool>;

/// Two data link entities joined by a wire that may lose frames, stepped in lock-step.
struct Link {
    te: Lapd,
    nt: Lapd,
    now: u64,
    /// Returns true to lose the frame.
    drop: Option<DropFn>,
    te_events: Vec<LapdEvent>,
    nt_events: Vec<LapdEvent>,
    /// Every frame put on the wire (including lost ones), with its time.
    log: Vec<(u64, Dir, Vec<u8>)>,
}

impl Link {
    fn new(timers: Timers) -> Self {
        Link {
            te: Lapd::new(Role::User, timers),
            nt: Lapd::new(Role::Network, timers),
            now: 0,
            drop: None,
            te_events: Vec::new(),
            nt_events: Vec::new(),
            log: Vec::new(),
        }
    }

    fn established() -> Self {
        let mut link = Link::new(Timers::default());
        link.te.establish(0);
        link.shuttle();
        assert_eq!(link.te.state(), LapdState::MultipleFrameEstablished);
        assert_eq!(link.nt.state(), LapdState::MultipleFrameEstablished);
        link.te_events.clear();
        link.nt_events.clear();
        link.log.clear();
        link
    }

    /// Move frames both ways until the wire is quiet.
    fn shuttle(&mut self) {
        for _ in 0..10_000 {
            let mut moved = false;
            while let Some(f) = self.te.poll_transmit() {
                moved = true;
                self.log.push((self.now, Dir::TeToNt, f.to_vec()));
                if !self
                    .drop
                    .as_mut()
                    .is_some_and(|d| d(self.now, Dir::TeToNt, &f))
                {
                    self.nt.handle_frame(self.now, &f);
                }
            }
            while let Some(f) = self.nt.poll_transmit() {
                moved = true;
                self.log.push((self.now, Dir::NtToTe, f.to_vec()));
                if !self
                    .drop
                    .as_mut()
                    .is_some_and(|d| d(self.now, Dir::NtToTe, &f))
                {
                    self.te.handle_frame(self.now, &f);
                }
            }
            while let Some(e) = self.te.poll_event() {
                self.te_events.push(e);
            }
            while let Some(e) = self.nt.poll_event() {
                self.nt_events.push(e);
            }
            if !moved {
                return;
            }
        }
        panic!("the link never went quiet");
    }

    /// Advance time to `until`, firing every deadline on the way.
    fn advance_to(&mut self, until: u64) {
        self.shuttle();
        loop {
            let next = [self.te.poll_timeout(), self.nt.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    if self.te.poll_timeout().is_some_and(|d| d <= self.now) {
                        self.te.handle_timeout(self.now);
                    }
                    if self.nt.poll_timeout().is_some_and(|d| d <= self.now) {
                        self.nt.handle_timeout(self.now);
                    }
                    self.shuttle();
                }
                _ => break,
            }
        }
        self.now = until;
        self.shuttle();
    }

    fn run(&mut self, ms: u64) {
        self.advance_to(self.now + ms);
    }

    fn data(events: &[LapdEvent]) -> Vec<Vec<u8>> {
        events
            .iter()
            .filter_map(|e| match e {
                LapdEvent::Data(d) => Some(d.to_vec()),
                _ => None,
            })
            .collect()
    }

    fn frames(&self, dir: Dir) -> Vec<(u64, LapdFrame<'_>)> {
        self.log
            .iter()
            .filter(|(_, d, _)| *d == dir)
            .map(|(t, _, f)| (*t, decode(f).expect("we only send valid frames")))
            .collect()
    }
}

fn count_i(frames: &[(u64, LapdFrame<'_>)]) -> usize {
    frames
        .iter()
        .filter(|(_, f)| matches!(f.control, Control::I { .. }))
        .count()
}

fn frame(cr: bool, control: Control, info: &[u8]) -> Vec<u8> {
    LapdFrame {
        address: Address {
            sapi: 0,
            cr,
            tei: 0,
        },
        control,
        info,
    }
    .encode()
    .expect("valid frame")
    .to_vec()
}

#[test]
fn te_establishes_and_bytes_are_per_q921() {
    let mut link = Link::new(Timers::default());
    link.te.establish(0);
    link.shuttle();
    // SABME command from the user: C/R = 0, P = 1; UA response from the network: C/R = 0, F = 1.
    assert_eq!(link.log[0], (0, Dir::TeToNt, vec![0x00, 0x01, 0x7F]));
    assert_eq!(link.log[1], (0, Dir::NtToTe, vec![0x00, 0x01, 0x73]));
    assert_eq!(link.te_events, vec![LapdEvent::Established]);
    assert_eq!(link.nt_events, vec![LapdEvent::Established]);
    assert_eq!(link.te.poll_timeout(), Some(10_000), "T203 running");
}

#[test]
fn nt_establishes_with_network_cr_bits() {
    let mut link = Link::new(Timers::default());
    link.nt.establish(0);
    link.shuttle();
    // SABME command from the network: C/R = 1; UA response from the user: C/R = 1.
    assert_eq!(link.log[0].2, vec![0x02, 0x01, 0x7F]);
    assert_eq!(link.log[1].2, vec![0x02, 0x01, 0x73]);
    assert!(link.te.is_established() && link.nt.is_established());
}

#[test]
fn simultaneous_establishment_settles_once() {
    let mut link = Link::new(Timers::default());
    link.te.establish(0);
    link.nt.establish(0);
    link.run(5_000);
    assert!(link.te.is_established() && link.nt.is_established());
    assert_eq!(link.te_events, vec![LapdEvent::Established]);
    assert_eq!(link.nt_events, vec![LapdEvent::Established]);
}

#[test]
fn data_flows_both_ways_in_order_and_is_acknowledged() {
    let mut link = Link::established();
    for i in 0..20u8 {
        link.te.send(link.now, &[0x08, i]).unwrap();
        link.nt.send(link.now, &[0x08, 0x80 | i]).unwrap();
        link.run(10);
    }
    link.run(100);
    let to_nt: Vec<Vec<u8>> = (0..20u8).map(|i| vec![0x08, i]).collect();
    let to_te: Vec<Vec<u8>> = (0..20u8).map(|i| vec![0x08, 0x80 | i]).collect();
    assert_eq!(Link::data(&link.nt_events), to_nt);
    assert_eq!(Link::data(&link.te_events), to_te);
    assert_eq!(link.te.queued(), 0, "all acknowledged");
    assert_eq!(link.nt.queued(), 0, "all acknowledged");
    assert_eq!(
        link.te.poll_timeout(),
        Some(190 + 10_000),
        "T203 from the last ack, not T200"
    );
}

#[test]
fn rejects_oversized_message() {
    let mut link = Link::established();
    assert!(link.te.send(0, &[0u8; N201 + 1]).is_err());
    assert!(link.te.send(0, &[0u8; N201]).is_ok());
    link.shuttle();
    assert_eq!(Link::data(&link.nt_events), vec![vec![0u8; N201]]);
}

#[test]
fn lost_i_frame_is_retransmitted_after_t200() {
    let mut link = Link::established();
    let mut dropped = false;
    link.drop = Some(Box::new(move |_, dir, f| {
        let is_i = matches!(decode(f).map(|f| f.control), Ok(Control::I { .. }));
        if dir == Dir::TeToNt && is_i && !dropped {
            dropped = true;
            return true;
        }
        false
    }));
    link.te.send(0, b"SETUP").unwrap();
    link.shuttle();
    assert!(Link::data(&link.nt_events).is_empty());
    link.advance_to(999);
    assert!(
        Link::data(&link.nt_events).is_empty(),
        "nothing before T200"
    );
    link.advance_to(1_000);
    assert_eq!(Link::data(&link.nt_events), vec![b"SETUP".to_vec()]);
    assert_eq!(link.te.state(), LapdState::MultipleFrameEstablished);
    // Timer recovery by enquiry: RR command P=1 from TE at T200, RR F=1 back.
    let te = link.frames(Dir::TeToNt);
    assert!(te.iter().any(|(t, f)| *t == 1_000
        && f.control
            == Control::S {
                kind: Supervisory::Rr,
                nr: 0,
                pf: true
            }
        && !f.address.cr));
    link.run(5_000);
    assert_eq!(
        Link::data(&link.nt_events).len(),
        1,
        "delivered exactly once"
    );
    assert_eq!(link.te.queued(), 0);
}

#[test]
fn out_of_sequence_i_frame_triggers_rej_recovery_without_waiting() {
    let mut link = Link::established();
    let mut n = 0;
    link.drop = Some(Box::new(move |_, dir, f| {
        if dir == Dir::TeToNt && matches!(decode(f).map(|f| f.control), Ok(Control::I { .. })) {
            n += 1;
            return n == 2;
        }
        false
    }));
    for m in [b"one", b"two", b"thr"] {
        link.te.send(0, m).unwrap();
    }
    link.shuttle();
    assert_eq!(link.now, 0);
    assert_eq!(
        Link::data(&link.nt_events),
        vec![b"one".to_vec(), b"two".to_vec(), b"thr".to_vec()]
    );
    let nt = link.frames(Dir::NtToTe);
    assert!(nt.iter().any(|(_, f)| matches!(
        f.control,
        Control::S {
            kind: Supervisory::Rej,
            nr: 1,
            ..
        }
    )));
    assert_eq!(link.te.queued(), 0);
}

#[test]
fn window_of_k_frames_then_wait_for_acknowledgement() {
    let mut link = Link::established();
    // The NT's acknowledgements are lost until t = 2500.
    let now = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let clock = now.clone();
    link.drop = Some(Box::new(move |_, dir, _| {
        dir == Dir::NtToTe && clock.get() < 2_500
    }));
    for i in 0..10u8 {
        link.te.send(0, &[i]).unwrap();
    }
    link.shuttle();
    assert_eq!(
        count_i(&link.frames(Dir::TeToNt)),
        7,
        "k = 7 outstanding at most"
    );
    assert_eq!(link.te.queued(), 10);
    for t in (0..=6_000).step_by(100) {
        now.set(t);
        link.advance_to(t);
    }
    let want: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i]).collect();
    assert_eq!(Link::data(&link.nt_events), want, "in order, exactly once");
    assert_eq!(link.te.queued(), 0);
    assert!(link.te.is_established());
    // Never more than k unacknowledged: no I frame with N(S) ≥ 7 before the first ack got through.
    let early_ns: Vec<u8> = link
        .frames(Dir::TeToNt)
        .iter()
        .filter(|(t, _)| *t < 2_500)
        .filter_map(|(_, f)| match f.control {
            Control::I { ns, .. } => Some(ns),
            _ => None,
        })
        .collect();
    assert!(early_ns.iter().all(|&ns| ns < 7), "{early_ns:?}");
}

#[test]
fn t203_idle_poll_keeps_link_up() {
    let mut link = Link::established();
    link.run(9_999);
    assert!(link.log.is_empty(), "quiet before T203");
    link.run(1);
    // Both sides started T203 at t=0: each polls (RR command P=1) and gets RR F=1.
    let te = link.frames(Dir::TeToNt);
    assert!(te.iter().any(|(t, f)| *t == 10_000
        && f.control
            == Control::S {
                kind: Supervisory::Rr,
                nr: 0,
                pf: true
            }
        && !f.address.cr));
    let nt = link.frames(Dir::NtToTe);
    assert!(nt.iter().any(|(_, f)| f.control
        == Control::S {
            kind: Supervisory::Rr,
            nr: 0,
            pf: true
        }));
    assert_eq!(link.te.state(), LapdState::MultipleFrameEstablished);
    assert_eq!(link.nt.state(), LapdState::MultipleFrameEstablished);
    link.run(60_000);
    assert!(
        link.te_events.is_empty() && link.nt_events.is_empty(),
        "{:?}",
        link.te_events
    );
}

#[test]
fn dead_peer_detected_by_t203_then_n200_and_link_recovers() {
    let mut link = Link::established();
    let cut = std::rc::Rc::new(std::cell::Cell::new(true));
    let c = cut.clone();
    link.drop = Some(Box::new(move |_, _, _| c.get()));
    link.run(10_000 + 3 * 1_000);
    assert_eq!(
        link.te.state(),
        LapdState::TimerRecovery,
        "still enquiring after 1 + 3 polls"
    );
    link.run(1_000);
    // 1 + N200 enquiries unanswered → MDL-ERROR I and re-establishment.
    assert!(link
        .te_events
        .contains(&LapdEvent::Error(MdlError::EnquiryTimeout)));
    assert_eq!(link.te.state(), LapdState::AwaitingEstablishment);
    link.run(4_000);
    assert!(link
        .te_events
        .contains(&LapdEvent::Error(MdlError::EstablishTimeout)));
    assert!(link.te_events.contains(&LapdEvent::Released));
    // Persistent: keeps trying; heals once the wire is back.
    cut.set(false);
    link.run(3_000);
    assert!(link.te.is_established() && link.nt.is_established());
    assert_eq!(link.te_events.last(), Some(&LapdEvent::Established));
    link.te.send(link.now, b"after").unwrap();
    link.shuttle();
    assert_eq!(
        Link::data(&link.nt_events).last().map(|d| d.as_slice()),
        Some(&b"after"[..])
    );
}

#[test]
fn reestablishes_after_layer1_loss() {
    let mut link = Link::established();
    link.te.send(0, b"x").unwrap();
    link.shuttle();
    link.te.physical_down(100);
    link.nt.physical_down(100);
    link.shuttle();
    assert_eq!(link.te.state(), LapdState::TeiAssigned);
    assert_eq!(link.te_events.last(), Some(&LapdEvent::Released));
    assert_eq!(link.nt_events.last(), Some(&LapdEvent::Released));
    assert_eq!(link.te.poll_timeout(), None);
    // Frames while layer 1 is down are not heard.
    link.te.handle_frame(
        150,
        &frame(
            true,
            Control::U {
                kind: Unnumbered::Sabme,
                pf: true,
            },
            &[],
        ),
    );
    assert!(link.te.poll_transmit().is_none());
    link.run(5_000);
    link.now = 5_100;
    link.te.physical_up(link.now);
    link.nt.physical_up(link.now);
    link.run(2_000);
    assert!(link.te.is_established() && link.nt.is_established());
    assert_eq!(link.te_events.last(), Some(&LapdEvent::Established));
    assert_eq!(link.nt_events.last(), Some(&LapdEvent::Established));
    link.nt.send(link.now, b"y").unwrap();
    link.shuttle();
    assert_eq!(Link::data(&link.te_events), vec![b"y".to_vec()]);
}

#[test]
fn release_by_disc() {
    let mut link = Link::established();
    link.te.release(0);
    link.shuttle();
    assert_eq!(link.log[0].2, vec![0x00, 0x01, 0x53], "DISC command P=1");
    assert_eq!(link.te.state(), LapdState::TeiAssigned);
    assert_eq!(link.nt.state(), LapdState::TeiAssigned);
    assert_eq!(link.te_events, vec![LapdEvent::Released]);
    assert_eq!(link.nt_events, vec![LapdEvent::Released]);
    // Not persistent any more: no retry.
    link.run(60_000);
    assert_eq!(link.te.state(), LapdState::TeiAssigned);
    assert_eq!(link.te.poll_timeout(), None);
}

#[test]
fn dm_answers_sabme_refusal_and_retry_follows() {
    let mut te = Lapd::new(Role::User, Timers::default());
    te.establish(0);
    assert_eq!(te.poll_transmit().unwrap().as_slice(), &[0x00, 0x01, 0x7F]);
    // Network refuses: DM response F=1 (C/R = 0 from the network).
    te.handle_frame(
        10,
        &frame(
            false,
            Control::U {
                kind: Unnumbered::Dm,
                pf: true,
            },
            &[],
        ),
    );
    assert_eq!(te.state(), LapdState::TeiAssigned);
    assert_eq!(te.poll_event(), Some(LapdEvent::Released));
    assert_eq!(te.poll_timeout(), Some(1_010));
    te.handle_timeout(1_010);
    assert_eq!(te.state(), LapdState::AwaitingEstablishment);
    assert_eq!(te.poll_transmit().unwrap().as_slice(), &[0x00, 0x01, 0x7F]);
}

#[test]
fn sabme_retransmitted_n200_times() {
    let mut te = Lapd::new(Role::User, Timers::default());
    te.establish(0);
    let mut sabmes = 0;
    let mut t = 0;
    while t <= 4_000 {
        te.handle_timeout(t);
        while let Some(f) = te.poll_transmit() {
            assert_eq!(f.as_slice(), &[0x00, 0x01, 0x7F]);
            sabmes += 1;
        }
        t += 1_000;
    }
    assert_eq!(sabmes, 4, "initial SABME + N200 retransmissions");
    let events: Vec<_> = std::iter::from_fn(|| te.poll_event()).collect();
    assert_eq!(
        events,
        vec![
            LapdEvent::Error(MdlError::EstablishTimeout),
            LapdEvent::Released
        ]
    );
}

#[test]
fn frame_validation_per_5_8_5() {
    let mut link = Link::established();
    let nt_cmd = |c: Control, info: &[u8]| frame(true, c, info);
    // Not our SAPI / TEI, bad EA bits, too short: ignored silently.
    for bad in [
        vec![0x04u8, 0x01, 0x01, 0x01],
        vec![0x02, 0x03, 0x01, 0x01],
        vec![0x03, 0x01, 0x01, 0x01],
        vec![0x02, 0x01],
        vec![0x02, 0x00, 0x7F],
    ] {
        link.te.handle_frame(0, &bad);
        assert!(link.te.poll_transmit().is_none(), "{bad:?}");
        assert!(link.te.poll_event().is_none(), "{bad:?}");
    }
    assert_eq!(link.te.state(), LapdState::MultipleFrameEstablished);
    // Undefined control field while established: MDL-ERROR L and re-establishment.
    link.te.handle_frame(0, &[0x02, 0x01, 0x0D, 0x00]);
    assert_eq!(
        link.te.poll_event(),
        Some(LapdEvent::Error(MdlError::UndefinedControl))
    );
    assert_eq!(link.te.state(), LapdState::AwaitingEstablishment);
    link.shuttle();
    assert_eq!(
        link.log.last().map(|l| l.2.as_slice()),
        Some(&[0x00, 0x01, 0x73][..]),
        "NT's UA to our SABME"
    );
    assert!(link.te.is_established());
    // Supervisory frame with an information field: MDL-ERROR N.
    let mut rr = nt_cmd(
        Control::S {
            kind: Supervisory::Rr,
            nr: 0,
            pf: false,
        },
        &[],
    );
    rr.push(0);
    link.te.handle_frame(0, &rr);
    assert_eq!(
        link.te.poll_event(),
        Some(LapdEvent::Error(MdlError::IncorrectLength))
    );
    link.shuttle();
    // UA with an information field: MDL-ERROR M.
    link.te.handle_frame(0, &[0x00, 0x01, 0x73, 0x55]);
    assert_eq!(
        link.te.poll_event(),
        Some(LapdEvent::Error(MdlError::InfoNotPermitted))
    );
    link.shuttle();
    // I frame longer than N201: MDL-ERROR O.
    let mut long = vec![0x02, 0x01, 0x00, 0x00];
    long.extend(std::iter::repeat_n(0u8, N201 + 1));
    link.te.handle_frame(0, &long);
    assert_eq!(
        link.te.poll_event(),
        Some(LapdEvent::Error(MdlError::InfoTooLong))
    );
    link.shuttle();
    // Invalid N(R) (acknowledging a frame never sent): MDL-ERROR J.
    link.te.handle_frame(
        0,
        &nt_cmd(
            Control::S {
                kind: Supervisory::Rr,
                nr: 5,
                pf: false,
            },
            &[],
        ),
    );
    assert_eq!(
        link.te.poll_event(),
        Some(LapdEvent::Error(MdlError::InvalidNr))
    );
    assert_eq!(link.te.state(), LapdState::AwaitingEstablishment);
    link.shuttle();
    assert!(link.te.is_established());
    // FRMR: MDL-ERROR K and re-establishment.
    link.te.handle_frame(
        0,
        &frame(
            false,
            Control::U {
                kind: Unnumbered::Frmr,
                pf: false,
            },
            &[0, 0, 0, 0, 0],
        ),
    );
    assert_eq!(
        link.te.poll_event(),
        Some(LapdEvent::Error(MdlError::FrmrReceived))
    );
    link.shuttle();
    assert!(link.te.is_established());
    // Outside multiple-frame operation, rejection conditions are just ignored.
    let mut idle = Lapd::new(Role::User, Timers::default());
    idle.handle_frame(0, &[0x02, 0x01, 0x0D, 0x00]);
    assert!(idle.poll_event().is_none() && idle.poll_transmit().is_none());
}

#[test]
fn rnr_stops_transmission_until_cleared() {
    let mut te = Lapd::new(Role::User, Timers::default());
    te.handle_frame(
        0,
        &frame(
            true,
            Control::U {
                kind: Unnumbered::Sabme,
                pf: true,
            },
            &[],
        ),
    );
    assert_eq!(te.poll_transmit().unwrap().as_slice(), &[0x02, 0x01, 0x73]);
    assert_eq!(te.poll_event(), Some(LapdEvent::Established));
    te.handle_frame(
        1,
        &frame(
            true,
            Control::S {
                kind: Supervisory::Rnr,
                nr: 0,
                pf: false,
            },
            &[],
        ),
    );
    te.send(2, b"held").unwrap();
    assert!(te.poll_transmit().is_none(), "peer busy: nothing sent");
    // T200 runs as the busy poll: enquiry at t = 1001.
    assert_eq!(te.poll_timeout(), Some(1_001));
    te.handle_timeout(1_001);
    let f = te.poll_transmit().unwrap();
    assert_eq!(
        decode(&f).unwrap().control,
        Control::S {
            kind: Supervisory::Rr,
            nr: 0,
            pf: true
        }
    );
    assert_eq!(te.state(), LapdState::TimerRecovery);
    // Peer no longer busy: RR response F=1 → back to established, frame goes out.
    te.handle_frame(
        1_100,
        &frame(
            false,
            Control::S {
                kind: Supervisory::Rr,
                nr: 0,
                pf: true,
            },
            &[],
        ),
    );
    assert_eq!(te.state(), LapdState::MultipleFrameEstablished);
    let f = te.poll_transmit().unwrap();
    let d = decode(&f).unwrap();
    assert_eq!(
        d.control,
        Control::I {
            ns: 0,
            nr: 0,
            p: false
        }
    );
    assert_eq!(d.info, b"held");
}

#[test]
fn sabme_while_established_resets_both_ends() {
    let mut link = Link::established();
    link.te.send(0, b"a").unwrap();
    link.shuttle();
    // Layer 3 on the TE asks for a fresh link: SABME while established.
    link.te.establish(0);
    link.shuttle();
    assert!(link
        .nt_events
        .contains(&LapdEvent::Error(MdlError::PeerReestablished)));
    assert_eq!(
        link.te_events.last(),
        Some(&LapdEvent::Established),
        "DL-ESTABLISH confirm"
    );
    link.te.send(0, b"b").unwrap();
    link.shuttle();
    let last = link.frames(Dir::TeToNt).last().map(|(_, f)| f.control);
    assert!(
        matches!(last, Some(Control::I { ns: 0, .. })),
        "sequence numbers not reset: {last:?}"
    );
    assert_eq!(
        Link::data(&link.nt_events),
        vec![b"a".to_vec(), b"b".to_vec()]
    );
    assert!(link.te.is_established() && link.nt.is_established());
}

#[test]
fn sequence_numbers_wrap_modulo_128() {
    let mut link = Link::established();
    for i in 0..300u16 {
        link.te.send(link.now, &i.to_be_bytes()).unwrap();
        if i % 5 == 0 {
            link.run(1);
        }
    }
    link.run(100);
    let got = Link::data(&link.nt_events);
    assert_eq!(got.len(), 300);
    assert!(got
        .iter()
        .enumerate()
        .all(|(i, d)| d == &(i as u16).to_be_bytes()));
    assert!(link.te_events.is_empty(), "no errors: {:?}", link.te_events);
}

fn arb_control() -> impl Strategy<Value = Control> {
    prop_oneof![
        (0u8..128, 0u8..128, any::<bool>()).prop_map(|(ns, nr, p)| Control::I { ns, nr, p }),
        (
            prop_oneof![
                Just(Supervisory::Rr),
                Just(Supervisory::Rnr),
                Just(Supervisory::Rej)
            ],
            0u8..128,
            any::<bool>()
        )
            .prop_map(|(kind, nr, pf)| Control::S { kind, nr, pf }),
        (
            prop_oneof![
                Just(Unnumbered::Sabme),
                Just(Unnumbered::Dm),
                Just(Unnumbered::Ui),
                Just(Unnumbered::Disc),
                Just(Unnumbered::Ua),
                Just(Unnumbered::Frmr),
                Just(Unnumbered::Xid)
            ],
            any::<bool>()
        )
            .prop_map(|(kind, pf)| Control::U { kind, pf }),
    ]
}

fn allows_info(c: &Control) -> bool {
    matches!(
        c,
        Control::I { .. }
            | Control::U {
                kind: Unnumbered::Ui | Unnumbered::Frmr | Unnumbered::Xid,
                ..
            }
    )
}

proptest! {
    #[test]
    fn encode_decode_round_trip(
        sapi in 0u8..64, cr in any::<bool>(), tei in 0u8..128,
        control in arb_control(),
        info in proptest::collection::vec(any::<u8>(), 0..=N201),
    ) {
        let info = if allows_info(&control) { info } else { Vec::new() };
        let f = LapdFrame { address: Address { sapi, cr, tei }, control, info: &info };
        let bytes = f.encode().unwrap();
        prop_assert_eq!(decode(&bytes).unwrap(), f);
    }

    #[test]
    fn whatever_decodes_reencodes_identically(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(f) = decode(&bytes) {
            let again = f.encode().unwrap();
            prop_assert_eq!(again.as_slice(), bytes.as_slice());
        }
    }

    #[test]
    fn random_bytes_never_panic_in_any_state(
        setup in 0u8..5,
        role in prop_oneof![Just(Role::User), Just(Role::Network)],
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..40),
    ) {
        let mut link = Link::new(Timers::default());
        match setup {
            0 => {}
            1 => { link.te.establish(0); link.nt.establish(0); }
            2 => { link.te.establish(0); link.shuttle(); }
            3 => { link.te.establish(0); link.shuttle(); link.te.release(0); }
            _ => { link.te.establish(0); link.shuttle(); link.run(10_000); }
        }
        let lapd = if role == Role::User { &mut link.te } else { &mut link.nt };
        let mut now = link.now;
        for (i, f) in frames.iter().enumerate() {
            // Also exercise well-addressed frames with random control/info.
            let mut f = f.clone();
            if i % 2 == 0 && f.len() >= 2 {
                f[0] &= 0x02;
                f[1] = 0x01;
            }
            lapd.handle_frame(now, &f);
            now += 37;
            lapd.handle_timeout(now);
            while let Some(out) = lapd.poll_transmit() {
                prop_assert!(decode(&out).is_ok());
            }
            while lapd.poll_event().is_some() {}
            prop_assert!(lapd.poll_timeout().is_none_or(|t| t > now));
        }
    }

    #[test]
    fn lossy_wire_delivers_in_order_without_duplicates(
        losses in proptest::collection::vec(any::<bool>(), 64),
        count in 1usize..40,
    ) {
        let mut link = Link::established();
        let mut i = 0;
        link.drop = Some(Box::new(move |now, _, _| {
            i += 1;
            // Lose frames following the pattern for a minute, then heal.
            now < 60_000 && losses[i % losses.len()] && i % 3 != 0
        }));
        for n in 0..count {
            while link.te.send(link.now, &(n as u16).to_be_bytes()).is_err() {
                link.run(100);
            }
            link.run(7);
        }
        link.run(120_000);
        let got: Vec<u16> = Link::data(&link.nt_events).iter().map(|d| u16::from_be_bytes([d[0], d[1]])).collect();
        prop_assert!(got.windows(2).all(|w| w[0] < w[1]), "order/duplicates: {:?}", got);
        let reset = link.te_events.iter().any(|e| matches!(e, LapdEvent::Established | LapdEvent::Released));
        if !reset {
            prop_assert_eq!(got, (0..count as u16).collect::<Vec<_>>());
        }
        prop_assert!(link.te.is_established(), "te {:?} nt {:?} te_ev {:?} nt_ev {:?} tail {:?}", link.te.state(), link.nt.state(), link.te_events.iter().filter(|e| !matches!(e, LapdEvent::Data(_))).collect::<Vec<_>>(), link.nt_events.iter().filter(|e| !matches!(e, LapdEvent::Data(_))).collect::<Vec<_>>(), &link.log[link.log.len().saturating_sub(6)..]);
    }
}
