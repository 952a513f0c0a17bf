//! The engine through real sockets: what the far ends hear and what the engine reports.

mod common;

use common::{sine, tone_share, Harness};
use line_boundary::{ChannelId, Tone};
use media_engine::{EngineCommand, EngineEvent, PlaybackId, PromptStore};

fn channel(device: u16, channel: u16) -> ChannelId {
    ChannelId { device, channel }
}

#[test]
fn a_tone_plays_only_on_its_channel() {
    let mut rig = Harness::new(PromptStore::default());
    let slot = rig.engine.slot(channel(1, 1)).unwrap();
    rig.engine
        .commands()
        .send(EngineCommand::PlayTone {
            slot,
            tone: Tone::Test1004Hz,
            id: PlaybackId(1),
        })
        .unwrap();
    for _ in 0..3 {
        rig.step();
    }
    let heard = rig.received(0, 0);
    assert!(
        tone_share(&heard, 1004.0) > 0.8,
        "1004 Hz dominates on fxs1: {}",
        tone_share(&heard, 1004.0)
    );
    assert!(
        rig.received(1, 0).iter().all(|s| s.abs() < 16),
        "fxs2 stays silent"
    );
    rig.engine
        .commands()
        .send(EngineCommand::StopPlayback { slot })
        .unwrap();
    rig.step();
    assert!(
        rig.received(0, 0).iter().all(|s| s.abs() < 16),
        "tone stops"
    );
}

#[test]
fn a_bridge_copies_audio_both_ways() {
    let mut rig = Harness::new(PromptStore::default());
    let a = rig.engine.slot(channel(1, 1)).unwrap();
    let b = rig.engine.slot(channel(3, 1)).unwrap();
    rig.engine
        .commands()
        .send(EngineCommand::Bridge { a, b })
        .unwrap();
    for tick in 0..4 {
        let from_phone = sine(700.0, 8000.0, tick * 160, 160);
        let from_line = sine(1500.0, 8000.0, tick * 160, 160);
        rig.set_audio(0, 0, &from_phone);
        rig.set_audio(2, 0, &from_line);
        rig.step();
    }
    assert!(
        tone_share(&rig.received(2, 0), 700.0) > 0.8,
        "line hears the phone"
    );
    assert!(
        tone_share(&rig.received(0, 0), 1500.0) > 0.8,
        "phone hears the line"
    );
    assert!(
        rig.received(1, 0).iter().all(|s| s.abs() < 16),
        "an unbridged port hears nothing"
    );
    rig.engine
        .commands()
        .send(EngineCommand::Unbridge { slot: b })
        .unwrap();
    rig.step();
    assert!(
        rig.received(0, 0).iter().all(|s| s.abs() < 16),
        "unbridged both ways"
    );
    assert!(
        rig.received(2, 0).iter().all(|s| s.abs() < 16),
        "unbridged both ways"
    );
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
    rig.engine
        .commands()
        .send(EngineCommand::SetSignal {
            slot,
            bits: soft_hardware::signal::BATTERY,
        })
        .unwrap();
    rig.engine
        .commands()
        .send(EngineCommand::WakeAt {
            slot,
            at_ms: Some(100),
        })
        .unwrap();
    for _ in 0..8 {
        rig.step();
    }
    assert_eq!(
        rig.incoming[1].channels[0].signal,
        soft_hardware::signal::BATTERY
    );
    let events = rig.engine.drain_events();
    let signal = events.iter().find_map(|e| match e {
        EngineEvent::Signal {
            slot: s,
            bits,
            at_ms,
        } if *s == slot => Some((*bits, *at_ms)),
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
    assert_eq!(
        wakes,
        vec![100],
        "one wake-up, at the first tick at or after 100 ms"
    );
}

#[test]
fn e1_timeslots_are_independent_and_prompts_report_done() {
    let mut prompts = PromptStore::default();
    let chime = prompts.add("chime", sine(880.0, 6000.0, 0, 400));
    let mut rig = Harness::new(prompts);
    let ts5 = rig.engine.slot(channel(4, 5)).unwrap();
    assert!(
        rig.engine.slot(channel(4, 16)).is_none(),
        "timeslot 16 carries signalling, not calls"
    );
    rig.engine
        .commands()
        .send(EngineCommand::PlayPrompt {
            slot: ts5,
            prompt: chime,
            id: PlaybackId(5),
        })
        .unwrap();
    rig.step();
    assert!(tone_share(&rig.received(3, 5), 880.0) > 0.8);
    assert!(
        rig.received(3, 6).iter().all(|s| s.abs() < 16),
        "timeslot 6 silent"
    );
    rig.step();
    rig.step();
    let done: Vec<(PlaybackId, u64)> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::PlaybackDone { slot, id, at_ms } if slot == ts5 => Some((id, at_ms)),
            _ => None,
        })
        .collect();
    // 400 samples = 2.5 frames: the prompt ends during the third tick (engine time 40 ms).
    assert_eq!(done, vec![(PlaybackId(5), 40)]);
}

