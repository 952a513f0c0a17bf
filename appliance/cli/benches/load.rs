//! The box's performance goal (issue #12): N simultaneous recorded calls, in real time.
//!
//! `cargo bench -p appliance --bench load -- [--calls 30,60,120,240] [--seconds 20]`
//!
//! For each N, in this one process: a box (real-time clock) on ceil(N/30) soft E1 spans
//! and N soft FXS ports, and the HIL rig's far ends on its own thread (a carrier on each
//! span, a phone on each port). N agents log in at the N phones. The carriers place N
//! calls to the hotline; each caller keys 1 in the IVR menu, waits in the queue with
//! music, and is answered by an agent's phone; then the caller sends 1004 Hz and the
//! agent 1400 Hz, and every call is recorded (every trunk `always`). Once all N talk, the
//! bench measures a window of real time:
//! - calls sustained: calls up at the window's end whose caller hears the agent's tone
//!   and whose agent hears the caller's, with their recording running;
//! - CPU per call: the box's threads' CPU time over the window (the far ends' thread is
//!   counted apart) per call, in % of one core;
//! - media tick lateness p50/p99/max over the window (histogram bucket bounds);
//! - frames dropped: tap frames the engine dropped, frames the recordings miss, and
//!   blocks the far ends delivered late (device underruns, the simulator's share);
//! - RSS at idle (the box started, agents logged in) and per call (the process's RSS,
//!   far ends included, at N calls less idle, over N);
//! - the share of the box's CPU spent encoding Opus (the recorder threads' own count).
//! After the window every call is hung up and every recording must close complete.

use appliance::boot::{start_box, BoxOptions, RunningBox};
use far_end::{PlayItem, Rig};
use soft_hardware::{ClockMode, DeviceKind};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CHANNELS_PER_SPAN: usize = 30;
const CALLER_HZ: u16 = 1004;
const AGENT_HZ: u16 = 1400;
/// Device ids of the agents' phones start here (spans are 1…8).
const FIRST_PHONE_ID: u16 = 101;
const RIG_THREAD: &str = "far-end-rig";

struct Options {
    calls: Vec<usize>,
    window_s: u64,
}

fn options() -> anyhow::Result<Options> {
    let mut options = Options {
        calls: vec![30, 60, 120, 240],
        window_s: 20,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--calls" => {
                let list = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--calls needs a list"))?;
                options.calls = list
                    .split(',')
                    .map(|n| n.trim().parse::<usize>())
                    .collect::<Result<_, _>>()?;
            }
            "--seconds" => {
                let text = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--seconds needs a number"))?;
                options.window_s = text.parse()?;
            }
            // cargo bench passes `--bench`; other harness flags are not ours.
            _ => {}
        }
    }
    anyhow::ensure!(
        options.calls.iter().all(|&n| (1..=240).contains(&n)),
        "--calls: each from 1 to 240 (8 spans of 30)"
    );
    Ok(options)
}

fn main() -> anyhow::Result<()> {
    let options = options()?;
    println!("{}", machine());
    println!(
        "{:>5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9} {:>7}",
        "calls",
        "sustained",
        "cpu/call",
        "sim cpu",
        "late p50",
        "late p99",
        "late max",
        "tap drop",
        "rec miss",
        "rss idle",
        "rss/call",
        "opus %"
    );
    let mut failures = Vec::new();
    for &calls in &options.calls {
        match run(calls, options.window_s) {
            Ok(row) => {
                println!("{row}");
                if row.sustained < calls || row.tap_dropped > 0 || row.recorder_missing > 0 {
                    failures.push(format!("{calls} calls: {row:?}"));
                }
            }
            Err(error) => {
                println!("{calls:>5} failed: {error:#}");
                failures.push(format!("{calls} calls: {error:#}"));
            }
        }
    }
    if !failures.is_empty() {
        eprintln!("goal missed:\n{}", failures.join("\n"));
    }
    Ok(())
}

