//! The watchdog sees a dead dispatcher thread (its sink panicked) and a real-time engine
//! that runs; both are in the engine's status figures.

use dsp::tone_plan::{TonePlan, TonePlanName};
use media_engine::watchdog::{Health, SAMPLE_MS};
use media_engine::{DeviceSpec, EngineHandle, EngineSetup, PromptStore, WorkGauge};
use soft_hardware::{ClockMode, DeviceKind, FarEnd};
use std::time::{Duration, Instant};

const DEVICES: [DeviceSpec; 1] = [DeviceSpec {
    kind: DeviceKind::Fxs,
    id: 1,
}];

fn start(dir: &std::path::Path, clock: ClockMode, sink: media_engine::EventSink) -> EngineHandle {
    EngineHandle::start(
        EngineSetup {
            devices: &DEVICES,
            device_dir: dir,
            clock,
            plan: TonePlan::new(TonePlanName::Etsi),
            prompts: PromptStore::default(),
            gauge: WorkGauge::new(),
        },
        sink,
    )
    .expect("engine starts")
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < until, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(SAMPLE_MS / 5));
    }
}

#[test]
fn a_dispatcher_whose_sink_panics_is_reported_dead_while_the_engine_runs() {
    let dir = tempfile::tempdir().unwrap();
    let sink: media_engine::EventSink =
        Box::new(|_event, _token| panic!("a control plane that fails on the first event"));
    let engine = start(dir.path(), ClockMode::RealTime, sink);
    wait_for("the engine ticks", Duration::from_secs(5), || {
        engine.stats().engine_time_ms >= 200
    });
    assert_eq!(engine.stats().engine_health, Health::Running);
    assert_eq!(engine.stats().dispatcher_health, Health::Running);
    // A far end connects: the engine reports the link, and the dispatcher dies handing it on.
    let path = soft_hardware::socket_path(dir.path(), DeviceKind::Fxs, 1);
    let _far = FarEnd::connect(
        &path,
        Some(DeviceKind::Fxs),
        Some(ClockMode::RealTime),
        Duration::from_secs(5),
    )
    .expect("far end connects");
    wait_for(
        "the dispatcher reported dead",
        Duration::from_secs(5),
        || engine.stats().dispatcher_health == Health::Dead,
    );
    assert_eq!(
        engine.stats().engine_health,
        Health::Running,
        "the engine itself carries on"
    );
}
