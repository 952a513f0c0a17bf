//! The mixing graph through real sockets: each party sends its own tone and a Goertzel
//! filter on what each far end receives says whom it hears, and whom it does not.

mod common;

use common::{level, sine, Harness};
use line_boundary::{ChannelId, Tone};
use media_engine::{modes, EngineCommand, EngineEvent, Gain, PlaybackId, PromptStore, Slot};

const AMPLITUDE: f64 = 4000.0;
/// Heard: at least half the level sent (A-law and mixing keep it near 1.0).
const HEARD: f64 = AMPLITUDE * 0.5;
/// Not heard: 34 dB under what was sent (A-law's own noise reads about 40 dB under; a
/// crossed or looped channel reads near 0 dB).
const SILENT: f64 = AMPLITUDE * 0.02;
/// Frames analysed per check: 80 ms, whole cycles of every tone used (50 Hz bins).
const FRAMES: usize = 4;

/// A party: where its far end sits in the harness, and the tone it sends.
#[derive(Clone, Copy, Debug)]
struct Party {
    name: &'static str,
    device: usize,
    record: usize,
    slot: Slot,
    tone: f64,
}

fn party(rig: &Harness, name: &'static str, device: u16, channel: u16, tone: f64) -> Party {
    let slot = rig
        .engine
        .slot(ChannelId { device, channel })
        .expect("channel exists");
    let index = common::DEVICES
        .iter()
        .position(|d| d.id == device)
        .expect("device in the harness");
    // Analog ports carry their one channel in record 0; E1 records are timeslots.
    let record = if device == 4 { channel as usize } else { 0 };
    Party {
        name,
        device: index,
        record,
        slot,
        tone,
    }
}

/// Every party sends its tone for `FRAMES` ticks; returns what each received, in order.
fn exchange(rig: &mut Harness, parties: &[Party], tick: &mut usize) -> Vec<Vec<i16>> {
    let mut heard = vec![Vec::new(); parties.len()];
    for _ in 0..FRAMES {
        for p in parties {
            rig.set_audio(
                p.device,
                p.record,
                &sine(p.tone, AMPLITUDE, *tick * 160, 160),
            );
        }
        rig.step();
        for (p, heard) in parties.iter().zip(heard.iter_mut()) {
            heard.extend(rig.received(p.device, p.record));
        }
        *tick += 1;
    }
    heard
}

/// Asserts, for each listener, exactly which parties' tones it hears.
fn assert_hears(parties: &[Party], heard: &[Vec<i16>], who_hears_whom: &[(usize, &[usize])]) {
    for &(listener, sources) in who_hears_whom {
        for (index, source) in parties.iter().enumerate() {
            let got = level(&heard[listener], source.tone);
            if std::env::var_os("MIXING_LEVELS").is_some() {
                eprintln!(
                    "{} hears {} at {got:.1}",
                    parties[listener].name, source.name
                );
            }
            if sources.contains(&index) {
                assert!(
                    got > HEARD,
                    "{} should hear {} ({} Hz): level {got:.0}",
                    parties[listener].name,
                    source.name,
                    source.tone
                );
            } else {
                assert!(
                    got < SILENT,
                    "{} must not hear {} ({} Hz): level {got:.0}",
                    parties[listener].name,
                    source.name,
                    source.tone
                );
            }
        }
    }
}

fn send(rig: &Harness, commands: impl IntoIterator<Item = EngineCommand>) {
    for command in commands {
        rig.engine.commands().send(command).expect("queue has room");
    }
}

#[test]
fn listen_whisper_and_barge_reach_exactly_whom_they_should() {
    let mut rig = Harness::new(PromptStore::default());
    // Tones chosen so that no sum or difference of two (A-law's distortion products, up
    // to third order) lands on the third: 500 + 1000 would fake a 1500 Hz supervisor.
    let caller = party(&rig, "caller", 3, 1, 500.0);
    let agent = party(&rig, "agent", 1, 1, 1100.0);
    let supervisor = party(&rig, "supervisor", 2, 1, 1900.0);
    let parties = [caller, agent, supervisor];
    let (c, a, s) = (0, 1, 2);
    let mut tick = 0;

    send(
        &rig,
        [EngineCommand::Bridge {
            a: caller.slot,
            b: agent.slot,
        }],
    );
    let heard = exchange(&mut rig, &parties, &mut tick);
    assert_hears(&parties, &heard, &[(c, &[a]), (a, &[c]), (s, &[])]);

    // Listen: the supervisor hears both; neither party hears the supervisor.
    send(
        &rig,
        modes::listen(supervisor.slot, [agent.slot, caller.slot]),
    );
    let heard = exchange(&mut rig, &parties, &mut tick);
    assert_hears(&parties, &heard, &[(c, &[a]), (a, &[c]), (s, &[c, a])]);

    // Whisper: the agent hears the supervisor too; the caller still does not.
    send(
        &rig,
        modes::whisper(supervisor.slot, agent.slot, caller.slot),
    );
    let heard = exchange(&mut rig, &parties, &mut tick);
    assert_hears(&parties, &heard, &[(c, &[a]), (a, &[c, s]), (s, &[c, a])]);

    // Barge: all three hear each other, nobody hears themselves.
    send(
        &rig,
        modes::barge(supervisor.slot, [agent.slot, caller.slot]),
    );
    let heard = exchange(&mut rig, &parties, &mut tick);
    assert_hears(
        &parties,
        &heard,
        &[(c, &[a, s]), (a, &[c, s]), (s, &[c, a])],
    );

    // Back to whisper by one disconnect, then the supervisor leaves altogether.
    send(
        &rig,
        [EngineCommand::Disconnect {
            listener: caller.slot,
            source: supervisor.slot,
        }],
    );
    let heard = exchange(&mut rig, &parties, &mut tick);
    assert_hears(&parties, &heard, &[(c, &[a]), (a, &[c, s]), (s, &[c, a])]);
    send(
        &rig,
        [EngineCommand::Isolate {
            slot: supervisor.slot,
        }],
    );
    let heard = exchange(&mut rig, &parties, &mut tick);
    assert_hears(&parties, &heard, &[(c, &[a]), (a, &[c]), (s, &[])]);

    // The two-party bridge left is a plain copy again: bit for bit what was sent.
    let sent = sine(caller.tone, AMPLITUDE, tick * 160, 160);
    rig.set_audio(caller.device, caller.record, &sent);
    rig.step();
    let expected: Vec<i16> = sent
        .iter()
        .map(|&x| dsp::g711::alaw_decode(dsp::g711::alaw_encode(x)))
        .collect();
    assert_eq!(rig.received(agent.device, agent.record), expected);
}

