//! Stream playback: frames a writer outside the engine puts in a channel's stream ring
//! reach the far end one per tick, in order; silence while the ring is empty and the
//! writer still writes; `PlaybackDone` once the writer has ended and the ring is drained;
//! a stop ends it (`PlaybackStopped`) and tells the writer to give up.

mod common;

use common::Harness;
use dsp::g711::{alaw_decode, alaw_encode};
use line_boundary::{ChannelId, FRAME_SAMPLES};
use media_engine::{
    EngineCommand, EngineEvent, PlaybackId, PromptStore, Slot, StreamError, STREAM_RING_FRAMES,
};

fn slot(rig: &Harness, device: u16, channel: u16) -> Slot {
    rig.engine
        .slot(ChannelId { device, channel })
        .expect("channel exists")
}

/// A frame no other frame equals: a ramp whose start names it.
fn marked(n: usize) -> [i16; FRAME_SAMPLES] {
    let mut frame = [0i16; FRAME_SAMPLES];
    for (i, sample) in frame.iter_mut().enumerate() {
        *sample = 200 + n as i16 * 41 + i as i16 * 13;
    }
    frame
}

fn through_alaw(samples: &[i16]) -> Vec<i16> {
    samples
        .iter()
        .map(|&x| alaw_decode(alaw_encode(x)))
        .collect()
}

fn playback_events(rig: &mut Harness) -> Vec<(bool, PlaybackId)> {
    rig.engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::PlaybackDone { id, .. } => Some((true, id)),
            EngineEvent::PlaybackStopped { id, .. } => Some((false, id)),
            _ => None,
        })
        .collect()
}

#[test]
fn stream_frames_arrive_in_order_with_silence_when_empty_then_done() {
    let mut rig = Harness::new(PromptStore::default());
    let phone = slot(&rig, 1, 1); // fxs1: harness device 0
    let mut writer = rig.engine.stream_writer(phone).expect("a writer");
    assert_eq!(
        rig.engine.stream_writer(phone).unwrap_err(),
        StreamError::AlreadyWriting(phone)
    );
    assert_eq!(
        rig.engine.stream_writer(Slot(999)).unwrap_err(),
        StreamError::NoSuchSlot(Slot(999))
    );
    for n in 0..3 {
        assert!(writer.write(&marked(n)));
    }
    rig.engine
        .commands()
        .send(EngineCommand::PlayStream {
            slot: phone,
            id: PlaybackId(5),
        })
        .unwrap();
    let mut heard = Vec::new();
    for _ in 0..5 {
        rig.step();
        heard.push(rig.received(0, 0));
    }
    for (n, frame) in heard.iter().take(3).enumerate() {
        assert_eq!(*frame, through_alaw(&marked(n)), "frame {n}");
    }
    assert!(
        heard[3..].iter().flatten().all(|s| s.abs() < 16),
        "silence while the ring is empty"
    );
    assert_eq!(
        playback_events(&mut rig),
        vec![],
        "the writer is still open"
    );
    // Another writer is refused while the stream plays, even once this one is gone.
    for n in 3..5 {
        assert!(writer.write(&marked(n)));
    }
    writer.finish();
    assert_eq!(
        rig.engine.stream_writer(phone).unwrap_err(),
        StreamError::StillPlaying(phone)
    );
    rig.step();
    assert_eq!(rig.received(0, 0), through_alaw(&marked(3)));
    rig.step();
    assert_eq!(rig.received(0, 0), through_alaw(&marked(4)));
    assert_eq!(playback_events(&mut rig), vec![]);
    rig.step();
    assert_eq!(
        playback_events(&mut rig),
        vec![(true, PlaybackId(5))],
        "done once drained"
    );
    assert!(rig.received(0, 0).iter().all(|s| s.abs() < 16));
    assert!(
        rig.engine.stream_writer(phone).is_ok(),
        "free for the next stream"
    );
}

#[test]
fn a_stop_ends_the_stream_and_cancels_its_writer() {
    let mut rig = Harness::new(PromptStore::default());
    let line = slot(&rig, 3, 1); // fxo3: harness device 2
    let mut writer = rig.engine.stream_writer(line).expect("a writer");
    while writer.write(&marked(1)) {}
    assert_eq!(writer.space(), 0);
    let commands = rig.engine.commands();
    commands
        .send(EngineCommand::PlayStream {
            slot: line,
            id: PlaybackId(9),
        })
        .unwrap();
    rig.step();
    rig.step();
    assert_eq!(rig.received(2, 0), through_alaw(&marked(1)));
    assert!(!writer.is_cancelled());
    commands
        .send(EngineCommand::StopPlayback { slot: line })
        .unwrap();
    rig.step();
    assert_eq!(playback_events(&mut rig), vec![(false, PlaybackId(9))]);
    assert!(writer.is_cancelled(), "the writer is told to stop");
    assert!(rig.received(2, 0).iter().all(|s| s.abs() < 16));
    drop(writer);
    // The next stream starts clean: nothing the stopped one left in the ring plays.
    let mut writer = rig.engine.stream_writer(line).expect("a new writer");
    assert!(writer.write(&marked(7)));
    writer.finish();
    commands
        .send(EngineCommand::PlayStream {
            slot: line,
            id: PlaybackId(10),
        })
        .unwrap();
    rig.step();
    assert_eq!(rig.received(2, 0), through_alaw(&marked(7)));
    rig.step();
    assert_eq!(playback_events(&mut rig), vec![(true, PlaybackId(10))]);
}

#[test]
fn a_writer_on_its_own_thread_keeps_a_long_stream_going() {
    let mut rig = Harness::new(PromptStore::default());
    let phone = slot(&rig, 2, 1); // fxs2: harness device 1
    let mut writer = rig.engine.stream_writer(phone).expect("a writer");
    const FRAMES: usize = STREAM_RING_FRAMES * 4;
    let player = std::thread::spawn(move || {
        let mut n = 0;
        while n < FRAMES {
            if writer.write(&marked(n)) {
                n += 1;
            } else {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
    });
    // The player gets ahead before the playback starts (it cannot finish: the ring
    // holds a quarter of the stream).
    std::thread::sleep(std::time::Duration::from_millis(20));
    rig.engine
        .commands()
        .send(EngineCommand::PlayStream {
            slot: phone,
            id: PlaybackId(1),
        })
        .unwrap();
    let mut next = 0;
    let mut done = false;
    for _ in 0..FRAMES * 3 {
        rig.step();
        let frame = rig.received(1, 0);
        if next < FRAMES && frame == through_alaw(&marked(next)) {
            next += 1;
        } else {
            assert!(
                frame.iter().all(|s| s.abs() < 16),
                "a frame out of order after {next}"
            );
        }
        if playback_events(&mut rig) == vec![(true, PlaybackId(1))] {
            done = true;
            break;
        }
    }
    player.join().unwrap();
    assert_eq!(next, FRAMES, "every frame, in order");
    assert!(done, "PlaybackDone after the last frame");
}
