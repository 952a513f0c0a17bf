//! The demo: the box on soft hardware plus a traffic generator in the same process.
//! Simulated callers ring the FXO lines with caller ID, listen to the greeting, talk
//! (tones) and hang up; simulated phones on the FXS ports answer after a few rings, talk,
//! and sometimes call each other or dial out; a simulated carrier on the PRI span sends
//! bursts of calls (to the hotline's IVR, the echo test or an agent) and answers the
//! agents' calls out. Hotline callers pick options with DTMF: a balance (the demo runs a
//! billing system on loopback for the IVR's lookup), the outage notice, or an agent.

use crate::boot::{block_stop_signals, start_box, BoxOptions, RunningBox};
use anyhow::Context;
use call_control::acd_actor::AgentRequest;
use far_end::{CallDirection, CallStage, CidDelivery, PlayItem, Rig, TelcoState};
use soft_hardware::{ClockMode, DeviceKind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A tiny deterministic PRNG (xorshift64*): the demo needs variety, not cryptography.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [low, high) milliseconds.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low).max(1)
    }
}

struct Caller {
    name: String,
    next_call_ms: u64,
    hang_up_at_ms: Option<u64>,
}

/// The carrier on a PRI span: call bursts in, answers calls out, hangs up after a while.
struct CarrierDriver {
    name: String,
    next_burst_ms: u64,
    /// Call number → when the carrier's side hangs it up.
    hang_ups: std::collections::BTreeMap<usize, u64>,
    /// Hotline calls (by number) whose caller has not keyed their choices yet.
    hotline_callers: std::collections::BTreeSet<usize>,
}

/// The demo's hotline number (config/demo/routes.toml → flows/hotline.toml).
const HOTLINE: &str = "95598";
/// Where the hotline's balance lookup asks (flows/hotline.toml's `balance` node).
const BILLING_ADDRESS: &str = "127.0.0.1:8090";

/// The demo's VIP caller (config/demo/queues.toml `vip_numbers`).
const VIP_CALLER: &str = "0209999";

/// An outage: between these times of the run most hotline callers choose its option.
const SURGE_FROM_MS: u64 = 90_000;
const SURGE_UNTIL_MS: u64 = 150_000;

/// What a hotline caller keys once the IVR answers: a language, then a choice, with
/// pauses that let the prompts start (the prompts are interruptible, so a caller who
/// knows the menu need not wait for the end).
fn hotline_script(dice: &mut Dice, surge: bool) -> Vec<PlayItem> {
    let language = if dice.next().is_multiple_of(2) {
        "1"
    } else {
        "2"
    };
    // During an outage most callers report it (the surge the floor sees).
    let pick = if surge && dice.next() % 4 != 0 {
        2
    } else {
        dice.next() % 6
    };
    let choice: &[&str] = match pick {
        0 | 1 => &["1", "123456#"],
        2 => &["2"],
        3 => &["3"],
        4 => &["8"],
        _ => &["0"],
    };
    let mut script = vec![
        PlayItem::Silence { duration_ms: 2_500 },
        PlayItem::Dtmf(language.into()),
    ];
    for keys in choice {
        script.push(PlayItem::Silence { duration_ms: 3_000 });
        script.push(PlayItem::Dtmf((*keys).into()));
    }
    if pick == 4 {
        // A message for the operator after the greeting and the beep: 3 s of "speech"
        // (a tone), then # to end it.
        script.push(PlayItem::Silence { duration_ms: 8_000 });
        script.push(PlayItem::Tone {
            freq_hz: 440,
            level_dbm0: -15.0,
            duration_ms: 3_000,
        });
        script.push(PlayItem::Dtmf("#".into()));
    }
    script
}

struct Extension {
    name: String,
    /// Digits to dial once dial tone has had time to start.
    dial_at: Option<(u64, String)>,
    answer_after_rings: u32,
    hang_up_at_ms: Option<u64>,
    number: String,
}