#[test]
fn a_conference_of_four_each_hears_the_other_three_and_not_themselves() {
    let mut rig = Harness::new(PromptStore::default());
    // Tones chosen so that no sum or difference of what one member hears (A-law's
    // distortion products, up to third order) lands on another member's tone.
    let members = [
        party(&rig, "ts1", 4, 1, 400.0),
        party(&rig, "ts2", 4, 2, 700.0),
        party(&rig, "ts3", 4, 3, 1300.0),
        party(&rig, "fxs1", 1, 1, 2300.0),
    ];
    let outsider = party(&rig, "ts4", 4, 4, 2800.0);
    let slots: Vec<Slot> = members.iter().map(|m| m.slot).collect();
    send(&rig, modes::conference(&slots));
    let mut all = members.to_vec();
    all.push(outsider);
    let mut tick = 0;
    let heard = exchange(&mut rig, &all, &mut tick);
    assert_hears(
        &all,
        &heard,
        &[
            (0, &[1, 2, 3]),
            (1, &[0, 2, 3]),
            (2, &[0, 1, 3]),
            (3, &[0, 1, 2]),
            (4, &[]),
        ],
    );
    // One member leaves: the other three carry on among themselves.
    send(&rig, [EngineCommand::Isolate { slot: slots[1] }]);
    let heard = exchange(&mut rig, &all, &mut tick);
    assert_hears(
        &all,
        &heard,
        &[(0, &[2, 3]), (1, &[]), (2, &[0, 3]), (3, &[0, 2]), (4, &[])],
    );
}

#[test]
fn gains_scale_what_a_listener_hears_and_a_full_listener_refuses_more() {
    let mut rig = Harness::new(PromptStore::default());
    let listener = party(&rig, "listener", 1, 1, 2000.0);
    let source = party(&rig, "source", 4, 1, 1000.0);
    send(
        &rig,
        [EngineCommand::Connect {
            listener: listener.slot,
            source: source.slot,
            gain: Gain::from_db(-6.0206),
        }],
    );
    let mut tick = 0;
    let heard = exchange(&mut rig, &[listener, source], &mut tick);
    let got = level(&heard[0], source.tone);
    assert!(
        (got - AMPLITUDE / 2.0).abs() < AMPLITUDE * 0.05,
        "-6 dB halves the level: {got:.0}"
    );
    assert!(level(&heard[1], listener.tone) < SILENT, "one way only");

    // The listener already hears one; seven more fit, the ninth is refused.
    let extra: Vec<Slot> = (2..=9u16)
        .map(|ts| {
            rig.engine
                .slot(ChannelId {
                    device: 4,
                    channel: ts,
                })
                .unwrap()
        })
        .collect();
    send(
        &rig,
        extra.iter().map(|&s| EngineCommand::Connect {
            listener: listener.slot,
            source: s,
            gain: Gain::UNITY,
        }),
    );
    rig.step();
    let refused: Vec<Slot> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::ConnectRefused {
                listener: l,
                source,
                ..
            } if l == listener.slot => Some(source),
            _ => None,
        })
        .collect();
    assert_eq!(refused, vec![extra[7]]);
    assert_eq!(rig.engine.stats().connects_refused, 1);
}