#[test]
fn d_channel_frames_cross_timeslot_16_both_ways() {
    use isdn::hdlc::{HdlcRx, HdlcTx};
    let mut rig = Harness::new(PromptStore::default());
    let span = 3; // DEVICES[3] is E1 span 4
    let mut far_tx = HdlcTx::new();
    let mut far_rx = HdlcRx::new();
    far_tx.push_frame(&[0x00, 0x01, 0x7f]).unwrap(); // SABME, as the network would send it
    let mut frame = isdn::hdlc::Frame::new();
    frame.extend_from_slice(&[0x02, 0x01, 0x73]).unwrap(); // UA
    rig.engine
        .commands()
        .send(EngineCommand::SendDChannelFrame { device: 4, frame })
        .unwrap();
    let mut heard_by_far_end = Vec::new();
    for _ in 0..4 {
        let mut ts16 = [0u8; 160];
        far_tx.fill(&mut ts16);
        rig.outgoing[span].channels[16].audio = ts16;
        rig.step();
        far_rx.process(&rig.incoming[span].channels[16].audio);
        while let Some(frame) = far_rx.poll_frame() {
            heard_by_far_end.push(frame.expect("clean frame").to_vec());
        }
    }
    assert_eq!(heard_by_far_end, vec![vec![0x02, 0x01, 0x73]]);
    let received: Vec<Vec<u8>> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::DChannelFrame {
                device: 4, frame, ..
            } => Some(frame.to_vec()),
            _ => None,
        })
        .collect();
    assert_eq!(received, vec![vec![0x00, 0x01, 0x7f]]);
    let stats = rig.engine.stats();
    assert_eq!(
        (
            stats.dchannel_frames_in,
            stats.dchannel_frames_out,
            stats.dchannel_errors
        ),
        (1, 1, 0)
    );
}

#[test]
fn device_wake_fires_at_its_time() {
    let mut rig = Harness::new(PromptStore::default());
    rig.engine
        .commands()
        .send(EngineCommand::WakeDeviceAt {
            device: 4,
            at_ms: Some(60),
        })
        .unwrap();
    let mut woke = Vec::new();
    for _ in 0..6 {
        rig.step();
        for event in rig.engine.drain_events() {
            if let EngineEvent::DeviceWake { device: 4, at_ms } = event {
                woke.push(at_ms);
            }
        }
    }
    assert_eq!(woke, vec![60], "once, on the tick at 60 ms");
}

