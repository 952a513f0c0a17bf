//! The example Python far end (written from WIRE-FORMAT.md only) talks to a SoftDevice.
//! Fails where python3 is missing (xtask/setup.sh installs it); it does not skip.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TempDir;
use soft_hardware::signal;
use soft_hardware::{wait_readable, Block, ClockMode, DeviceKind, RealTimeClock, SoftDevice};

const BLOCKS: u32 = 12;

/// Panics unless python3 runs here: the test fails rather than skips where it is missing
/// (xtask/setup.sh installs it, and CI runs that).
fn require_python3() {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 is not installed: the Python far end test needs it and does not skip; run xtask/setup.sh (or apt-get install python3)"
    );
}

/// What the box feeds the phone at tick `n`: battery, ringing for ticks 4..8.
fn feed(n: u64) -> u8 {
    signal::line((4..8).contains(&n), false, true)
}

fn run(clock: ClockMode) {
    require_python3();
    let dir = TempDir::new("python");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::Fxs, 7, clock).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/far_end.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(dev.path())
        .args(["--blocks", &BLOCKS.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let mut rt = match clock {
        ClockMode::RealTime => Some(RealTimeClock::new(Duration::from_millis(20)).unwrap()),
        ClockMode::LockStep => None,
    };
    let mut inbound = Block::idle(1);
    let mut outbound = Block::idle(1);
    let mut off_hook_blocks = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "python far end hung");
        match rt.as_mut() {
            Some(rt) => {
                rt.wait_tick().unwrap();
            }
            None => wait_readable([&dev], Duration::from_millis(20)).unwrap(),
        }
        dev.poll_accept().unwrap();
        dev.receive().unwrap();
        if !dev.is_connected() {
            continue;
        }
        let got = dev.take_block(&mut inbound);
        if got && signal::is_off_hook(inbound.channels[0].signal) {
            off_hook_blocks += 1;
        }
        // Lock-step: answer each block. Real time: send every tick.
        if got || rt.is_some() {
            outbound.channels[0].signal = feed(dev.stats().blocks_tx);
            dev.send_block(&outbound).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "far_end.py failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("connected to fxs7"), "{stdout}");
    assert!(stdout.contains("block 0: battery\n"), "{stdout}");
    assert!(stdout.contains("block 4: battery ringing\n"), "{stdout}");
    assert!(stdout.contains("block 8: battery\n"), "{stdout}");
    assert!(
        off_hook_blocks >= BLOCKS - 1,
        "box saw the phone off hook in {off_hook_blocks} blocks"
    );
    assert_eq!(dev.stats().protocol_errors, 0);
}

#[test]
fn python_far_end_lock_step() {
    run(ClockMode::LockStep);
}

#[test]
fn python_far_end_real_time() {
    run(ClockMode::RealTime);
}
