//! Talk-off: minutes of speech (espeak-ng, English and Mandarin) and of synthesized music
//! through our DTMF receiver and spandsp's, and through both MFC/R2 receivers (forward and
//! backward). Every digit or signal reported is false. Asserts ours reports no more than
//! spandsp on each clip and in total, for DTMF and for MF-R2; with `WRITE_COMPARISON=1`
//! writes the counts to `COMPARISON.md`. Fails, rather than skips, when espeak-ng or sox
//! is missing (xtask/setup.sh installs both, and CI runs that).

mod common;

use common::{ours_detect, read_wav_i16, spandsp_detect, to_i16, Noise, RATE};
use dsp::call_progress::CallProgressDetector;
use dsp::mf_r2::{Direction, MfR2Detector};
use dsp::tone_plan::{TonePlan, TonePlanName};
use dsp_conformance::spandsp_r2_mf::SpandspR2MfRx;
use std::f64::consts::TAU;
use std::path::{Path, PathBuf};
use std::process::Command;

const ENGLISH: &str = "Thank you for calling the customer service centre. Your call is important \
to us. Please listen carefully, as our menu options have changed. For billing questions, \
press one. To report a fault on your line, press two. For new orders and upgrades, press \
three. To speak with an agent, please stay on the line. All of our agents are currently \
busy helping other customers. Your estimated waiting time is four minutes. You can also \
manage your account online, at any time of the day or night. While you wait, did you know \
that you can pay your bill automatically each month? The weather today will be mostly \
cloudy in the morning, clearing in the afternoon, with a high of twenty three degrees and a \
light wind from the south west. Traffic on the ring road is heavy near the airport exit, \
where an accident has closed two lanes. In the markets, shares rose slightly in early \
trading, led by technology and energy companies, while the currency was steady against the \
dollar. Hello, this is Margaret from accounts. I am calling about invoice number eight \
seven six five four three, which is now thirty days overdue. Could you please call me back \
on extension two hundred and twelve, or send the payment reference by email? Thanks so \
much, and have a lovely afternoon. Good morning! How can I help you today? Could you \
spell your surname for me, please? Is that double L, or a single one? Right, I can see \
your account here. The engineer will arrive between eight in the morning and one in the \
afternoon on Thursday. Is there anything else I can help you with?";

const MANDARIN: &str = "您好，欢迎致电客户服务中心。您的来电对我们非常重要。请仔细收听以下菜单，\
我们的选项已经更新。查询话费请按一，报告线路故障请按二，办理新业务请按三，人工服务请不要挂机。\
目前所有座席都在忙，预计等待时间为四分钟。您也可以随时通过网上营业厅管理您的账户。\
今天的天气多云转晴，最高气温二十三度，西南风二到三级。机场附近的环路交通繁忙，一起事故导致两条车道封闭。\
股市早盘小幅上涨，科技和能源板块领涨，人民币汇率保持稳定。喂，您好，我是财务部的王丽。\
我打电话是关于发票号码八七六五四三，这张发票已经逾期三十天了。请您回电到分机二一二，\
或者把付款凭证发到我的邮箱。谢谢，祝您下午愉快。早上好！请问有什么可以帮您？\
请问您的姓怎么写？好的，我看到您的账户了。维修人员将在星期四上午八点到下午一点之间上门。\
还有其他需要帮助的吗？";