#[test]
fn a_channel_bridged_to_itself_hears_itself_back() {
    let mut rig = Harness::new(PromptStore::default());
    let slot = rig.engine.slot(channel(4, 5)).unwrap();
    rig.engine
        .commands()
        .send(EngineCommand::Bridge { a: slot, b: slot })
        .unwrap();
    for tick in 0..3 {
        rig.set_audio(3, 5, &sine(1004.0, 8000.0, tick * 160, 160));
        rig.step();
    }
    assert!(
        tone_share(&rig.received(3, 5), 1004.0) > 0.8,
        "the echo test loops the caller back"
    );
    assert!(
        rig.received(3, 6).iter().all(|s| s.abs() < 16),
        "other B-channels stay silent"
    );
}

#[test]
fn busy_tone_on_an_analog_trunk_is_reported_with_its_cadence() {
    use dsp::tone::ToneGenerator;
    use dsp::tone_plan::{TonePlan, TonePlanName};
    let mut rig = Harness::new(PromptStore::default());
    let fxo3 = rig.engine.slot(channel(3, 1)).unwrap();
    let fxs1 = rig.engine.slot(channel(1, 1)).unwrap();
    let mut busy = ToneGenerator::new(&TonePlan::new(TonePlanName::Etsi).spec(Tone::Busy));
    let mut tones = Vec::new();
    for _ in 0..200 {
        let mut frame = [0i16; 160];
        busy.fill(&mut frame);
        rig.set_audio(2, 0, &frame);
        rig.set_audio(0, 0, &frame);
        rig.step();
        for event in rig.engine.drain_events() {
            if let EngineEvent::ProgressTone { slot, tone, at_ms } = event {
                tones.push((slot, tone, at_ms));
            }
        }
    }
    assert!(
        tones.iter().any(|(slot, tone, _)| *slot == fxo3 && *tone == dsp::call_progress::ProgressTone::Busy),
        "busy confirmed on the FXO trunk: {tones:?}"
    );
    assert!(
        tones.iter().all(|(slot, _, _)| *slot != fxs1),
        "extensions have no call-progress receiver"
    );
}

#[test]
fn caller_id_goes_out_in_each_standard_and_decodes() {
    use dsp::caller_id::{CallerIdMessage, DtmfClipDecoder, FskCallerIdDecoder, FskModulation};
    use media_engine::CallerIdFormat;
    let message = CallerIdMessage {
        number: Some(heapless::String::try_from("5550123").unwrap()),
        ..CallerIdMessage::default()
    };
    for format in [
        CallerIdFormat::EtsiFsk,
        CallerIdFormat::Bell202,
        CallerIdFormat::Dtmf,
    ] {
        let mut rig = Harness::new(PromptStore::default());
        let slot = rig.engine.slot(channel(1, 1)).unwrap();
        rig.engine
            .commands()
            .send(EngineCommand::SendCallerId {
                slot,
                message: message.clone(),
                format,
                id: PlaybackId(7),
            })
            .unwrap();
        let mut heard = Vec::new();
        let mut done = false;
        for _ in 0..150 {
            rig.step();
            heard.extend(rig.received(0, 0));
            done |= rig.engine.drain_events().iter().any(|e| {
                matches!(
                    e,
                    EngineEvent::PlaybackDone {
                        id: PlaybackId(7),
                        ..
                    }
                )
            });
        }
        assert!(done, "{format:?}: PlaybackDone reported");
        let number = match format {
            CallerIdFormat::Dtmf => {
                let mut decoder = DtmfClipDecoder::new();
                decoder.process(&heard);
                decoder
                    .poll()
                    .and_then(|r| r.ok())
                    .and_then(|m| m.number.map(|n| n.to_string()))
            }
            fsk => {
                let modulation = if fsk == CallerIdFormat::Bell202 {
                    FskModulation::Bell202
                } else {
                    FskModulation::V23
                };
                let mut decoder = FskCallerIdDecoder::with_modulation(modulation);
                decoder.process(&heard);
                decoder
                    .poll()
                    .and_then(|r| r.ok())
                    .and_then(|m| m.number.map(|n| n.to_string()))
            }
        };
        assert_eq!(number.as_deref(), Some("5550123"), "{format:?}");
    }
}
