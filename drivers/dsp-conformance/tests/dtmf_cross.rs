//! Our DTMF sender and receiver against spandsp's `dtmf_tx` / `dtmf_rx`.

mod common;

use common::{digits_only, ours_detect, spandsp_detect, FRAME};
use dsp::{DtmfGenerator, DtmfGeneratorConfig};
use dsp_conformance::spandsp_dtmf::SpandspDtmfTx;

const ALL: &str = "123A456B789C*0#D";

fn spandsp_sends(digits: &str, low_dbm0: i32, twist_db: i32, on_ms: i32, off_ms: i32) -> Vec<i16> {
    let mut tx = SpandspDtmfTx::new();
    tx.set_level(low_dbm0, twist_db);
    tx.set_timing(on_ms, off_ms);
    assert_eq!(tx.push_digits(digits), digits.len());
    let mut audio = vec![0i16; 400];
    audio.extend(tx.render_all());
    audio.extend(std::iter::repeat_n(0, 800));
    audio
}

fn ours_sends(digits: &str, config: DtmfGeneratorConfig) -> Vec<i16> {
    let mut generator = DtmfGenerator::new(config).expect("valid config");
    generator.push_digits(digits).expect("valid digits");
    let mut audio = vec![0i16; 400];
    let mut frame = [0i16; FRAME];
    while generator.fill(&mut frame) {
        audio.extend_from_slice(&frame);
    }
    audio.extend_from_slice(&frame);
    audio.extend(std::iter::repeat_n(0, 800));
    audio
}

#[test]
fn spandsp_sends_every_digit_and_we_detect_it() {
    // spandsp's defaults (−10 dBm0, no twist, 50 ms on / 55 ms off).
    let mut tx = SpandspDtmfTx::new();
    assert_eq!(tx.push_digits(ALL), 16);
    let audio = tx.render_all();
    assert!(
        audio.len() > 16 * 50 * 8,
        "spandsp sent {} samples",
        audio.len()
    );
    assert_eq!(digits_only(&ours_detect(&audio)), ALL);
}

#[test]
fn spandsp_sends_at_levels_twists_and_fast_timing() {
    // spandsp's levels are per tone; at 0 dBm0 per tone its sum overflows 16 bits and
    // neither detector hears anything, so −3 dBm0 is the top. (−6, −8): high group 8 dB
    // below the low group, which spandsp's own receiver rejects (its limit is 4 dB).
    for (low, twist) in [
        (-3, 0),
        (-6, 2),
        (-13, 0),
        (-20, 0),
        (-26, 0),
        (-10, 4),
        (-6, -8),
    ] {
        for (on, off) in [(40, 40), (50, 50), (100, 100)] {
            let audio = spandsp_sends(ALL, low, twist, on, off);
            assert_eq!(
                digits_only(&ours_detect(&audio)),
                ALL,
                "spandsp at {low} dBm0, twist {twist} dB, {on}/{off} ms"
            );
        }
    }
}

#[test]
fn we_send_every_digit_and_spandsp_detects_it() {
    let audio = ours_sends(ALL, DtmfGeneratorConfig::default());
    assert_eq!(digits_only(&spandsp_detect(&audio)), ALL);
}

#[test]
fn we_send_at_levels_and_fast_timing_and_spandsp_detects() {
    for (low, high) in [
        (-6.0, -4.0),
        (-13.0, -13.0),
        (-20.0, -18.0),
        (-26.0, -26.0),
        (0.0, 0.0),
    ] {
        for (tone_ms, pause_ms) in [(40, 40), (50, 50), (80, 80)] {
            let config = DtmfGeneratorConfig {
                tone_ms,
                pause_ms,
                low_group_dbm0: low,
                high_group_dbm0: high,
            };
            let audio = ours_sends(ALL, config);
            assert_eq!(
                digits_only(&spandsp_detect(&audio)),
                ALL,
                "ours at {low}/{high} dBm0, {tone_ms}/{pause_ms} ms"
            );
            assert_eq!(digits_only(&ours_detect(&audio)), ALL, "our own loop");
        }
    }
}

#[test]
fn detection_times_agree_within_a_frame_or_two() {
    // Both report each digit shortly after it starts; the frame indices of the reports
    // must track the 100 ms digit period for both detectors.
    let audio = spandsp_sends(ALL, -10, 0, 50, 50);
    let ours = ours_detect(&audio);
    let theirs = spandsp_detect(&audio);
    assert_eq!(ours.len(), 16);
    assert_eq!(theirs.len(), 16);
    for (index, (a, b)) in ours.iter().zip(theirs.iter()).enumerate() {
        assert_eq!(a.0, b.0);
        assert!(
            a.1.abs_diff(b.1) <= 2,
            "digit {index}: ours frame {}, spandsp frame {}",
            a.1,
            b.1
        );
        // 400 samples of lead-in = 2.5 frames; a digit every 5 frames.
        let expected = 2 + index * 5;
        assert!(
            (expected..=expected + 4).contains(&a.1),
            "digit {index} reported at frame {}",
            a.1
        );
    }
}