/// Panics unless `tool` runs here: the speech talk-off does not skip.
fn require(tool: &str) {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is not installed: the speech talk-off needs it and does not skip; run xtask/setup.sh (or apt-get install {tool})"
    );
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("dsp-talkoff-{}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One espeak-ng rendering, resampled to 8 kHz 16-bit mono with its peak at −6 dBFS.
fn speak(dir: &Path, name: &str, voice: &str, speed: u32, pitch: u32, text: &str) -> Vec<i16> {
    let text_path = dir.join(format!("{name}.txt"));
    std::fs::write(&text_path, text).expect("write text");
    let raw = dir.join(format!("{name}-raw.wav"));
    let out = dir.join(format!("{name}.wav"));
    let status = Command::new("espeak-ng")
        .args([
            "-v",
            voice,
            "-s",
            &speed.to_string(),
            "-p",
            &pitch.to_string(),
            "-w",
        ])
        .arg(&raw)
        .arg("-f")
        .arg(&text_path)
        .status()
        .expect("run espeak-ng");
    assert!(status.success(), "espeak-ng failed for {voice}");
    let status = Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"])
        .arg(&out)
        .args(["norm", "-6"])
        .status()
        .expect("run sox");
    assert!(status.success(), "sox failed for {name}");
    read_wav_i16(&out).expect("sox wrote a 16-bit WAV")
}

/// Renders `text` with several voices, speeds and pitches until `min_seconds` of audio.
fn speech(dir: &Path, language: &str, voices: &[&str], text: &str, min_seconds: usize) -> Vec<i16> {
    let mut audio = Vec::new();
    let variants = [
        (160, 50),
        (200, 35),
        (130, 70),
        (180, 20),
        (220, 60),
        (150, 90),
    ];
    let mut index = 0;
    while audio.len() < min_seconds * 8000 {
        let voice = voices[index % voices.len()];
        let (speed, pitch) = variants[index % variants.len()];
        audio.extend(speak(
            dir,
            &format!("{language}-{index}"),
            voice,
            speed,
            pitch,
            text,
        ));
        audio.extend(std::iter::repeat_n(0, 4000));
        index += 1;
        assert!(index < 40, "espeak-ng produced too little audio");
    }
    audio
}

fn midi_hz(note: f64) -> f64 {
    440.0 * 2f64.powf((note - 69.0) / 12.0)
}

/// A note with harmonics `partials` (amplitude of harmonic k+1), decaying at `decay`
/// per second (higher partials faster), band-limited to 3.6 kHz, added into `out`.
#[allow(clippy::too_many_arguments)]
fn add_note(
    out: &mut [f64],
    start: usize,
    length: usize,
    hz: f64,
    gain: f64,
    partials: &[f64],
    decay: f64,
    vibrato: f64,
) {
    let end = (start + length).min(out.len());
    for (n, slot) in out[start..end].iter_mut().enumerate() {
        let t = n as f64 / RATE;
        let attack = (t / 0.01).min(1.0);
        let release = ((length - n) as f64 / 80.0).min(1.0);
        let wobble = 1.0 + vibrato * (TAU * 5.5 * t).sin();
        let mut value = 0.0;
        for (k, &amplitude) in partials.iter().enumerate() {
            let f = hz * (k + 1) as f64;
            if f > 3600.0 {
                break;
            }
            value += amplitude
                * (-decay * (1.0 + k as f64 * 0.5) * t).exp()
                * (TAU * f * wobble * t).sin();
        }
        *slot += gain * attack * release * value;
    }
}

fn normalise(mix: &[f64]) -> Vec<i16> {
    let peak = mix.iter().fold(1e-9f64, |m, &x| m.max(x.abs()));
    let scale = 16384.0 / peak; // −6 dBFS peak
    mix.iter().map(|&x| to_i16(x * scale)).collect()
}

const MAJOR: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];

/// Piano-like chords (decaying, rich harmonics) with a bass line.
fn piano_chords(seconds: usize, rng: &mut Noise) -> Vec<i16> {
    let mut mix = vec![0.0; seconds * 8000];
    let beat = 4000; // 120 bpm
    let piano = [1.0, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08, 0.05];
    let mut key = 60;
    for (index, start) in (0..mix.len()).step_by(beat).enumerate() {
        if index % 16 == 0 {
            key = 55 + (rng.uniform() * 12.0) as i32;
        }
        let degree = (rng.uniform() * 7.0) as usize;
        for step in [0, 2, 4, 7] {
            let interval = MAJOR[(degree + step) % 7] + 12 * ((degree + step) / 7) as i32;
            add_note(
                &mut mix,
                start,
                beat * 2,
                midi_hz(f64::from(key + interval + 12)),
                0.3,
                &piano,
                3.0,
                0.0,
            );
        }
        add_note(
            &mut mix,
            start,
            beat,
            midi_hz(f64::from(key - 12 + MAJOR[degree])),
            0.5,
            &piano,
            2.0,
            0.0,
        );
    }
    normalise(&mix)
}

/// A flute-like melody with vibrato over a sustained pad, C4–C7.
fn melody(seconds: usize, rng: &mut Noise) -> Vec<i16> {
    let mut mix = vec![0.0; seconds * 8000];
    let flute = [1.0, 0.3, 0.1];
    let mut note = 72.0;
    let mut start = 0;
    while start < mix.len() {
        let length = 800 + (rng.uniform() * 3200.0) as usize;
        let step = MAJOR[(rng.uniform() * 7.0) as usize] as f64 - 5.0;
        note = (note + step).clamp(60.0, 96.0);
        add_note(
            &mut mix,
            start,
            length,
            midi_hz(note),
            0.6,
            &flute,
            0.3,
            0.006,
        );
        if start % 16000 < length {
            for interval in [0.0, 4.0, 7.0] {
                add_note(
                    &mut mix,
                    start,
                    16000,
                    midi_hz(note - 12.0 + interval),
                    0.15,
                    &[1.0, 0.4, 0.2, 0.1],
                    0.2,
                    0.002,
                );
            }
        }
        start += length;
    }
    normalise(&mix)
}

