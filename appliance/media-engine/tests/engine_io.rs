//! The engine through real sockets: what the far ends hear and what the engine reports.

mod common;

use common::{sine, tone_share, Harness};
use line_boundary::{ChannelId, Tone};
use media_engine::{EngineCommand, EngineEvent, PromptStore};

fn channel(device: u16, channel: u16) -> ChannelId {
    ChannelId { device, channel }
}

#[test]
fn a_tone_plays_only_on_its_channel() {
    let mut rig = Harness::new(PromptStore::default());
    let slot = rig.engine.slot(channel(1, 1)).unwrap();
    rig.engine.commands().send(EngineCommand::PlayTone { slot, tone: Tone::Test1004Hz }).unwrap();
    for _ in 0..3 {
        rig.step();
    }
    let heard = rig.received(0, 0);
    assert!(tone_share(&heard, 1004.0) > 0.8, "1004 Hz dominates on fxs1: {}", tone_share(&heard, 1004.0));
    assert!(rig.received(1, 0).iter().all(|s| s.abs() < 16), "fxs2 stays silent");
    rig.engine.commands().send(EngineCommand::StopPlayback { slot }).unwrap();
    rig.step();
    assert!(rig.received(0, 0).iter().all(|s| s.abs() < 16), "tone stops");
}

#[test]
fn a_bridge_copies_audio_both_ways() {
    let mut rig = Harness::new(PromptStore::default());
    let a = rig.engine.slot(channel(1, 1)).unwrap();
    let b = rig.engine.slot(channel(3, 1)).unwrap();
    rig.engine.commands().send(EngineCommand::Bridge { a, b }).unwrap();
    for tick in 0..4 {
        let from_phone = sine(700.0, 8000.0, tick * 160, 160);
        let from_line = sine(1500.0, 8000.0, tick * 160, 160);
        rig.set_audio(0, 0, &from_phone);
        rig.set_audio(2, 0, &from_line);
        rig.step();
    }
    assert!(tone_share(&rig.received(2, 0), 700.0) > 0.8, "line hears the phone");
    assert!(tone_share(&rig.received(0, 0), 1500.0) > 0.8, "phone hears the line");
    assert!(rig.received(1, 0).iter().all(|s| s.abs() < 16), "an unbridged port hears nothing");
    rig.engine.commands().send(EngineCommand::Unbridge { slot: b }).unwrap();
    rig.step();
    assert!(rig.received(0, 0).iter().all(|s| s.abs() < 16), "unbridged both ways");
    assert!(rig.received(2, 0).iter().all(|s| s.abs() < 16), "unbridged both ways");
}

#[test]
fn far_end_dtmf_becomes_a_digit_event() {
    let mut rig = Harness::new(PromptStore::default());
    let mut generator = dsp::dtmf::DtmfGenerator::new(Default::default()).unwrap();
    generator.push_digits("7#").unwrap();
    for _ in 0..30 {
        let mut frame = [0i16; 160];
        generator.fill(&mut frame);
        rig.set_audio(1, 0, &frame);
        rig.step();
    }
    let fxs2 = rig.engine.slot(channel(2, 1)).unwrap();
    let digits: Vec<char> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::Digit { slot, digit, .. } if slot == fxs2 => Some(digit),
            _ => None,
        })
        .collect();
    assert_eq!(digits, vec!['7', '#']);
}

#[test]
fn signalling_both_ways_and_wakeups_on_time() {
    let mut rig = Harness::new(PromptStore::default());
    let slot = rig.engine.slot(channel(2, 1)).unwrap();
    rig.outgoing[1].channels[0].signal = soft_hardware::signal::OFF_HOOK;
    rig.engine.commands().send(EngineCommand::SetSignal { slot, bits: soft_hardware::signal::BATTERY }).unwrap();
    rig.engine.commands().send(EngineCommand::WakeAt { slot, at_ms: Some(100) }).unwrap();
    for _ in 0..8 {
        rig.step();
    }
    assert_eq!(rig.incoming[1].channels[0].signal, soft_hardware::signal::BATTERY);
    let events = rig.engine.drain_events();
    let signal = events.iter().find_map(|e| match e {
        EngineEvent::Signal { slot: s, bits, at_ms } if *s == slot => Some((*bits, *at_ms)),
        _ => None,
    });
    assert_eq!(signal, Some((soft_hardware::signal::OFF_HOOK, 0)));
    let wakes: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Wake { slot: s, at_ms } if *s == slot => Some(*at_ms),
            _ => None,
        })
        .collect();
    assert_eq!(wakes, vec![100], "one wake-up, at the first tick at or after 100 ms");
}

#[test]
fn e1_timeslots_are_independent_and_prompts_report_done() {
    let mut prompts = PromptStore::default();
    let chime = prompts.add("chime", sine(880.0, 6000.0, 0, 400));
    let mut rig = Harness::new(prompts);
    let ts5 = rig.engine.slot(channel(4, 5)).unwrap();
    assert!(rig.engine.slot(channel(4, 16)).is_none(), "timeslot 16 carries signalling, not calls");
    rig.engine.commands().send(EngineCommand::PlayPrompt { slot: ts5, prompt: chime }).unwrap();
    rig.step();
    assert!(tone_share(&rig.received(3, 5), 880.0) > 0.8);
    assert!(rig.received(3, 6).iter().all(|s| s.abs() < 16), "timeslot 6 silent");
    rig.step();
    rig.step();
    let done: Vec<u64> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::PlaybackDone { slot, at_ms } if slot == ts5 => Some(at_ms),
            _ => None,
        })
        .collect();
    // 400 samples = 2.5 frames: the prompt ends during the third tick (engine time 40 ms).
    assert_eq!(done, vec![40]);
}
