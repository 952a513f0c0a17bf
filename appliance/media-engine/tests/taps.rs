//! Taps: both directions of a channel, frame by frame, in order, to a reader that polls;
//! a reader that falls behind loses frames, counted, and never holds the engine up.

mod common;

use common::{within, Harness};
use dsp::g711::{alaw_decode, alaw_encode};
use line_boundary::ChannelId;
use media_engine::{
    EngineCommand, EngineEvent, PromptStore, Slot, TapError, TapId, TAP_RING_FRAMES,
};
use std::time::Duration;

fn slot(rig: &Harness, device: u16, channel: u16) -> Slot {
    rig.engine
        .slot(ChannelId { device, channel })
        .expect("channel exists")
}

/// A frame no other tick sends: a ramp whose start and step name the tick and the side.
fn marked(tick: usize, side: i16) -> Vec<i16> {
    (0..160)
        .map(|n| side * (100 + tick as i16 * 37 + n as i16 * 11))
        .collect()
}

/// What survives the far end's A-law coding.
fn through_alaw(samples: &[i16]) -> Vec<i16> {
    samples
        .iter()
        .map(|&x| alaw_decode(alaw_encode(x)))
        .collect()
}

#[test]
fn a_tap_hands_over_both_directions_frame_by_frame_in_order() {
    let mut rig = Harness::new(PromptStore::default());
    let phone = slot(&rig, 1, 1); // fxs1: harness device 0
    let line = slot(&rig, 3, 1); // fxo3: harness device 2
    let mut reader = rig.engine.tap_reader(phone).expect("a reader");
    assert_eq!(
        rig.engine.tap_reader(phone).unwrap_err(),
        TapError::AlreadyReading(phone)
    );
    assert_eq!(
        rig.engine.tap_reader(Slot(999)).unwrap_err(),
        TapError::NoSuchSlot(Slot(999))
    );
    let commands = rig.engine.commands();
    commands
        .send(EngineCommand::Bridge { a: phone, b: line })
        .unwrap();
    commands
        .send(EngineCommand::StartTap {
            slot: phone,
            tap: TapId(42),
        })
        .unwrap();
    let mut sent_by_phone = Vec::new();
    let mut heard_by_phone = Vec::new();
    let mut frames = Vec::new();
    for tick in 0..10 {
        let from_phone = marked(tick, 1);
        rig.set_audio(0, 0, &from_phone);
        rig.set_audio(2, 0, &marked(tick, -1));
        rig.step();
        sent_by_phone.push(through_alaw(&from_phone));
        heard_by_phone.push(rig.received(0, 0));
        // Read every other tick: the ring holds what the reader has not taken yet.
        if tick % 2 == 1 {
            while let Some(frame) = reader.read() {
                frames.push(frame);
            }
        }
    }
    commands
        .send(EngineCommand::StopTap { slot: phone })
        .unwrap();
    rig.step();
    assert!(reader.read().is_none(), "nothing after the stop");
    assert_eq!(frames.len(), 10);
    for (n, frame) in frames.iter().enumerate() {
        assert_eq!(frame.tap, TapId(42));
        assert_eq!(frame.seq, n as u32, "in order");
        assert_eq!(frame.at_ms, n as u64 * 20, "one per tick");
        assert_eq!(frame.rx.to_vec(), sent_by_phone[n], "rx of frame {n}");
        assert_eq!(frame.tx.to_vec(), heard_by_phone[n], "tx of frame {n}");
        // Over the bridge, what the phone hears is what the line sent that same tick.
        assert_eq!(frame.tx.to_vec(), through_alaw(&marked(n, -1)));
    }
    let stopped: Vec<_> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::TapStopped {
                slot, tap, frames, ..
            } => Some((slot, tap, frames)),
            _ => None,
        })
        .collect();
    assert_eq!(stopped, vec![(phone, TapId(42), 10)]);
    assert_eq!(reader.dropped(), 0);

    // A new tap on the same channel is told apart by its id, and starts at 0 again.
    commands
        .send(EngineCommand::StartTap {
            slot: phone,
            tap: TapId(43),
        })
        .unwrap();
    rig.step();
    let frame = reader.read().expect("a frame of the new tap");
    assert_eq!((frame.tap, frame.seq), (TapId(43), 0));
    // A reader dropped frees the ring for the next consumer.
    drop(reader);
    assert!(rig.engine.tap_reader(phone).is_ok());
}

#[test]
fn a_full_tap_ring_drops_and_counts_without_holding_the_engine() {
    within(Duration::from_secs(20), "tap ring fill", || {
        let mut rig = Harness::new(PromptStore::default());
        let ts1 = slot(&rig, 4, 1);
        let mut reader = rig.engine.tap_reader(ts1).expect("a reader");
        rig.engine
            .commands()
            .send(EngineCommand::StartTap {
                slot: ts1,
                tap: TapId(7),
            })
            .unwrap();
        let ticks = TAP_RING_FRAMES + 10;
        for _ in 0..ticks {
            rig.step();
        }
        assert_eq!(rig.engine.stats().ticks, ticks as u64, "every tick ran");
        assert_eq!(reader.dropped(), 10);
        assert_eq!(rig.engine.stats().tap_frames_dropped, 10);
        assert_eq!(reader.waiting(), TAP_RING_FRAMES);
        // The oldest frames were kept; the newest were the ones lost.
        let kept: Vec<u32> = std::iter::from_fn(|| reader.read())
            .map(|f| f.seq)
            .collect();
        assert_eq!(kept, (0..TAP_RING_FRAMES as u32).collect::<Vec<_>>());
        // With room again, frames flow on, the gap visible in their numbers.
        rig.step();
        let next = reader.read().expect("a frame once there is room");
        assert_eq!(next.seq, ticks as u32);
        assert_eq!(reader.dropped(), 10);
    });
}