/// Organ chords: two or three notes held 0.5 s, few partials, C4–F#7 (the hardest case:
/// note pairs such as F5 + F#6 lie within 0.2 % of a DTMF pair).
fn organ(seconds: usize, rng: &mut Noise) -> Vec<i16> {
    let mut mix = vec![0.0; seconds * 8000];
    let organ = [1.0, 0.5, 0.0, 0.25];
    for start in (0..mix.len()).step_by(4000) {
        let voices = 2 + (rng.uniform() * 2.0) as usize;
        for _ in 0..voices {
            let note = 60.0 + (rng.uniform() * 30.0).floor();
            add_note(&mut mix, start, 4000, midi_hz(note), 0.4, &organ, 0.1, 0.0);
        }
    }
    normalise(&mix)
}

/// Two simultaneous exponential sweeps across the voice band, random rates.
fn sweeps(seconds: usize, rng: &mut Noise) -> Vec<i16> {
    let total = seconds * 8000;
    let mut mix = vec![0.0; total];
    for voice in 0..2 {
        let mut phase = 0.0;
        let mut n = 0;
        while n < total {
            let length = 4000 + (rng.uniform() * 20000.0) as usize;
            let (from, to): (f64, f64) = if rng.uniform() < 0.5 {
                (200.0, 3400.0)
            } else {
                (3400.0, 200.0)
            };
            for k in 0..length.min(total - n) {
                let f = from * (to / from).powf(k as f64 / length as f64);
                phase += TAU * f / RATE;
                mix[n + k] += (0.5 + 0.2 * voice as f64) * phase.sin();
            }
            n += length;
        }
    }
    normalise(&mix)
}

/// Drums (kick, snare, hats), a saw bass and a square-ish lead.
fn band(seconds: usize, rng: &mut Noise) -> Vec<i16> {
    let mut mix = vec![0.0; seconds * 8000];
    let saw: Vec<f64> = (1..=12).map(|k| 1.0 / k as f64).collect();
    let square: Vec<f64> = (1..=12)
        .map(|k| if k % 2 == 1 { 1.0 / k as f64 } else { 0.0 })
        .collect();
    let sixteenth = 1000;
    let mut lead = 76.0;
    for (index, start) in (0..mix.len()).step_by(sixteenth).enumerate() {
        if index % 8 == 0 {
            add_note(&mut mix, start, 2400, 60.0, 1.0, &[1.0], 12.0, 0.0);
        }
        if index % 8 == 4 {
            let end = (start + 1600).min(mix.len());
            for slot in mix[start..end].iter_mut().enumerate() {
                *slot.1 += 0.4 * rng.gaussian() * (-(slot.0 as f64) / 400.0).exp();
            }
        }
        if index % 2 == 0 {
            let end = (start + 300).min(mix.len());
            for slot in mix[start..end].iter_mut() {
                *slot += 0.1 * rng.gaussian();
            }
        }
        if index % 4 == 0 {
            add_note(
                &mut mix,
                start,
                3800,
                midi_hz(40.0 + MAJOR[(index / 16) % 7] as f64),
                0.4,
                &saw,
                1.5,
                0.0,
            );
        }
        if index % 2 == 0 && rng.uniform() < 0.7 {
            lead = (lead + MAJOR[(rng.uniform() * 7.0) as usize] as f64 - 5.0).clamp(64.0, 93.0);
            add_note(
                &mut mix,
                start,
                1900,
                midi_hz(lead),
                0.25,
                &square,
                1.0,
                0.004,
            );
        }
    }
    normalise(&mix)
}

struct Row {
    clip: String,
    seconds: f64,
    ours: usize,
    theirs: usize,
    /// Call-progress tones our receiver reported, over all three plans.
    progress: usize,
    /// MFC/R2 signals reported on, forward and backward receivers together.
    ours_mf: usize,
    theirs_mf: usize,
}

/// MFC/R2 signals our receivers (both directions) report on over `audio`.
fn ours_mf(clip: &str, audio: &[i16]) -> usize {
    let mut count = 0;
    for direction in [Direction::Forward, Direction::Backward] {
        let mut detector = MfR2Detector::new(direction);
        for frame in audio.chunks(160) {
            detector.process(frame);
            while let Some(event) = detector.poll() {
                if event.on {
                    println!("{clip}: ours MF-R2 {direction:?} {event:?}");
                    count += 1;
                }
            }
        }
    }
    count
}

/// MFC/R2 signals spandsp's receivers (both directions) report on over `audio`.
fn spandsp_mf(audio: &[i16]) -> usize {
    let mut count = 0;
    for forward in [true, false] {
        let mut rx = SpandspR2MfRx::new(forward);
        for frame in audio.chunks(160) {
            rx.process(frame);
            for report in rx.take_reports() {
                if report.signal.is_some() {
                    count += 1;
                }
            }
        }
    }
    count
}

