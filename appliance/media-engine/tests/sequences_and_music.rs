//! Prompt sequences play back to back with no gap, barge-in stops one when the caller
//! keys a digit, and music on hold is one shared looping source.

mod common;

use common::Harness;
use line_boundary::ChannelId;
use media_engine::{EngineCommand, EngineEvent, PlaybackId, PromptId, PromptStore, Slot};

/// A prompt of `len` samples of one level: where one ends and the next begins shows.
fn flat(level: i16, len: usize) -> Vec<i16> {
    vec![level; len]
}

fn slot(rig: &Harness, device: u16) -> Slot {
    rig.engine
        .slot(ChannelId { device, channel: 1 })
        .expect("slot")
}

fn sequence(prompts: &[PromptId]) -> heapless::Vec<PromptId, { media_engine::MAX_SEQUENCE }> {
    prompts.iter().copied().collect()
}

/// Steps until the far end on device index 0 has heard `n` samples; returns them.
fn heard(rig: &mut Harness, n: usize) -> Vec<i16> {
    let mut all = Vec::new();
    while all.len() < n {
        rig.step();
        all.extend(rig.received(0, 0));
    }
    all
}

#[test]
fn a_sequence_plays_its_prompts_back_to_back_without_a_gap() {
    let mut prompts = PromptStore::default();
    // Lengths that do not fill 20 ms frames: fragments meet inside a frame.
    let a = prompts.add("a", flat(1000, 250));
    let b = prompts.add("b", flat(2000, 130));
    let c = prompts.add("c", flat(3000, 300));
    let mut rig = Harness::new(prompts);
    let fxs1 = slot(&rig, 1);
    rig.engine
        .commands()
        .send(EngineCommand::PlaySequence {
            slot: fxs1,
            prompts: sequence(&[a, b, c]),
            id: PlaybackId(7),
            barge_in: false,
        })
        .unwrap();
    let audio = heard(&mut rig, 800);
    let start = audio
        .iter()
        .position(|s| s.abs() > 100)
        .expect("the sequence is heard");
    let level = |s: i16| (s as i32 / 500) * 500; // A-law rounding off the flat levels
    let played: Vec<i32> = audio[start..start + 680]
        .iter()
        .map(|s| level(*s))
        .collect();
    assert!(
        played[..250].iter().all(|s| *s == 1000),
        "{:?}",
        &played[..260]
    );
    assert!(
        played[250..380].iter().all(|s| *s == 2000),
        "no gap after a"
    );
    assert!(
        played[380..680].iter().all(|s| *s == 3000),
        "no gap after b"
    );
    // A-law's quietest code words decode to ±8: silence is "below 64".
    assert!(
        audio[start + 680..].iter().all(|s| s.abs() < 64),
        "then silence"
    );
    let done: Vec<_> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::PlaybackDone { slot, id, .. } if slot == fxs1 => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(done, [PlaybackId(7)], "done once, with its id");
}

/// Plays a long sequence on fxs1, then the far end keys `5`; returns the events after.
fn key_over_a_sequence(barge_in: bool) -> (Vec<EngineEvent>, Vec<i16>) {
    let mut prompts = PromptStore::default();
    let long = prompts.add("long", flat(3000, 8000 * 10));
    let mut rig = Harness::new(prompts);
    let fxs1 = slot(&rig, 1);
    rig.engine
        .commands()
        .send(EngineCommand::PlaySequence {
            slot: fxs1,
            prompts: sequence(&[long]),
            id: PlaybackId(9),
            barge_in,
        })
        .unwrap();
    heard(&mut rig, 1600);
    rig.engine.drain_events();
    let mut dtmf = dsp::dtmf::DtmfGenerator::new(Default::default()).unwrap();
    dtmf.push_digits("5").unwrap();
    let mut events = Vec::new();
    for _ in 0..25 {
        let mut frame = [0i16; 160];
        dtmf.fill(&mut frame);
        rig.set_audio(0, 0, &frame);
        rig.step();
        events.extend(rig.engine.drain_events());
    }
    rig.set_audio(0, 0, &[0; 160]);
    let after = heard(&mut rig, 800);
    (events, after)
}

#[test]
fn a_digit_barges_in_on_a_sequence_that_allows_it() {
    let (events, after) = key_over_a_sequence(true);
    let stopped = events.iter().position(|e| {
        matches!(
            e,
            EngineEvent::PlaybackStopped {
                id: PlaybackId(9),
                ..
            }
        )
    });
    let digit = events
        .iter()
        .position(|e| matches!(e, EngineEvent::Digit { digit: '5', .. }));
    assert!(
        stopped.is_some() && stopped < digit,
        "stopped, then the digit: {events:?}"
    );
    assert!(
        after.iter().all(|s| s.abs() < 64),
        "the prompt no longer plays"
    );
}

#[test]
fn a_sequence_without_barge_in_plays_on_over_a_digit() {
    let (events, after) = key_over_a_sequence(false);
    assert!(events
        .iter()
        .any(|e| matches!(e, EngineEvent::Digit { digit: '5', .. })));
    assert!(!events
        .iter()
        .any(|e| matches!(e, EngineEvent::PlaybackStopped { .. })));
    assert!(
        after.iter().all(|s| (*s - 3000).abs() < 200),
        "still playing"
    );
}

#[test]
fn music_on_hold_is_one_shared_loop_heard_at_the_same_place() {
    let mut prompts = PromptStore::default();
    // A ramp 1000 samples long: where in the loop a channel is shows in its samples.
    let ramp: Vec<i16> = (0..1000).map(|k| (k * 16) as i16).collect();
    let music = prompts.add("music", ramp);
    let mut rig = Harness::new(prompts);
    let (fxs1, fxs2) = (slot(&rig, 1), slot(&rig, 2));
    let commands = rig.engine.commands();
    commands
        .send(EngineCommand::PlayMusic {
            slot: fxs1,
            music,
            id: PlaybackId(1),
        })
        .unwrap();
    for _ in 0..7 {
        rig.step();
    }
    // The second caller joins later and hears the same place as the first from then on.
    commands
        .send(EngineCommand::PlayMusic {
            slot: fxs2,
            music,
            id: PlaybackId(2),
        })
        .unwrap();
    let mut first = Vec::new();
    for _ in 0..20 {
        rig.step();
        let (a, b) = (rig.received(0, 0), rig.received(1, 0));
        assert_eq!(a, b, "both hear the same samples");
        first.extend(a);
    }
    // 20 frames = 3200 samples: the 1000-sample loop wrapped, and kept playing.
    let wraps = first.windows(2).filter(|w| w[1] < w[0] - 4000).count();
    assert!(wraps >= 3, "the music loops: {wraps} wraps");
    assert!(first.iter().filter(|s| s.abs() > 64).count() > 2900);
    assert!(!rig
        .engine
        .drain_events()
        .iter()
        .any(|e| matches!(e, EngineEvent::PlaybackDone { .. })));
}