#[derive(Debug)]
struct Row {
    calls: usize,
    sustained: usize,
    box_cpu_percent_per_call: f64,
    sim_cpu_percent: f64,
    lateness: media_engine::LatenessSummary,
    tap_dropped: u64,
    recorder_missing: u64,
    underruns: u64,
    rss_idle_kib: u64,
    rss_per_call_kib: f64,
    opus_share: f64,
    threads: BTreeMap<String, f64>,
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>5} {:>9} {:>8.2}% {:>8.1}% {:>7}us {:>7}us {:>6}us {:>8} {:>8} {:>6} MiB {:>5} KiB {:>6.1}%",
            self.calls,
            self.sustained,
            self.box_cpu_percent_per_call,
            self.sim_cpu_percent,
            self.lateness.p50_us,
            self.lateness.p99_us,
            self.lateness.max_us,
            self.tap_dropped,
            self.recorder_missing,
            self.rss_idle_kib / 1024,
            self.rss_per_call_kib.round(),
            self.opus_share * 100.0,
        )?;
        let threads: Vec<String> = self
            .threads
            .iter()
            .map(|(name, percent)| format!("{name} {percent:.1}%"))
            .collect();
        write!(
            f,
            "\n      far-end blocks late: {}; box threads (% of one core): {}",
            self.underruns,
            threads.join(", ")
        )
    }
}

/// What the far ends' thread tells the bench.
#[derive(Debug, Default, Clone)]
struct RigState {
    placed: usize,
    answered_by_box: usize,
    agents_talking: usize,
    /// Set by a `check` request: calls whose two ends hear each other's tone.
    both_ways: Option<usize>,
    error: Option<String>,
}

#[derive(Default)]
struct RigControl {
    stop: AtomicBool,
    check: AtomicBool,
    hang_up: AtomicBool,
    state: Mutex<RigState>,
}

