//! A lock-step harness: a hand-driven engine with real far ends on real sockets.
#![allow(dead_code)]

use dsp::g711::{alaw_decode, alaw_encode};
use dsp::tone_plan::{TonePlan, TonePlanName};
use media_engine::testing::ManualEngine;
use media_engine::{DeviceSpec, EngineSetup, PromptStore, WorkGauge};
use soft_hardware::{Block, ClockMode, DeviceKind, FarEnd};
use std::time::Duration;

pub const DEVICES: [DeviceSpec; 4] = [
    DeviceSpec {
        id: 1,
        kind: DeviceKind::Fxs,
    },
    DeviceSpec {
        id: 2,
        kind: DeviceKind::Fxs,
    },
    DeviceSpec {
        id: 3,
        kind: DeviceKind::Fxo,
    },
    DeviceSpec {
        id: 4,
        kind: DeviceKind::E1,
    },
];

pub struct Harness {
    pub engine: ManualEngine,
    pub far: Vec<FarEnd>,
    pub outgoing: Vec<Block>,
    pub incoming: Vec<Block>,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub fn new(prompts: PromptStore) -> Harness {
        Harness::with_devices(prompts, &DEVICES)
    }

    /// The harness on other devices (say, eight E1 spans: 240 B-channels), far ends on all.
    pub fn with_devices(prompts: PromptStore, devices: &[DeviceSpec]) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut engine = ManualEngine::new(EngineSetup {
            devices,
            device_dir: dir.path(),
            clock: ClockMode::LockStep,
            plan: TonePlan::new(TonePlanName::Etsi),
            prompts,
            gauge: WorkGauge::new(),
        })
        .expect("engine builds");
        let mut far = Vec::new();
        for spec in devices.iter().copied() {
            let path = soft_hardware::socket_path(dir.path(), spec.kind, spec.id);
            let connecting = std::thread::spawn(move || {
                FarEnd::connect(
                    &path,
                    Some(spec.kind),
                    Some(ClockMode::LockStep),
                    Duration::from_secs(5),
                )
            });
            while !connecting.is_finished() {
                engine.pump();
                std::thread::sleep(Duration::from_millis(1));
            }
            let (far_end, hello) = connecting
                .join()
                .expect("connect thread")
                .expect("far end connects");
            assert_eq!(hello.device_id, spec.id);
            far.push(far_end);
        }
        let outgoing = devices
            .iter()
            .map(|d| Block::idle(d.kind.channels()))
            .collect();
        let incoming = devices
            .iter()
            .map(|d| Block::idle(d.kind.channels()))
            .collect();
        Harness {
            engine,
            far,
            outgoing,
            incoming,
            _dir: dir,
        }
    }

    /// Where the devices' sockets are.
    pub fn device_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// One lock-step exchange: every far end sends `outgoing`, the engine ticks, every far
    /// end reads the box's answer into `incoming`.
    pub fn step(&mut self) {
        for (far, block) in self.far.iter_mut().zip(&self.outgoing) {
            far.send_block(block).expect("far end sends");
        }
        assert!(
            self.engine.wait_blocks(Duration::from_secs(5)),
            "engine got every block"
        );
        self.engine.tick();
        for (far, block) in self.far.iter_mut().zip(self.incoming.iter_mut()) {
            far.recv_block(block, Duration::from_secs(5))
                .expect("far end receives");
        }
    }

    pub fn set_audio(&mut self, device: usize, record: usize, samples: &[i16]) {
        let audio = &mut self.outgoing[device].channels[record].audio;
        for (octet, sample) in audio.iter_mut().zip(samples) {
            *octet = alaw_encode(*sample);
        }
    }

    pub fn received(&self, device: usize, record: usize) -> Vec<i16> {
        self.incoming[device].channels[record]
            .audio
            .iter()
            .map(|o| alaw_decode(*o))
            .collect()
    }
}

/// Power of `frequency` in `samples` relative to their total power (0..1), by Goertzel.
pub fn tone_share(samples: &[i16], frequency: f64) -> f64 {
    let omega = 2.0 * std::f64::consts::PI * frequency / 8000.0;
    let coeff = 2.0 * omega.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut total = 0.0;
    for sample in samples {
        let x = *sample as f64;
        total += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if total == 0.0 {
        return 0.0;
    }
    // A pure sine of N samples gives Goertzel power N/2 times its total energy.
    power / (total * samples.len() as f64 / 2.0)
}

pub fn sine(frequency: f64, amplitude: f64, start: usize, count: usize) -> Vec<i16> {
    (start..start + count)
        .map(|n| {
            (amplitude * (2.0 * std::f64::consts::PI * frequency * n as f64 / 8000.0).sin()) as i16
        })
        .collect()
}

/// Runs `f` on its own thread and fails the test if it has not finished within `limit`:
/// a hang (a queue that spins when full) becomes a failure instead of a stuck test run.
pub fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = std::sync::mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(what.to_owned())
        .spawn(move || {
            let _ = done.send(f());
        })
        .expect("spawn the guarded thread");
    match finished.recv_timeout(limit) {
        Ok(value) => {
            let _ = worker.join();
            value
        }
        // The sender went away without a value: `f` panicked; show its panic.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("{what}: finished without a result"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: did not finish within {limit:?} (hung)")
        }
    }
}

/// Amplitude of the `frequency` component of `samples` (a sine of amplitude A reads
/// about A), by Goertzel: what a listener hears of one party, whoever else is mixed in.
pub fn level(samples: &[i16], frequency: f64) -> f64 {
    let omega = 2.0 * std::f64::consts::PI * frequency / 8000.0;
    let coeff = 2.0 * omega.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for sample in samples {
        let s0 = *sample as f64 + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0);
    2.0 * power.sqrt() / samples.len() as f64
}