fn progress_tones(audio: &[i16]) -> usize {
    let mut count = 0;
    for name in TonePlanName::ALL {
        let mut detector = CallProgressDetector::new(&TonePlan::new(name));
        for frame in audio.chunks(160) {
            detector.process(frame);
            while let Some(found) = detector.poll() {
                println!("call progress ({name}): {found:?}");
                count += 1;
            }
        }
    }
    count
}

fn count(clip: &str, audio: &[i16]) -> Row {
    let ours = ours_detect(audio);
    let theirs = spandsp_detect(audio);
    println!("{clip}: ours {ours:?}\n{clip}: spandsp {theirs:?}");
    Row {
        clip: clip.to_string(),
        seconds: audio.len() as f64 / 8000.0,
        ours: ours.len(),
        theirs: theirs.len(),
        progress: progress_tones(audio),
        ours_mf: ours_mf(clip, audio),
        theirs_mf: spandsp_mf(audio),
    }
}

#[test]
fn talk_off_ours_reports_no_more_false_digits_than_spandsp() {
    require("espeak-ng");
    require("sox");
    let mut rows = Vec::new();
    let mut rng = Noise::new(2024);
    rows.push(count(
        "music: piano chords + bass",
        &piano_chords(60, &mut rng),
    ));
    rows.push(count(
        "music: flute melody + pad, vibrato",
        &melody(60, &mut rng),
    ));
    rows.push(count(
        "music: organ chords (2-3 notes, C4-F#7)",
        &organ(60, &mut rng),
    ));
    rows.push(count(
        "music: dual sweeps 200-3400 Hz",
        &sweeps(60, &mut rng),
    ));
    rows.push(count(
        "music: drums, saw bass, square lead",
        &band(60, &mut rng),
    ));
    {
        let dir = TempDir::new();
        let english = speech(
            &dir.0,
            "en",
            &["en", "en-us", "en+f3", "en-gb-scotland+m3", "en+f5"],
            ENGLISH,
            240,
        );
        rows.push(count("speech: English (espeak-ng, 5 voices)", &english));
        let mandarin = speech(
            &dir.0,
            "cmn",
            &["cmn", "cmn+f3", "cmn+m3", "cmn+f5"],
            MANDARIN,
            240,
        );
        rows.push(count("speech: Mandarin (espeak-ng, 4 voices)", &mandarin));
    }
    let mut table = String::from(
        "| clip | length | ours false digits | spandsp false digits | our call-progress tones (cn+etsi+na) | ours false MF-R2 signals | spandsp false MF-R2 signals |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let (mut ours_total, mut theirs_total, mut seconds) = (0, 0, 0.0);
    for row in &rows {
        table.push_str(&format!(
            "| {} | {:.0} s | {} | {} | {} | {} | {} |\n",
            row.clip, row.seconds, row.ours, row.theirs, row.progress, row.ours_mf, row.theirs_mf
        ));
        ours_total += row.ours;
        theirs_total += row.theirs;
        seconds += row.seconds;
    }
    let progress_total: usize = rows.iter().map(|row| row.progress).sum();
    let ours_mf_total: usize = rows.iter().map(|row| row.ours_mf).sum();
    let theirs_mf_total: usize = rows.iter().map(|row| row.theirs_mf).sum();
    table.push_str(&format!(
        "| **total** | {seconds:.0} s | **{ours_total}** | **{theirs_total}** | **{progress_total}** | **{ours_mf_total}** | **{theirs_mf_total}** |\n"
    ));
    println!("{table}");
    let body = format!(
        "## DTMF (and MF-R2) talk-off\n\n\
         Speech from espeak-ng (call-centre prompts, news, a voicemail, a dialogue; several \
         voices, speeds 130–220 wpm and pitches), resampled to 8 kHz by sox, peaks at −6 dBFS; \
         music synthesized in `tests/talkoff.rs` (equal temperament, A4 = 440 Hz), peaks at \
         −6 dBFS. Every digit reported is false. The fifth column runs our call-progress \
         receiver (China, ETSI and North American plans) over the same audio: every tone it \
         reports is false too (asserted zero on speech). The last two columns run the MFC/R2 \
         receivers (ours and spandsp's `r2_mf_rx`, forward and backward) over the same audio: \
         every signal reported is false.\n\n{table}"
    );
    common::write_comparison_section("talk-off", &body);
    for row in &rows {
        assert!(
            row.ours <= row.theirs,
            "{}: ours {} > spandsp {}\n{table}",
            row.clip,
            row.ours,
            row.theirs
        );
        assert!(
            row.ours_mf <= row.theirs_mf,
            "{}: MF-R2 ours {} > spandsp {}\n{table}",
            row.clip,
            row.ours_mf,
            row.theirs_mf
        );
        if row.clip.starts_with("speech") {
            assert_eq!(
                row.progress, 0,
                "{}: call-progress tones reported on speech",
                row.clip
            );
        }
    }
}