#[test]
fn playback_mixes_under_a_bridge_and_the_bridge_is_a_copy_again_after() {
    let mut prompts = PromptStore::default();
    // 3 frames of 1500 Hz.
    let chime = prompts.add("chime", sine(1500.0, AMPLITUDE, 0, 480));
    let mut rig = Harness::new(prompts);
    let caller = party(&rig, "caller", 3, 1, 500.0);
    let agent = party(&rig, "agent", 1, 1, 1000.0);
    let parties = [caller, agent];
    send(
        &rig,
        [
            EngineCommand::Bridge {
                a: caller.slot,
                b: agent.slot,
            },
            EngineCommand::PlayPrompt {
                slot: agent.slot,
                prompt: chime,
                id: PlaybackId(11),
            },
        ],
    );
    let mut tick = 0;
    // Three frames: the prompt's whole length.
    let mut heard = [Vec::new(), Vec::new()];
    for _ in 0..3 {
        for p in &parties {
            rig.set_audio(
                p.device,
                p.record,
                &sine(p.tone, AMPLITUDE, tick * 160, 160),
            );
        }
        rig.step();
        tick += 1;
        for (p, heard) in parties.iter().zip(heard.iter_mut()) {
            heard.extend(rig.received(p.device, p.record));
        }
    }
    assert!(
        level(&heard[1], 1500.0) > HEARD,
        "the agent hears the prompt"
    );
    assert!(
        level(&heard[1], caller.tone) > HEARD,
        "and the caller under it"
    );
    assert!(
        level(&heard[0], 1500.0) < SILENT,
        "the caller does not hear it"
    );
    assert!(
        level(&heard[0], agent.tone) > HEARD,
        "the caller hears the agent"
    );
    let done: Vec<_> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter(|e| matches!(e, EngineEvent::PlaybackDone { .. }))
        .collect();
    assert!(
        matches!(
            done.as_slice(),
            [EngineEvent::PlaybackDone { slot, id: PlaybackId(11), at_ms: 40 }] if *slot == agent.slot
        ),
        "{done:?}"
    );
    let heard = exchange(&mut rig, &parties, &mut tick);
    assert_hears(&parties, &heard, &[(0, &[1]), (1, &[0])]);
    assert!(level(&heard[1], 1500.0) < SILENT, "the prompt is over");

    // A tone mixes the same way.
    send(
        &rig,
        [EngineCommand::PlayTone {
            slot: caller.slot,
            tone: Tone::Test1004Hz,
            id: PlaybackId(12),
        }],
    );
    let heard = exchange(&mut rig, &parties, &mut tick);
    assert!(
        level(&heard[0], 1004.0) > HEARD,
        "the caller hears the tone"
    );
    assert!(
        level(&heard[0], agent.tone) > HEARD,
        "and the agent under it"
    );
    assert!(level(&heard[1], 1004.0) < SILENT, "the agent does not");
}

#[test]
fn playback_ids_come_back_done_or_stopped() {
    let mut prompts = PromptStore::default();
    let short = prompts.add("short", sine(700.0, AMPLITUDE, 0, 320));
    let mut rig = Harness::new(prompts);
    let slot = party(&rig, "fxs1", 1, 1, 0.0).slot;
    let mut events = Vec::new();
    let mut run = |rig: &mut Harness, commands: Vec<EngineCommand>, ticks: usize| {
        send(rig, commands);
        for _ in 0..ticks {
            rig.step();
            events.extend(
                rig.engine
                    .drain_events()
                    .into_iter()
                    .filter_map(|e| match e {
                        EngineEvent::PlaybackDone { slot: s, id, at_ms } if s == slot => {
                            Some(("done", id.0, at_ms))
                        }
                        EngineEvent::PlaybackStopped { slot: s, id, at_ms } if s == slot => {
                            Some(("stopped", id.0, at_ms))
                        }
                        _ => None,
                    }),
            );
        }
    };
    let tone = |id| EngineCommand::PlayTone {
        slot,
        tone: Tone::Dial,
        id: PlaybackId(id),
    };
    // A tone replaced by a prompt, which runs out (2 frames).
    run(&mut rig, vec![tone(1)], 2);
    run(
        &mut rig,
        vec![EngineCommand::PlayPrompt {
            slot,
            prompt: short,
            id: PlaybackId(2),
        }],
        3,
    );
    // A tone stopped; stopping again reports nothing.
    run(&mut rig, vec![tone(3)], 1);
    run(&mut rig, vec![EngineCommand::StopPlayback { slot }], 1);
    run(&mut rig, vec![EngineCommand::StopPlayback { slot }], 1);
    // What cannot play ends at once, and still replaces what played.
    let mut bad_digits = heapless::String::new();
    bad_digits.push_str("12X").unwrap();
    run(&mut rig, vec![tone(4)], 1);
    run(
        &mut rig,
        vec![
            EngineCommand::PlayPrompt {
                slot,
                prompt: media_engine::PromptId(77),
                id: PlaybackId(5),
            },
            EngineCommand::SendDtmf {
                slot,
                digits: bad_digits,
                id: PlaybackId(6),
            },
        ],
        1,
    );
    assert_eq!(
        events,
        vec![
            ("stopped", 1, 40),
            ("done", 2, 60),
            ("stopped", 3, 120),
            ("stopped", 4, 180),
            ("done", 5, 180),
            ("done", 6, 180),
        ]
    );
}
