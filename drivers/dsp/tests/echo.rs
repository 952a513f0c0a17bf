//! Echo canceller on a synthetic hybrid echo path: ERLE, double talk, NLP.

mod common;

use common::Noise;
use dsp::echo::{EchoCanceller, EchoCancellerConfig};
use dsp::level::sine_peak_for_dbm0;

const SECOND: usize = 8000;

/// Impulse response of a hybrid: pure delay (line and codec), then a decaying,
/// band-pass ringing a few ms long. ERL about 11 dB for white noise.
fn hybrid(delay: usize) -> Vec<f64> {
    let mut h = vec![0.0; delay];
    for k in 0..240 {
        let k = k as f64;
        h.push(
            0.11 * (-k / 18.0).exp() * (std::f64::consts::TAU * 0.07 * k + 0.6).cos()
                - 0.02 * (-k / 60.0).exp(),
        );
    }
    h
}

fn convolve(x: &[i16], h: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|n| {
            h.iter()
                .enumerate()
                .take(n + 1)
                .map(|(k, &c)| c * f64::from(x[n - k]))
                .sum()
        })
        .collect()
}

fn white(seconds: f64, level_dbm0: f32, seed: u64) -> Vec<i16> {
    let mut noise = Noise::new(seed);
    let sigma = f64::from(sine_peak_for_dbm0(level_dbm0)) / 2f64.sqrt();
    (0..(seconds * SECOND as f64) as usize)
        .map(|_| (sigma * noise.gaussian()).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// Speech-like: low-pass tilted noise (two-pole resonance near 500 Hz) in syllables of
/// 100–300 ms separated by 40–200 ms pauses, about `level_dbm0` while active.
fn speech_like(seconds: f64, level_dbm0: f32, seed: u64) -> Vec<i16> {
    let mut noise = Noise::new(seed);
    let len = (seconds * SECOND as f64) as usize;
    let (a1, a2) = (1.6 * (std::f64::consts::TAU * 500.0 / 8000.0).cos(), -0.64);
    let (mut y1, mut y2) = (0.0f64, 0.0f64);
    let mut raw = Vec::with_capacity(len);
    for _ in 0..len {
        let y = noise.gaussian() + a1 * y1 + a2 * y2;
        y2 = y1;
        y1 = y;
        raw.push(y);
    }
    let rms = (raw.iter().map(|y| y * y).sum::<f64>() / len as f64).sqrt();
    let target = f64::from(sine_peak_for_dbm0(level_dbm0)) / 2f64.sqrt();
    let mut out = Vec::with_capacity(len);
    let mut n = 0;
    while n < len {
        let syllable = 800 + noise.below(1600) as usize;
        let pause = 320 + noise.below(1280) as usize;
        for i in 0..syllable {
            if n >= len {
                break;
            }
            let envelope = (std::f64::consts::PI * i as f64 / syllable as f64)
                .sin()
                .sqrt();
            out.push(
                (raw[n] / rms * target * envelope * 1.3)
                    .round()
                    .clamp(-32768.0, 32767.0) as i16,
            );
            n += 1;
        }
        for _ in 0..pause {
            if n >= len {
                break;
            }
            out.push(0);
            n += 1;
        }
    }
    out
}

struct Run {
    echo: Vec<f64>,
    /// What the canceller put out minus the near-end talker and line noise: the echo
    /// it left behind.
    residual: Vec<f64>,
    out: Vec<i16>,
}

fn run(ec: &mut EchoCanceller, far: &[i16], h: &[f64], near_talker: &[i16], chunk: usize) -> Run {
    let echo = convolve(far, h);
    let mut line_noise = Noise::new(4242);
    let noise_sigma = f64::from(sine_peak_for_dbm0(-70.0)) / 2f64.sqrt();
    let mut near_only = vec![0.0f64; far.len()];
    let near: Vec<i16> = (0..far.len())
        .map(|n| {
            near_only[n] = f64::from(near_talker.get(n).copied().unwrap_or(0))
                + noise_sigma * line_noise.gaussian();
            (echo[n] + near_only[n]).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect();
    let mut out = vec![0i16; far.len()];
    for ((f, n), o) in far
        .chunks(chunk)
        .zip(near.chunks(chunk))
        .zip(out.chunks_mut(chunk))
    {
        ec.process(f, n, o);
    }
    let residual = out
        .iter()
        .zip(&near_only)
        .map(|(&o, &n)| f64::from(o) - n)
        .collect();
    Run {
        echo,
        residual,
        out,
    }
}

/// Echo return loss enhancement over samples `from..to`, in dB.
fn erle(run: &Run, from: usize, to: usize) -> f64 {
    let echo: f64 = run.echo[from..to].iter().map(|e| e * e).sum();
    let residual: f64 = run.residual[from..to].iter().map(|r| r * r).sum();
    10.0 * (echo / residual.max(1e-9)).log10()
}

fn erl(far: &[i16], h: &[f64]) -> f64 {
    let echo = convolve(far, h);
    let far_power: f64 = far.iter().map(|&x| f64::from(x).powi(2)).sum();
    let echo_power: f64 = echo.iter().map(|e| e * e).sum();
    10.0 * (far_power / echo_power).log10()
}

#[test]
fn white_noise_converges_to_20_db_erle_within_one_second_at_every_tail() {
    for (tail_ms, delay) in [(32u16, 8usize), (64, 40), (128, 700)] {
        let far = white(3.0, -15.0, 1 + u64::from(tail_ms));
        let h = hybrid(delay);
        assert!(
            h.len() <= usize::from(tail_ms) * 8,
            "echo path longer than the tail"
        );
        let mut ec = EchoCanceller::new(tail_ms).unwrap();
        let run = run(&mut ec, &far, &h, &[], 160);
        let at_one_second = erle(&run, SECOND - 800, SECOND);
        let settled = erle(&run, 2 * SECOND, 3 * SECOND);
        println!(
            "white noise, tail {tail_ms} ms, ERL {:.1} dB: ERLE {at_one_second:.1} dB at 1 s, {settled:.1} dB at 2-3 s",
            erl(&far, &h)
        );
        assert!(
            at_one_second >= 20.0,
            "tail {tail_ms}: ERLE {at_one_second:.1} dB at 1 s"
        );
        assert!(
            settled >= 30.0,
            "tail {tail_ms}: ERLE {settled:.1} dB settled"
        );
    }
}

#[test]
fn speech_like_far_end_converges_to_20_db_erle_within_one_second() {
    for (tail_ms, delay, seed) in [(64u16, 40usize, 11u64), (128, 500, 12), (64, 200, 13)] {
        let far = speech_like(4.0, -15.0, seed);
        let h = hybrid(delay);
        let mut ec = EchoCanceller::new(tail_ms).unwrap();
        let run = run(&mut ec, &far, &h, &[], 160);
        let after_one_second = erle(&run, SECOND, 2 * SECOND);
        let settled = erle(&run, 3 * SECOND, 4 * SECOND);
        println!("speech-like, tail {tail_ms} ms, delay {delay}: ERLE {after_one_second:.1} dB in 1-2 s, {settled:.1} dB in 3-4 s");
        assert!(
            after_one_second >= 20.0,
            "tail {tail_ms}: ERLE {after_one_second:.1} dB in 1-2 s"
        );
    }
}

#[test]
fn double_talk_does_not_make_the_model_diverge() {
    let h = hybrid(40);
    // 2 s far end alone, 3 s both talking (near as loud as the far end), 1 s far alone.
    let far = speech_like(6.0, -12.0, 21);
    let mut near = vec![0i16; 2 * SECOND];
    near.extend(speech_like(3.0, -12.0, 22));
    near.extend(vec![0i16; SECOND]);
    let mut ec = EchoCanceller::new(64).unwrap();
    let run = run(&mut ec, &far, &h, &near, 160);
    let before = erle(&run, SECOND, 2 * SECOND);
    let during = erle(&run, 2 * SECOND, 5 * SECOND);
    let after = erle(&run, 5 * SECOND, 6 * SECOND);
    println!("double talk: ERLE {before:.1} dB before, {during:.1} dB during, {after:.1} dB after");
    assert!(before >= 20.0);
    assert!(
        during >= 15.0,
        "model diverged during double talk: ERLE {during:.1} dB"
    );
    assert!(after >= 20.0, "ERLE {after:.1} dB after double talk");
}

#[test]
fn double_talk_louder_and_quieter_near_end_and_detector_flags_it() {
    let h = hybrid(40);
    for (near_level, seed) in [(-6.0f32, 71u64), (-18.0, 72), (-12.0, 73)] {
        let far = speech_like(6.0, -12.0, seed);
        let mut near = vec![0i16; 2 * SECOND];
        near.extend(speech_like(3.0, near_level, seed + 100));
        near.extend(vec![0i16; SECOND]);
        let mut ec = EchoCanceller::new(64).unwrap();
        let echo = convolve(&far, &h);
        let near_line: Vec<i16> = near
            .iter()
            .zip(&echo)
            .map(|(&n, &e)| (f64::from(n) + e).round() as i16)
            .collect();
        let mut flagged = 0;
        let mut talking = 0;
        let mut out = [0i16; 1];
        for n in 0..far.len() {
            ec.process(&far[n..=n], &near_line[n..=n], &mut out);
            if (2 * SECOND..5 * SECOND).contains(&n) && near[n].unsigned_abs() > 3000 {
                talking += 1;
                flagged += usize::from(ec.double_talk());
            }
        }
        assert!(
            flagged as f64 > 0.9 * talking as f64,
            "near at {near_level} dBm0: flagged {flagged} of {talking}"
        );
        let run = run(&mut EchoCanceller::new(64).unwrap(), &far, &h, &near, 160);
        let during = erle(&run, 2 * SECOND, 5 * SECOND);
        let after = erle(&run, 5 * SECOND, 6 * SECOND);
        println!("double talk, near at {near_level} dBm0: ERLE {during:.1} dB during, {after:.1} dB after");
        assert!(
            during >= 15.0 && after >= 20.0,
            "near at {near_level} dBm0: {during:.1} / {after:.1} dB"
        );
    }
}

#[test]
fn reconverges_after_the_echo_path_changes() {
    let far = white(7.0, -15.0, 81);
    let mut ec = EchoCanceller::new(64).unwrap();
    let first = run(&mut ec, &far[..2 * SECOND], &hybrid(40), &[], 160);
    assert!(erle(&first, SECOND, 2 * SECOND) >= 30.0);
    // Another call on the same port: different line, different hybrid delay.
    let second = run(&mut ec, &far[2 * SECOND..], &hybrid(150), &[], 160);
    let settled = erle(&second, 2 * SECOND, 3 * SECOND);
    println!("echo path change: ERLE {settled:.1} dB 2-3 s after the change");
    assert!(settled >= 20.0);
}

#[test]
fn near_end_alone_passes_untouched() {
    let h = hybrid(40);
    let mut far = white(1.0, -15.0, 31);
    far.extend(vec![0i16; SECOND]);
    let mut near = vec![0i16; SECOND];
    near.extend(speech_like(1.0, -10.0, 32));
    let mut ec = EchoCanceller::new(64).unwrap();
    let run = run(&mut ec, &far, &h, &near, 160);
    // Once the far end's echo has died away, out is the near end (plus line noise).
    let from = SECOND + 300;
    let error: f64 = run.residual[from..].iter().map(|r| r * r).sum();
    let signal: f64 = near[from..].iter().map(|&x| f64::from(x).powi(2)).sum();
    assert!(10.0 * (signal / error).log10() > 40.0);
}

#[test]
fn nlp_removes_residual_echo_but_not_the_near_talker() {
    let h = hybrid(40);
    let far = white(3.0, -15.0, 41);
    let mut near = vec![0i16; 2 * SECOND];
    near.extend(speech_like(1.0, -10.0, 42));
    let mut config = EchoCancellerConfig::new(64);
    config.nlp = true;
    let mut ec = EchoCanceller::with_config(config).unwrap();
    let run = run(&mut ec, &far, &h, &near, 160);
    // Far alone: nothing at all comes out once converged.
    assert!(run.out[SECOND..2 * SECOND].iter().all(|&x| x == 0));
    // Double talk: the near talker's syllables come through.
    let near_power: f64 = near[2 * SECOND..]
        .iter()
        .map(|&x| f64::from(x).powi(2))
        .sum();
    let passed: f64 = run.out[2 * SECOND..]
        .iter()
        .zip(&near[2 * SECOND..])
        .map(|(&o, &n)| f64::from(o) * f64::from(n))
        .sum();
    assert!(
        passed / near_power > 0.8,
        "near talker suppressed: {:.2}",
        passed / near_power
    );
}

#[test]
fn output_is_identical_for_any_frame_split() {
    let h = hybrid(40);
    let far = speech_like(1.5, -15.0, 51);
    let near = speech_like(1.5, -20.0, 52);
    let reference = run(&mut EchoCanceller::new(64).unwrap(), &far, &h, &near, 160).out;
    for chunk in [1, 7, 80, 1000] {
        let out = run(&mut EchoCanceller::new(64).unwrap(), &far, &h, &near, chunk).out;
        assert_eq!(out, reference, "chunk {chunk}");
    }
}

#[test]
fn reset_forgets_the_echo_path() {
    let h = hybrid(40);
    let far = white(1.0, -15.0, 61);
    let mut ec = EchoCanceller::new(64).unwrap();
    run(&mut ec, &far, &h, &[], 160);
    assert!(ec.coefficients().iter().any(|&c| c != 0.0));
    ec.reset();
    assert!(ec.coefficients().iter().all(|&c| c == 0.0));
    let mut fresh = EchoCanceller::new(64).unwrap();
    assert_eq!(
        run(&mut ec, &far, &h, &[], 160).out,
        run(&mut fresh, &far, &h, &[], 160).out
    );
}
