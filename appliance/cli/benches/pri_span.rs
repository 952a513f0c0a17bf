//! The whole box on one PRI span, measured: `cargo bench -p appliance --bench pri_span`.
//!
//! A lock-step box (hil-tests/configs/pri: calls to the echo test) faces the rig's
//! carrier simulator on a soft E1. The carrier keeps all 30 B-channels busy with calls
//! that it clears as soon as they are answered, until `CALLS` calls completed. Reported:
//! - setup time on the line: SETUP sent by the carrier → CONNECT received, in line time
//!   (the span's 20 ms blocks, so it is quantised to them);
//! - calls per second of line time the span sustains (bounded by the 64 kbit/s
//!   D-channel, Q.921's window and the 20 ms block clock);
//! - calls per second of wall time the box processes in lock-step (its CPU cost, engine
//!   and actors included; this machine's two cores also run the carrier).

use appliance::boot::{start_box, BoxOptions};
use far_end::{CallDirection, Rig};
use soft_hardware::{ClockMode, DeviceKind};
use std::path::Path;
use std::time::Instant;

const CALLS: usize = 600;
const CHANNELS: usize = 30;

fn main() -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hil-tests/configs/pri");
    let mut options = BoxOptions::new(config, work.path().join("data"));
    options.device_dir = Some(work.path().join("devices"));
    let mut running = start_box(options)?;
    let mut rig = Rig::connect(
        running.device_dir(),
        &[("span1", DeviceKind::E1, 1)],
        ClockMode::LockStep,
    )?;
    while !rig.carrier("span1").is_some_and(|c| c.link_up()) {
        anyhow::ensure!(rig.now_ms() < 5_000, "D-channel did not come up");
        rig.step()?;
    }
    let idle_setup_ms = one_call_at_a_time(&mut rig, 20)?;
    let started_line_ms = rig.now_ms();
    let started_wall = Instant::now();
    let mut placed = 0;
    let mut cleared = std::collections::BTreeSet::new();
    while cleared.len() < CALLS {
        anyhow::ensure!(
            rig.now_ms() - started_line_ms < 600_000,
            "calls stopped completing: {}",
            rig.state_summary()
        );
        let now = rig.now_ms();
        let carrier = rig
            .carrier_mut("span1")
            .ok_or_else(|| anyhow::anyhow!("no carrier"))?;
        let live = carrier.calls().iter().filter(|c| !c.cleared).count();
        let free = CHANNELS.saturating_sub(live).min(CALLS - placed);
        if free > 0
            && carrier
                .place_calls(now, free, Some("0201234"), "100")
                .is_ok()
        {
            placed += free;
        }
        let answered: Vec<usize> = carrier
            .live_calls()
            .filter(|c| c.is_answered() && c.cause.is_none())
            .map(|c| c.number)
            .collect();
        for number in answered {
            carrier.hang_up(now, number, 16)?;
        }
        for call in carrier.calls().iter().filter(|c| c.cleared) {
            cleared.insert(call.number);
        }
        rig.step()?;
    }
    let wall_s = started_wall.elapsed().as_secs_f64();
    let line_s = (rig.now_ms() - started_line_ms) as f64 / 1000.0;
    let carrier = rig
        .carrier("span1")
        .ok_or_else(|| anyhow::anyhow!("no carrier"))?;
    let mut setup_ms: Vec<u64> = carrier
        .calls()
        .iter()
        .skip(idle_setup_ms.len()) // the single calls measured first
        .filter(|c| c.direction == CallDirection::ToBox)
        .filter_map(|c| c.answered_at_ms.map(|a| a.saturating_sub(c.started_at_ms)))
        .collect();
    setup_ms.sort_unstable();
    let failed = carrier
        .calls()
        .iter()
        .filter(|c| c.cleared && c.answered_at_ms.is_none())
        .count();
    let pick = |q: f64| {
        setup_ms
            .get(((setup_ms.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    println!("pri_span: one E1 PRI span (30 B-channels), box = user side, lock-step");
    println!(
        "  one call at a time, SETUP -> CONNECT on the line: min {} ms, max {} ms over {} calls",
        idle_setup_ms.iter().min().copied().unwrap_or(0),
        idle_setup_ms.iter().max().copied().unwrap_or(0),
        idle_setup_ms.len()
    );
    println!("  {CALLS} calls keeping all 30 B-channels busy:");
    println!(
        "  setup on the line (carrier queues SETUP -> CONNECT received): p50 {} ms, p99 {} ms, max {} ms ({} calls answered, {failed} not)",
        pick(0.5),
        pick(0.99),
        setup_ms.last().copied().unwrap_or(0),
        setup_ms.len()
    );
    println!(
        "  sustained: {:.1} calls/s of line time over {line_s:.1} s",
        CALLS as f64 / line_s
    );
    println!(
        "  box in lock-step: {:.1} calls/s of wall time ({wall_s:.2} s)",
        CALLS as f64 / wall_s
    );
    if let Some(stats) = running.engine_stats() {
        println!(
            "  D-channel: {} frames in, {} out, {} refused by HDLC, {} bad",
            stats.dchannel_frames_in,
            stats.dchannel_frames_out,
            stats.dchannel_tx_dropped,
            stats.dchannel_errors
        );
    }
    running.stop();
    Ok(())
}

/// Places `count` calls one after the other on an idle span; returns each call's setup
/// time on the line (SETUP queued for the next block → CONNECT received).
fn one_call_at_a_time(rig: &mut Rig, count: usize) -> anyhow::Result<Vec<u64>> {
    let mut times = Vec::new();
    for _ in 0..count {
        let now = rig.now_ms();
        let carrier = rig
            .carrier_mut("span1")
            .ok_or_else(|| anyhow::anyhow!("no carrier"))?;
        let number = *carrier.place_calls(now, 1, Some("0201234"), "100")?.start();
        loop {
            anyhow::ensure!(
                rig.now_ms() - now < 5_000,
                "call {number} not answered: {}",
                rig.state_summary()
            );
            rig.step()?;
            let carrier = rig
                .carrier_mut("span1")
                .ok_or_else(|| anyhow::anyhow!("no carrier"))?;
            let Some(call) = carrier.call(number) else {
                continue;
            };
            if let Some(answered) = call.answered_at_ms {
                if call.cause.is_none() {
                    times.push(answered - call.started_at_ms);
                    let now = rig.now_ms();
                    rig.carrier_mut("span1")
                        .ok_or_else(|| anyhow::anyhow!("no carrier"))?
                        .hang_up(now, number, 16)?;
                }
            }
            if rig
                .carrier("span1")
                .and_then(|c| c.call(number))
                .is_some_and(|c| c.cleared)
            {
                break;
            }
        }
    }
    Ok(times)
}
