//! Playing a stored recording's caller side back into a call (a voicemail message heard
//! on `*98`): a thread decodes the Ogg Opus file and writes its left channel, 20 ms at a
//! time, into the channel's stream ring (`media_engine::StreamWriter`), keeping ahead of
//! the engine but never overrunning the ring. It ends the stream when the file is played
//! out, and gives up as soon as the engine stops the playback.

use crate::ogg_read::{decode, ReadError};
use line_boundary::FRAME_SAMPLES;
use media_engine::StreamWriter;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the player looks for room in the ring: well inside the 640 ms it holds.
const POLL: Duration = Duration::from_millis(5);
/// A ring without room this long belongs to an engine that stopped: give up.
const STALLED: Duration = Duration::from_secs(10);

/// Why a message could not be played.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    #[error("cannot open {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: ReadError,
    },
}

/// How a message's playback ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayOutcome {
    /// Every frame was handed to the engine.
    Played { frames: u64 },
    /// The engine stopped the playback first.
    Cancelled { frames: u64 },
}

/// A message being played on one channel.
pub struct MessagePlayer {
    thread: JoinHandle<Result<PlayOutcome, PlayError>>,
}

impl MessagePlayer {
    /// Starts a thread playing `path`'s caller side into `writer`'s ring. Whatever
    /// happens the writer is dropped at the end, which ends the stream, so the engine's
    /// `PlaybackDone` always follows (at once for a file that cannot be read).
    pub fn start(path: &Path, writer: StreamWriter) -> std::io::Result<MessagePlayer> {
        let path = path.to_owned();
        let thread = std::thread::Builder::new()
            .name("message-player".into())
            .spawn(move || {
                let result = play(&path, writer);
                if let Err(error) = &result {
                    tracing::warn!(%error, "voicemail message not played");
                }
                result
            })?;
        Ok(MessagePlayer { thread })
    }