pub fn run_demo(
    config: &Path,
    data: &Path,
    call_interval_s: f64,
    seconds: Option<u64>,
) -> anyhow::Result<()> {
    let signals = block_stop_signals()?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop_on_signal = Arc::clone(&stop);
    std::thread::spawn(move || {
        if signals.wait().is_ok() {
            stop_on_signal.store(true, Ordering::Release);
        }
    });
    let mut options = BoxOptions::new(config.to_owned(), data.to_owned());
    options.clock = Some(ClockMode::RealTime);
    let running = start_box(options).context("demo box did not start")?;
    // The billing system the hotline's lookup asks; without it the IVR takes its fallback.
    let billing =
        match far_end::LookupServer::start(BILLING_ADDRESS, far_end::LookupBehaviour::Balance) {
            Ok(server) => Some(server),
            Err(error) => {
                println!("billing lookup server not started on {BILLING_ADDRESS}: {error}");
                None
            }
        };
    let web = running.web_url();
    println!("demo box running (Ctrl-C stops)");
    println!("  web UI:       {web}/");
    println!(
        "    first start: open it and create the administrator (there is no default password);"
    );
    println!(
        "    the browser warns once about the box's self-signed certificate. Then the wallboard"
    );
    println!("    ({web}/wallboard) shows the demo's staffed floor live.");
    println!("  the JSON API (a session, or `Authorization: Bearer` with a token made under Admin → API tokens):");
    println!("  status:       {web}/api/status");
    println!("  call records: {web}/api/cdrs");
    println!("  live events:  {web}/api/events/stream  (or /api/events?after=N)");
    println!("  a call's IVR: {web}/api/calls/<id>/events");
    println!("  the floor:    {web}/api/agents  and  /api/queues");
    println!("  alerts:       {web}/api/alerts");
    println!("  recordings:   {web}/api/recordings  (each at /api/recordings/<id>/audio)");
    println!("  voicemail:    {web}/api/mailboxes/204/messages  (key 8 in the hotline)");
    println!("  reports:      {web}/api/reports/queues?interval=15m  and  /api/reports/agents  (&format=csv)");
    println!("  metrics:      {web}/metrics");
    let outcome = generate_traffic(&running, call_interval_s, seconds, &stop);
    if let Some(billing) = &billing {
        println!("billing lookups answered: {}", billing.requests());
    }
    if let Some(stats) = running.engine_stats() {
        println!(
            "media engine: {} ticks, lateness p50 {} us, p99 {} us, max {} us; tick duration p50 {} us, p99 {} us",
            stats.ticks,
            stats.tick_lateness.p50_us,
            stats.tick_lateness.p99_us,
            stats.tick_lateness.max_us,
            stats.tick_duration.p50_us,
            stats.tick_duration.p99_us
        );
    }
    outcome
}