fn run(calls: usize, window_s: u64) -> anyhow::Result<Row> {
    let work = tempfile::tempdir()?;
    let spans = calls.div_ceil(CHANNELS_PER_SPAN);
    let config = write_config(work.path(), spans, calls)?;
    let mut options = BoxOptions::new(config, work.path().join("data"));
    options.device_dir = Some(work.path().join("devices"));
    options.prompt_cache_dir =
        Some(Path::new(env!("CARGO_TARGET_TMPDIR")).join("load-bench-prompt-cache"));
    options.provision_token = Some(TOKEN.into());
    let running = start_box(options)?;
    let web = running.web_address();
    for agent in 0..calls {
        let id = agent_id(agent);
        post(
            web,
            &format!("/api/agents/{id}/state"),
            &format!(r#"{{"state":"login","device":"{id}"}}"#),
        )?;
        post(
            web,
            &format!("/api/agents/{id}/state"),
            r#"{"state":"ready"}"#,
        )?;
    }
    std::thread::sleep(Duration::from_secs(1));
    let rss_idle_kib = rss_kib()?;

    let mut devices: Vec<(String, DeviceKind, u16)> = (1..=spans as u16)
        .map(|span| (format!("span{span}"), DeviceKind::E1, span))
        .collect();
    devices.extend((0..calls).map(|agent| {
        let id = FIRST_PHONE_ID + agent as u16;
        (format!("fxs{id}"), DeviceKind::Fxs, id)
    }));
    let control = Arc::new(RigControl::default());
    let rig_thread = {
        let control = Arc::clone(&control);
        let device_dir = running.device_dir().to_path_buf();
        std::thread::Builder::new()
            .name(RIG_THREAD.into())
            .spawn(move || {
                if let Err(error) = drive(&device_dir, &devices, spans, calls, &control) {
                    if let Ok(mut state) = control.state.lock() {
                        state.error = Some(format!("{error:#}"));
                    }
                }
            })?
    };
    let outcome = measure(&running, &control, calls, window_s, rss_idle_kib);
    control.stop.store(true, Ordering::Relaxed);
    let _ = rig_thread.join();
    drop(running);
    outcome
}

fn measure(
    running: &RunningBox,
    control: &RigControl,
    calls: usize,
    window_s: u64,
    rss_idle_kib: u64,
) -> anyhow::Result<Row> {
    let web = running.web_address();
    // Every call talking and recorded.
    let began = Instant::now();
    loop {
        let state = control
            .state
            .lock()
            .map_err(|_| anyhow::anyhow!("rig state"))?
            .clone();
        if let Some(error) = state.error {
            anyhow::bail!("the far ends failed: {error}");
        }
        let recording = recorder(web)?["recording"].as_u64().unwrap_or(0) as usize;
        if state.agents_talking == calls && recording == calls {
            break;
        }
        anyhow::ensure!(
            began.elapsed() < Duration::from_secs(180),
            "not all calls up after 3 minutes: {state:?}, {recording} recording"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(3));

    let engine_before = running
        .engine_stats()
        .ok_or_else(|| anyhow::anyhow!("no engine"))?;
    let cpu_before = thread_cpu()?;
    let recorder_before = recorder(web)?;
    let wall = Instant::now();
    std::thread::sleep(Duration::from_secs(window_s));
    control.check.store(true, Ordering::Relaxed);
    let both_ways = loop {
        let state = control
            .state
            .lock()
            .map_err(|_| anyhow::anyhow!("rig state"))?
            .clone();
        if let Some(count) = state.both_ways {
            break count;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = wall.elapsed().as_secs_f64();
    let engine_after = running
        .engine_stats()
        .ok_or_else(|| anyhow::anyhow!("no engine"))?;
    let cpu_after = thread_cpu()?;
    let recorder_after = recorder(web)?;
    let rss_kib = rss_kib()?;
    let recording_now = recorder_after["recording"].as_u64().unwrap_or(0) as usize;

    let mut threads: BTreeMap<String, f64> = BTreeMap::new();
    let mut sim_ticks = 0u64;
    let mut box_ticks = 0u64;
    for (tid, (name, after)) in &cpu_after {
        let before = cpu_before.get(tid).map_or(0, |(_, ticks)| *ticks);
        let used = after.saturating_sub(before);
        if name == RIG_THREAD {
            sim_ticks += used;
        } else {
            box_ticks += used;
            // Group numbered threads (recorder-0, recorder-1 …) by their role.
            let role = name
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .trim_end_matches('-');
            *threads.entry(role.to_owned()).or_default() += used as f64;
        }
    }
    let ticks_per_s = clock_ticks_per_second() as f64;
    let percent = |ticks: f64| ticks / ticks_per_s / elapsed * 100.0;
    for value in threads.values_mut() {
        *value = percent(*value);
    }
    threads.retain(|_, percent| *percent >= 0.5);
    let box_percent = percent(box_ticks as f64);
    let counter = |json: &serde_json::Value, name: &str| json[name].as_u64().unwrap_or(0);
    let encode_us = counter(&recorder_after, "encode_us") - counter(&recorder_before, "encode_us");
    let box_cpu_us = box_ticks as f64 / ticks_per_s * 1e6;

    // Hang up: every recording must close complete, nothing missing.
    control.hang_up.store(true, Ordering::Relaxed);
    let closing = Instant::now();
    while recorder(web)?["recording"].as_u64().unwrap_or(0) > 0 {
        anyhow::ensure!(
            closing.elapsed() < Duration::from_secs(30),
            "recordings did not close"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let recorder_end = recorder(web)?;
    Ok(Row {
        calls,
        sustained: both_ways.min(recording_now),
        box_cpu_percent_per_call: box_percent / calls as f64,
        sim_cpu_percent: percent(sim_ticks as f64),
        lateness: engine_after
            .tick_lateness_counts
            .since(&engine_before.tick_lateness_counts),
        tap_dropped: engine_after.tap_frames_dropped - engine_before.tap_frames_dropped,
        recorder_missing: counter(&recorder_end, "frames_missing"),
        underruns: engine_after.frames_underrun - engine_before.frames_underrun,
        rss_idle_kib,
        rss_per_call_kib: rss_kib.saturating_sub(rss_idle_kib) as f64 / calls as f64,
        opus_share: if box_cpu_us > 0.0 {
            encode_us as f64 / box_cpu_us
        } else {
            0.0
        },
        threads,
    })
}

/// The far ends, in real time on their own thread: calls placed, menus answered with 1,
/// ringing phones answered after half a second, a tone each way.
fn drive(
    device_dir: &Path,
    devices: &[(String, DeviceKind, u16)],
    spans: usize,
    calls: usize,
    control: &RigControl,
) -> anyhow::Result<()> {
    let list: Vec<(&str, DeviceKind, u16)> = devices
        .iter()
        .map(|(n, k, i)| (n.as_str(), *k, *i))
        .collect();
    let mut rig = Rig::connect(device_dir, &list, ClockMode::RealTime)?;
    let span_names: Vec<String> = (1..=spans).map(|s| format!("span{s}")).collect();
    let phone_names: Vec<String> = (0..calls)
        .map(|a| format!("fxs{}", FIRST_PHONE_ID + a as u16))
        .collect();
    let link_up_by = rig.now_ms() + 10_000;
    while !span_names
        .iter()
        .all(|s| rig.carrier(s).is_some_and(|c| c.link_up()))
    {
        anyhow::ensure!(
            rig.now_ms() < link_up_by,
            "D-channels not up: {}",
            rig.state_summary()
        );
        rig.step()?;
    }
    let tone = |freq_hz| PlayItem::Tone {
        freq_hz,
        level_dbm0: -13.0,
        duration_ms: 3_600_000,
    };
    // Calls placed at 20 a second across the spans; per span number → keyed yet.
    let mut placed = vec![0usize; spans];
    let mut keyed: Vec<std::collections::BTreeSet<usize>> = vec![Default::default(); spans];
    let mut answering: BTreeMap<usize, u64> = BTreeMap::new();
    let mut talking = vec![false; calls];
    let mut next_place_ms = rig.now_ms();
    let mut hung_up = false;
    while !control.stop.load(Ordering::Relaxed) {
        rig.step()?;
        let now = rig.now_ms();
        let total_placed: usize = placed.iter().sum();
        if total_placed < calls && now >= next_place_ms && !hung_up {
            let span = total_placed % spans;
            if placed[span] < CHANNELS_PER_SPAN {
                let carrier = rig
                    .carrier_mut(&span_names[span])
                    .ok_or_else(|| anyhow::anyhow!("no carrier"))?;
                carrier.place_calls(now, 1, Some(&format!("55{:05}", total_placed)), "95598")?;
                placed[span] += 1;
            }
            next_place_ms = now + 50;
        }
        let mut answered_by_box = 0;
        for (span, name) in span_names.iter().enumerate() {
            let carrier = rig
                .carrier_mut(name)
                .ok_or_else(|| anyhow::anyhow!("no carrier"))?;
            let ready: Vec<usize> = carrier
                .calls()
                .iter()
                .filter(|c| c.is_live())
                .filter(|c| c.answered_at_ms.is_some_and(|at| now >= at + 1_500))
                .map(|c| c.number)
                .filter(|n| !keyed[span].contains(n))
                .collect();
            answered_by_box += carrier.calls().iter().filter(|c| c.is_answered()).count();
            for number in ready {
                if let Some(mouth) = carrier.mouth(number) {
                    mouth.push(PlayItem::Dtmf("1".into()))?;
                    mouth.push(PlayItem::Silence { duration_ms: 500 })?;
                    mouth.push(tone(CALLER_HZ))?;
                }
                keyed[span].insert(number);
            }
        }
        for (agent, name) in phone_names.iter().enumerate() {
            let phone = rig
                .phone_mut(name)
                .ok_or_else(|| anyhow::anyhow!("no phone"))?;
            if !talking[agent] && phone.ringing() {
                let at = *answering.entry(agent).or_insert(now + 500);
                if now >= at {
                    phone.go_off_hook(now);
                    phone.mouth().push(tone(AGENT_HZ))?;
                    talking[agent] = true;
                    answering.remove(&agent);
                }
            }
        }
        if control.hang_up.load(Ordering::Relaxed) && !hung_up {
            for name in &span_names {
                if let Some(carrier) = rig.carrier_mut(name) {
                    carrier.hang_up_all(now, 16)?;
                }
            }
            hung_up = true;
        }
        let both_ways = if control.check.swap(false, Ordering::Relaxed) {
            Some(count_both_ways(&rig, &span_names, &phone_names))
        } else {
            None
        };
        if let Ok(mut state) = control.state.lock() {
            state.placed = placed.iter().sum();
            state.answered_by_box = answered_by_box;
            state.agents_talking = talking.iter().filter(|t| **t).count();
            if both_ways.is_some() {
                state.both_ways = both_ways;
            }
        }
    }
    Ok(())
}

/// Calls whose caller hears the agent's tone and agents who hear the caller's, over the
/// last second: the smaller count.
fn count_both_ways(rig: &Rig, spans: &[String], phones: &[String]) -> usize {
    let hears = |ear: &far_end::Ear, freq: u16| {
        ear.meter().tone_run_ms(freq as f32, -25.0, 0.8, 1_000) >= 1_000
    };
    let callers = spans
        .iter()
        .filter_map(|name| rig.carrier(name))
        .flat_map(|carrier| carrier.calls().iter().filter(|c| c.is_live()))
        .filter(|call| call.ear().is_some_and(|ear| hears(ear, AGENT_HZ)))
        .count();
    let agents = phones
        .iter()
        .filter_map(|name| rig.phone(name))
        .filter(|phone| hears(phone.ear(), CALLER_HZ))
        .count();
    callers.min(agents)
}

fn agent_id(agent: usize) -> String {
    format!("{}", 3001 + agent)
}

/// The bench's box: spans 1…S (the box the PRI user side), phones 101… with extensions
/// 3001…, agents 3001… (PIN 1234) in queue `bench`, the hotline flow, every trunk
/// recorded.
fn write_config(work: &Path, spans: usize, agents: usize) -> anyhow::Result<PathBuf> {
    let config = work.join("config");
    std::fs::create_dir_all(config.join("flows"))?;
    std::fs::create_dir_all(config.join("prompts"))?;
    let devices = work.join("devices");
    std::fs::write(
        config.join("system.toml"),
        format!(
            "[system]\nname = \"load-bench\"\ntone_plan = \"etsi\"\nclock = \"realtime\"\n\
             device_dir = {:?}\nweb_listen = \"127.0.0.1:0\"\nweb_plain_http = true\n\
             log_level = \"warn\"\n",
            devices.display().to_string()
        ),
    )?;
    let mut lines = String::new();
    for span in 1..=spans {
        lines.push_str(&format!(
            "[[span]]\nid = {span}\nname = \"carrier-{span}\"\nkind = \"e1\"\nsignalling = \"pri-cpe\"\n\
             switch = \"etsi\"\nchannels = \"1-15,17-31\"\n\n"
        ));
    }
    for agent in 0..agents {
        let id = FIRST_PHONE_ID + agent as u16;
        lines.push_str(&format!(
            "[[fxs]]\nid = {id}\nname = \"desk-{}\"\nextension = \"{}\"\ncaller_id = \"etsi\"\n\n",
            agent_id(agent),
            agent_id(agent)
        ));
    }
    std::fs::write(config.join("lines.toml"), lines)?;
    let span_list: Vec<String> = (1..=spans).map(|s| s.to_string()).collect();
    std::fs::write(
        config.join("routes.toml"),
        format!(
            "greeting = \"builtin:greeting\"\nring_timeout_s = 60\n\n[[inbound]]\nlines = [{}]\n\
             called = \"95598\"\ndestination = \"flow:bench\"\n",
            span_list.join(", ")
        ),
    )?;
    std::fs::write(
        config.join("flows/bench.toml"),
        "name = \"bench\"\nentry = \"menu\"\nlanguage = \"en\"\n\n\
         [nodes.menu]\ntype = \"menu\"\nprompt = \"menu\"\nchoices = { \"1\" = \"queue\" }\n\
         timeout_s = 10\nmax_retries = 2\non_failure = \"bye\"\n\n\
         [nodes.queue]\ntype = \"queue\"\nqueue = \"bench\"\n\n\
         [nodes.bye]\ntype = \"hangup\"\ncause = 16\n",
    )?;
    write_tone_wav(&config.join("prompts/menu.wav"), 800.0, 1_000)?;
    std::fs::write(
        config.join("queues.toml"),
        "not_ready_reasons = [\"break\"]\n\n[queues.bench]\nstrategy = \"longest-idle\"\n\
         ring_timeout_s = 20\nwrap_up_s = 0\n",
    )?;
    let mut agents_file = String::new();
    for agent in 0..agents {
        agents_file.push_str(&format!(
            "[[agent]]\nid = \"{0}\"\nname = \"Agent {0}\"\npin = \"1234\"\nqueues = [\"bench\"]\n\n",
            agent_id(agent)
        ));
    }
    std::fs::write(config.join("agents.toml"), agents_file)?;
    let mut recording = String::from("default = \"never\"\n");
    for span in 1..=spans {
        recording.push_str(&format!("[trunks.{span}]\nrecord = \"always\"\n"));
    }
    std::fs::write(config.join("recording.toml"), recording)?;
    Ok(config)
}

/// A mono 16-bit 8 kHz WAV of a tone (the menu prompt).
fn write_tone_wav(path: &Path, freq: f64, ms: u32) -> anyhow::Result<()> {
    let samples: Vec<i16> = (0..ms * 8)
        .map(|n| (6_000.0 * (2.0 * std::f64::consts::PI * freq * n as f64 / 8_000.0).sin()) as i16)
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&8_000u32.to_le_bytes());
    wav.extend_from_slice(&16_000u32.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, wav)?;
    Ok(())
}

fn post(web: std::net::SocketAddr, path: &str, body: &str) -> anyhow::Result<()> {
    let (status, reply) = request(web, "POST", path, body)?;
    anyhow::ensure!(status.contains(" 2"), "POST {path}: {status} {reply}");
    Ok(())
}

fn recorder(web: std::net::SocketAddr) -> anyhow::Result<serde_json::Value> {
    let (status, body) = request(web, "GET", "/api/recorder", "")?;
    anyhow::ensure!(status.contains("200"), "GET /api/recorder: {status} {body}");
    Ok(serde_json::from_str(&body)?)
}

/// The admin API token the bench's box is started with.
const TOKEN: &str = "load-bench-token-0123456789abcdefghijkl";

fn request(
    web: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> anyhow::Result<(String, String)> {
    let mut stream = std::net::TcpStream::connect(web)?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Ok((
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    ))
}

/// Each thread of this process: id → (name, user + system CPU in clock ticks).
fn thread_cpu() -> anyhow::Result<BTreeMap<u32, (String, u64)>> {
    let mut threads = BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/task")? {
        let entry = entry?;
        let Ok(tid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue; // the thread ended meanwhile
        };
        let name = std::fs::read_to_string(entry.path().join("comm"))
            .unwrap_or_default()
            .trim()
            .to_owned();
        // The fields after the parenthesised name: state is field 3, utime 14, stime 15.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = |index: usize| {
            fields
                .get(index)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        threads.insert(tid, (name, ticks(11) + ticks(12)));
    }
    Ok(threads)
}

/// `/proc` reports thread CPU in USER_HZ, which Linux fixes at 100 whatever the kernel's
/// own tick rate.
fn clock_ticks_per_second() -> u64 {
    100
}

fn rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS in /proc/self/status"))
}

/// The machine the figures come from.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .map(|m| m.trim().to_owned())
        .unwrap_or_default();
    format!("machine: {model}, {cores} cores, {memory} memory")
}