    /// Whether the thread has ended (its writer is released).
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the thread; its outcome.
    pub fn join(self) -> Result<PlayOutcome, PlayError> {
        match self.thread.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// The caller's side of the recording at `path`, 8 kHz.
pub fn caller_side(path: &Path) -> Result<Vec<i16>, PlayError> {
    let file = std::fs::File::open(path).map_err(|source| PlayError::Open {
        path: path.to_owned(),
        source,
    })?;
    let decoded = decode(std::io::BufReader::new(file)).map_err(|source| PlayError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(decoded.left())
}

fn play(path: &Path, mut writer: StreamWriter) -> Result<PlayOutcome, PlayError> {
    let samples = caller_side(path)?;
    let mut frames = 0u64;
    for chunk in samples.chunks(FRAME_SAMPLES) {
        let mut frame = [0i16; FRAME_SAMPLES];
        frame[..chunk.len()].copy_from_slice(chunk);
        let waiting_since = std::time::Instant::now();
        loop {
            if writer.is_cancelled() || waiting_since.elapsed() > STALLED {
                return Ok(PlayOutcome::Cancelled { frames });
            }
            if writer.write(&frame) {
                break;
            }
            std::thread::sleep(POLL);
        }
        frames += 1;
    }
    writer.finish();
    Ok(PlayOutcome::Played { frames })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OggOpusWriter, RecordingTags};
    use dsp::tone_plan::{TonePlan, TonePlanName};
    use media_engine::testing::ManualEngine;
    use media_engine::{DeviceSpec, EngineCommand, PlaybackId, PromptStore, Slot, TapId};
    use soft_hardware::{ClockMode, DeviceKind};

    fn sine(freq: f64, start: usize, count: usize) -> Vec<i16> {
        (start..start + count)
            .map(|n| {
                (8000.0 * (2.0 * std::f64::consts::PI * freq * n as f64 / 8000.0).sin()) as i16
            })
            .collect()
    }

    /// Power of `freq` in `samples` (Goertzel), per sample.
    fn power_at(samples: &[i16], freq: f64) -> f64 {
        let coeff = 2.0 * (2.0 * std::f64::consts::PI * freq / 8_000.0).cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &x in samples {
            let s0 = x as f64 + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        (s1 * s1 + s2 * s2 - coeff * s1 * s2) / samples.len().max(1) as f64
    }

    /// A 2 s message: a 1004 Hz tone on the caller's side, 1400 Hz on the box's.
    fn message(dir: &Path) -> PathBuf {
        let path = dir.join("message.opus");
        let file = std::fs::File::create(&path).unwrap();
        let mut writer = OggOpusWriter::new(file, 7, &RecordingTags::default()).unwrap();
        for frame in 0..100 {
            let left: [i16; FRAME_SAMPLES] = sine(1004.0, frame * FRAME_SAMPLES, FRAME_SAMPLES)
                .try_into()
                .unwrap();
            let right: [i16; FRAME_SAMPLES] = sine(1400.0, frame * FRAME_SAMPLES, FRAME_SAMPLES)
                .try_into()
                .unwrap();
            writer.write_frame(&left, &right).unwrap();
        }
        writer.finish().unwrap();
        path
    }

    fn engine(dir: &Path) -> ManualEngine {
        ManualEngine::new(media_engine::EngineSetup {
            devices: &[DeviceSpec {
                id: 1,
                kind: DeviceKind::Fxs,
            }],
            device_dir: dir,
            clock: ClockMode::LockStep,
            plan: TonePlan::new(TonePlanName::Etsi),
            prompts: PromptStore::default(),
            gauge: media_engine::WorkGauge::new(),
        })
        .unwrap()
    }

    #[test]
    fn the_callers_side_plays_into_the_channel_then_the_playback_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let path = message(dir.path());
        let mut engine = engine(dir.path());
        let slot = Slot(0);
        // What the channel sends is read back through a tap on it.
        let mut tap = engine.tap_reader(slot).unwrap();
        let writer = engine.stream_writer(slot).unwrap();
        let player = MessagePlayer::start(&path, writer).unwrap();
        let commands = engine.commands();
        commands
            .send(EngineCommand::StartTap {
                slot,
                tap: TapId(1),
            })
            .unwrap();
        commands
            .send(EngineCommand::PlayStream {
                slot,
                id: PlaybackId(3),
            })
            .unwrap();
        let mut sent = Vec::new();
        let mut done = false;
        for _ in 0..200 {
            // As a lock-step engine would, let the player keep ahead.
            std::thread::sleep(Duration::from_millis(1));
            engine.tick();
            while let Some(frame) = tap.read() {
                sent.extend_from_slice(&frame.tx);
            }
            if engine.drain_events().iter().any(|e| {
                matches!(
                    e,
                    media_engine::EngineEvent::PlaybackDone {
                        id: PlaybackId(3),
                        ..
                    }
                )
            }) {
                done = true;
                break;
            }
        }
        assert!(done, "PlaybackDone after the message");
        assert!(matches!(
            player.join(),
            Ok(PlayOutcome::Played { frames: 100 })
        ));
        let middle = &sent[8 * 200..8 * 1800];
        assert!(
            power_at(middle, 1004.0) > 100.0 * power_at(middle, 1400.0),
            "the caller's side, not the box's"
        );
        assert!(
            (8 * 1900..=8 * 2100).contains(&sent.len()),
            "{}",
            sent.len()
        );
    }

    #[test]
    fn a_stopped_playback_cancels_the_player_and_a_bad_file_ends_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = message(dir.path());
        let mut engine = engine(dir.path());
        let slot = Slot(0);
        let player = MessagePlayer::start(&path, engine.stream_writer(slot).unwrap()).unwrap();
        let commands = engine.commands();
        commands
            .send(EngineCommand::PlayStream {
                slot,
                id: PlaybackId(1),
            })
            .unwrap();
        for _ in 0..10 {
            engine.tick();
        }
        commands.send(EngineCommand::StopPlayback { slot }).unwrap();
        engine.tick();
        assert!(matches!(player.join(), Ok(PlayOutcome::Cancelled { .. })));

        let garbage = dir.path().join("garbage.opus");
        std::fs::write(&garbage, b"not an ogg file").unwrap();
        let player = MessagePlayer::start(&garbage, engine.stream_writer(slot).unwrap()).unwrap();
        assert!(matches!(player.join(), Err(PlayError::Read { .. })));
        commands
            .send(EngineCommand::PlayStream {
                slot,
                id: PlaybackId(2),
            })
            .unwrap();
        engine.tick();
        engine.tick();
        let events = engine.drain_events();
        assert!(
            events.iter().any(|e| matches!(
                e,
                media_engine::EngineEvent::PlaybackDone {
                    id: PlaybackId(2),
                    ..
                }
            )),
            "{events:?}"
        );
    }
}