fn generate_traffic(
    running: &RunningBox,
    call_interval_s: f64,
    seconds: Option<u64>,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    let config = box_config::Config::load(&running_config_dir(running)?)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut devices = Vec::new();
    let mut callers = Vec::new();
    let mut extensions = Vec::new();
    let mut carriers = Vec::new();
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ std::process::id() as u64);
    let interval_ms = (call_interval_s * 1000.0).max(1000.0) as u64;
    for port in &config.ports {
        match &port.kind {
            box_config::PortKind::Fxo(_) => {
                let name = format!("fxo{}", port.id);
                devices.push((name.clone(), DeviceKind::Fxo, port.id));
                callers.push(Caller {
                    name,
                    next_call_ms: dice.between(500, interval_ms),
                    hang_up_at_ms: None,
                });
            }
            box_config::PortKind::Fxs(fxs) => {
                let name = format!("fxs{}", port.id);
                devices.push((name.clone(), DeviceKind::Fxs, port.id));
                extensions.push(Extension {
                    name,
                    dial_at: None,
                    answer_after_rings: 1,
                    hang_up_at_ms: None,
                    number: fxs.extension.to_string(),
                });
            }
        }
    }
    for span in &config.spans {
        let name = format!("span{}", span.id);
        devices.push((name.clone(), DeviceKind::E1, span.id));
        carriers.push(CarrierDriver {
            name,
            next_burst_ms: 3_000,
            hang_ups: Default::default(),
            hotline_callers: Default::default(),
        });
    }
    let device_refs: Vec<(&str, DeviceKind, u16)> = devices
        .iter()
        .map(|(n, k, i)| (n.as_str(), *k, *i))
        .collect();
    let mut rig = Rig::connect(running.device_dir(), &device_refs, ClockMode::RealTime)?;
    let mut floor = Floor::staff(running, &config);
    let end_ms = seconds.map(|s| s * 1000);
    let mut next_report_ms = 10_000;
    let mut reported_alerts = std::collections::BTreeSet::new();
    while !stop.load(Ordering::Acquire) && end_ms.is_none_or(|end| rig.now_ms() < end) {
        rig.step()?;
        let now = rig.now_ms();
        for caller in &mut callers {
            drive_caller(&mut rig, caller, now, interval_ms, &mut dice);
        }
        for carrier in &mut carriers {
            drive_carrier(&mut rig, carrier, now, interval_ms, &mut dice);
        }
        let mut numbers: Vec<String> = extensions.iter().map(|e| e.number.clone()).collect();
        if !carriers.is_empty() {
            // Agents also call out over the carrier (9 + number).
            numbers.push("90201234".into());
        }
        for extension in &mut extensions {
            drive_phone(&mut rig, extension, now, &numbers, &mut dice);
        }
        floor.breaks(running, now, &mut dice);
        if now >= next_report_ms {
            next_report_ms += 10_000;
            if let Ok(status) = running.status() {
                println!(
                    "[{:>5.0} s] calls up: {}, started: {}, ended: {}, failed: {}",
                    now as f64 / 1000.0,
                    status.calls.len(),
                    status.totals.calls_started,
                    status.totals.calls_ended,
                    status.totals.calls_failed
                );
            }
            if let Ok(floor) = running.acd_snapshot() {
                println!("[{:>5.0} s] {}", now as f64 / 1000.0, floor_line(&floor));
            }
            if let Some(line) = recordings_line(running) {
                println!("[{:>5.0} s] {line}", now as f64 / 1000.0);
            }
            if let Ok(alerts) = running.alerts() {
                for alert in alerts.iter().filter(|a| a.active) {
                    if reported_alerts.insert(alert.uid.clone()) {
                        println!(
                            "[{:>5.0} s] ALERT {}",
                            now as f64 / 1000.0,
                            alert.alert.text
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// The recordings so far (calls and voicemail), read from the box's database.
fn recordings_line(running: &RunningBox) -> Option<String> {
    let storage = storage::Storage::open(running.data_dir()).ok()?;
    let rows = storage
        .list_recordings(&storage::RecordingFilter {
            limit: 1000,
            ..Default::default()
        })
        .ok()?;
    let count = |kind: &str, status: &str| {
        rows.iter()
            .filter(|r| r.kind == kind && (status.is_empty() || r.status == status))
            .count()
    };
    Some(format!(
        "recordings: {} calls ({} recording now), {} voicemail messages",
        count("call", ""),
        count("call", "recording"),
        count("voicemail", "")
    ))
}

/// The ACD's agents on the demo floor: all log in at the start (at the phone of their
/// own number when there is one) and now and then one takes a break.
struct Floor {
    agents: Vec<String>,
    break_reason: Option<String>,
    on_break: Option<(String, u64)>,
    next_break_ms: u64,
}

impl Floor {
    fn staff(running: &RunningBox, config: &box_config::Config) -> Floor {
        let phones: Vec<String> = config
            .ports
            .iter()
            .filter_map(|p| match &p.kind {
                box_config::PortKind::Fxs(fxs) => Some(fxs.extension.to_string()),
                _ => None,
            })
            .collect();
        let mut agents = Vec::new();
        for (n, agent) in config.acd.agents.iter().enumerate() {
            let id = agent.id.to_string();
            let device = if phones.contains(&id) {
                id.clone()
            } else {
                phones
                    .get(n % phones.len().max(1))
                    .cloned()
                    .unwrap_or_default()
            };
            match running.agent_request(
                &id,
                AgentRequest::Login {
                    device: device.clone(),
                },
            ) {
                Ok(()) => {
                    println!("agent {id} logs in at {device}");
                    agents.push(id);
                }
                Err(error) => println!("agent {id} cannot log in: {error}"),
            }
        }
        Floor {
            agents,
            break_reason: config.acd.not_ready_reasons.first().cloned(),
            on_break: None,
            next_break_ms: 30_000,
        }
    }

    fn breaks(&mut self, running: &RunningBox, now: u64, dice: &mut Dice) {
        if let Some((agent, until)) = &self.on_break {
            if now >= *until {
                match running.agent_request(agent, AgentRequest::Ready) {
                    Ok(()) => println!(
                        "[{:>5.1} s] agent {agent} is back from a break",
                        now as f64 / 1000.0
                    ),
                    Err(error) => println!(
                        "[{:>5.1} s] agent {agent} stays away: {error}",
                        now as f64 / 1000.0
                    ),
                }
                self.on_break = None;
            }
            return;
        }
        let (Some(reason), false) = (&self.break_reason, self.agents.is_empty()) else {
            return;
        };
        if now < self.next_break_ms {
            return;
        }
        self.next_break_ms = now + dice.between(40_000, 80_000);
        let agent = self.agents[(dice.next() as usize) % self.agents.len()].clone();
        let request = AgentRequest::NotReady {
            reason: reason.clone(),
        };
        // Refused while the agent is on a call: the break waits for the next turn.
        if running.agent_request(&agent, request).is_ok() {
            println!(
                "[{:>5.1} s] agent {agent} takes a {reason}",
                now as f64 / 1000.0
            );
            self.on_break = Some((agent, now + dice.between(10_000, 20_000)));
        }
    }
}

/// One line on the floor: agents per state, then each queue's waiting callers.
fn floor_line(floor: &box_config::acd::Snapshot) -> String {
    let mut states = std::collections::BTreeMap::new();
    for agent in &floor.agents {
        *states.entry(agent.state.kind()).or_insert(0usize) += 1;
    }
    let agents: Vec<String> = states
        .iter()
        .map(|(kind, n)| format!("{n} {kind:?}"))
        .collect();
    let queues: Vec<String> = floor
        .queues
        .iter()
        .map(|q| {
            format!(
                "{} {} waiting (longest {} s), {} answered, {} abandoned",
                q.name,
                q.waiting,
                q.longest_wait_ms / 1000,
                q.answered,
                q.abandoned
            )
        })
        .collect();
    format!("floor: agents {}; {}", agents.join(", "), queues.join("; "))
}

fn running_config_dir(running: &RunningBox) -> anyhow::Result<std::path::PathBuf> {
    Ok(running.config_dir().to_owned())
}

/// "Speech" for the demo: tones of varying pitch and length with pauses between.
fn talk(mouth: &mut far_end::Mouth, dice: &mut Dice) {
    if mouth.is_idle() {
        let _ = mouth.push(PlayItem::Tone {
            freq_hz: dice.between(300, 1200) as u16,
            level_dbm0: -18.0,
            duration_ms: dice.between(200, 900) as u32,
        });
        let _ = mouth.push(PlayItem::Silence {
            duration_ms: dice.between(100, 600) as u32,
        });
    }
}

fn drive_caller(rig: &mut Rig, caller: &mut Caller, now: u64, interval_ms: u64, dice: &mut Dice) {
    let Some(line) = rig.telco_mut(&caller.name) else {
        return;
    };
    match line.state() {
        TelcoState::Idle if now >= caller.next_call_ms => {
            let from = format!("555{:04}", dice.next() % 10_000);
            if line
                .place_call(
                    now,
                    Some(&from),
                    Some("Demo caller"),
                    CidDelivery::EtsiFskBeforeRing,
                )
                .is_ok()
            {
                println!(
                    "[{:>5.1} s] {}: caller {from} dials in",
                    now as f64 / 1000.0,
                    caller.name
                );
                // Some callers give up while waiting: they hang up after 8-40 s.
                caller.hang_up_at_ms = Some(now + dice.between(8_000, 40_000));
            }
        }
        TelcoState::Answered => {
            talk(line.mouth(), dice);
            if caller.hang_up_at_ms.is_some_and(|at| now >= at) {
                line.hang_up(now);
                println!(
                    "[{:>5.1} s] {}: caller hangs up",
                    now as f64 / 1000.0,
                    caller.name
                );
                caller.hang_up_at_ms = None;
                caller.next_call_ms = now + dice.between(interval_ms / 2, interval_ms * 3 / 2);
            }
        }
        TelcoState::Released => {
            // The box cleared the call (the agent hung up): hang up too, call again later.
            line.hang_up(now);
            caller.hang_up_at_ms = None;
            caller.next_call_ms = now + dice.between(interval_ms / 2, interval_ms * 3 / 2);
        }
        TelcoState::Alerting | TelcoState::Disconnecting | TelcoState::Idle => {}
    }
}

fn drive_phone(
    rig: &mut Rig,
    extension: &mut Extension,
    now: u64,
    numbers: &[String],
    dice: &mut Dice,
) {
    let Some(phone) = rig.phone_mut(&extension.name) else {
        return;
    };
    if !phone.is_off_hook() {
        if phone.ringing() && phone.ring_bursts() >= extension.answer_after_rings {
            phone.go_off_hook(now);
            println!(
                "[{:>5.1} s] {} ({}) answers",
                now as f64 / 1000.0,
                extension.name,
                extension.number
            );
            extension.hang_up_at_ms = Some(now + dice.between(5_000, 20_000));
            extension.answer_after_rings = 1 + (dice.next() % 3) as u32;
        } else if !phone.ringing() && dice.next().is_multiple_of(6_000) {
            // Now and then an agent calls a colleague.
            let others: Vec<&String> = numbers.iter().filter(|n| **n != extension.number).collect();
            if let Some(target) = others.get((dice.next() as usize) % others.len().max(1)) {
                phone.go_off_hook(now);
                extension.dial_at = Some((now + 600, target.to_string()));
                println!(
                    "[{:>5.1} s] {} ({}) calls {target}",
                    now as f64 / 1000.0,
                    extension.name,
                    extension.number
                );
                extension.hang_up_at_ms = Some(now + dice.between(10_000, 25_000));
            }
        }
        return;
    }
    if let Some((at, digits)) = extension.dial_at.take() {
        if now < at {
            extension.dial_at = Some((at, digits));
        } else {
            let _ = phone.dial(now, &digits);
        }
        return;
    }
    talk(phone.mouth(), dice);
    if extension.hang_up_at_ms.is_some_and(|at| now >= at) {
        phone.hang_up(now);
        println!(
            "[{:>5.1} s] {} ({}) hangs up",
            now as f64 / 1000.0,
            extension.name,
            extension.number
        );
        extension.hang_up_at_ms = None;
    }
}

fn drive_carrier(
    rig: &mut Rig,
    driver: &mut CarrierDriver,
    now: u64,
    interval_ms: u64,
    dice: &mut Dice,
) {
    let Some(carrier) = rig.carrier_mut(&driver.name) else {
        return;
    };
    if !carrier.link_up() {
        return;
    }
    if now >= driver.next_burst_ms {
        driver.next_burst_ms = now + dice.between(interval_ms / 2, interval_ms * 3 / 2);
        let count = 1 + (dice.next() % 3) as usize;
        let to = match dice.next() % 6 {
            0 => "5550203",
            1 | 2 => "100",
            _ => HOTLINE,
        };
        // Now and then the VIP customer (queues.toml `vip_numbers`) calls.
        let from = if dice.next().is_multiple_of(8) {
            VIP_CALLER.to_owned()
        } else {
            format!("020{:04}", dice.next() % 10_000)
        };
        match carrier.place_calls(now, count, Some(&from), to) {
            Ok(numbers) => {
                println!(
                    "[{:>5.1} s] {}: {count} call(s) from {from} to {to}",
                    now as f64 / 1000.0,
                    driver.name
                );
                for number in numbers {
                    let stay = if to == HOTLINE {
                        driver.hotline_callers.insert(number);
                        dice.between(30_000, 60_000)
                    } else {
                        dice.between(6_000, 25_000)
                    };
                    driver.hang_ups.insert(number, now + stay);
                }
            }
            Err(error) => println!(
                "[{:>5.1} s] {}: no calls placed: {error}",
                now as f64 / 1000.0,
                driver.name
            ),
        }
    }
    let offered = carrier
        .calls()
        .iter()
        .any(|c| c.direction == CallDirection::FromBox && c.stage == CallStage::Offered);
    if offered {
        if let Ok(number) = carrier.answer_next(now) {
            println!(
                "[{:>5.1} s] {}: answers call {number} from the box",
                now as f64 / 1000.0,
                driver.name
            );
            driver
                .hang_ups
                .insert(number, now + dice.between(8_000, 20_000));
        }
    }
    let answered: Vec<usize> = carrier
        .live_calls()
        .filter(|c| c.is_answered())
        .map(|c| c.number)
        .collect();
    for number in answered {
        let keys_choices = driver.hotline_callers.remove(&number);
        if let Some(mouth) = carrier.mouth(number) {
            if keys_choices {
                let surge = (SURGE_FROM_MS..SURGE_UNTIL_MS).contains(&now);
                for item in hotline_script(dice, surge) {
                    let _ = mouth.push(item);
                }
            }
            talk(mouth, dice);
        }
    }
    let due: Vec<usize> = driver
        .hang_ups
        .iter()
        .filter(|(_, at)| **at <= now)
        .map(|(n, _)| *n)
        .collect();
    for number in due {
        driver.hang_ups.remove(&number);
        driver.hotline_callers.remove(&number);
        // Already released (the box or the agent hung up first): nothing to do.
        let _ = carrier.hang_up(now, number, 16);
    }
}
