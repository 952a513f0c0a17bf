//! Finds and decodes caller ID in a recording without being told the standard: a V.23
//! receiver, a Bell 202 receiver and a DTMF caller ID receiver all hear the whole file.
//!
//! V.23 (1300/2100 Hz) and Bell 202 (1200/2200 Hz) are only 100 Hz apart, so both FSK
//! receivers may frame the same burst. Which standard was sent is therefore decided by
//! measuring which tone pair the burst carries, not by which receiver succeeded.

use super::Standard;
use dsp::caller_id::{DtmfClipDecoder, FskModulation};
use dsp::{CallerIdError, CallerIdMessage, FskCallerIdDecoder};

const FRAME: usize = 160;
const SAMPLES_PER_MS: u64 = 8;
/// Silence fed after the file: the DTMF receiver gives up on an unfinished string after
/// 3 s without a digit, the FSK receivers after a few bits.
const TAIL_SAMPLES: usize = 3 * 8000 + 2 * FRAME;
/// Reports of the two FSK receivers this close together come from one burst.
const SAME_BURST_SAMPLES: u64 = 800;
/// Audio before the end of a burst measured to tell V.23 from Bell 202: covers the mark
/// period (the pure mark tone is what tells them apart) and message of any real caller
/// ID burst. It never reaches back past the previous burst.
const MEASURE_SAMPLES: u64 = 2 * 8000;

/// One caller ID transmission found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub standard: Standard,
    /// Where the receiver finished with it (end of the message or of the attempt).
    pub at_ms: u64,
    pub result: Result<CallerIdMessage, CallerIdError>,
}

struct FskReport {
    modulation: FskModulation,
    end: u64,
    result: Result<CallerIdMessage, CallerIdError>,
}

/// Every caller ID transmission (decoded or not) in `samples`, in order.
pub fn decode(samples: &[i16]) -> Vec<Found> {
    let mut v23 = FskCallerIdDecoder::with_modulation(FskModulation::V23);
    let mut bell = FskCallerIdDecoder::with_modulation(FskModulation::Bell202);
    let mut dtmf = DtmfClipDecoder::new();
    let mut fsk = Vec::new();
    let mut found = Vec::new();
    let tail = vec![0i16; TAIL_SAMPLES];
    let mut fed = 0u64;
    for frame in samples.chunks(FRAME).chain(tail.chunks(FRAME)) {
        v23.process(frame);
        bell.process(frame);
        dtmf.process(frame);
        fed += frame.len() as u64;
        for (modulation, decoder) in [
            (FskModulation::V23, &mut v23),
            (FskModulation::Bell202, &mut bell),
        ] {
            while let Some(result) = decoder.poll() {
                fsk.push(FskReport {
                    modulation,
                    end: fed,
                    result,
                });
            }
        }
        while let Some(result) = dtmf.poll() {
            found.push(Found {
                standard: Standard::Dtmf,
                at_ms: fed / SAMPLES_PER_MS,
                result,
            });
        }
    }
    found.extend(fsk_bursts(samples, fsk));
    found.sort_by_key(|f| f.at_ms);
    found
}

/// Groups the FSK receivers' reports into bursts and keeps one result per burst: the
/// receiver matching the measured tones if it decoded the burst, else any that did.
fn fsk_bursts(samples: &[i16], reports: Vec<FskReport>) -> Vec<Found> {
    let mut groups: Vec<Vec<FskReport>> = Vec::new();
    for report in reports {
        match groups.last_mut() {
            Some(group) if report.end - group[0].end <= SAME_BURST_SAMPLES => group.push(report),
            _ => groups.push(vec![report]),
        }
    }
    let mut previous_end = 0;
    groups
        .into_iter()
        .filter_map(|group| {
            let end = group.iter().map(|r| r.end).max()?;
            let start = previous_end.max(end.saturating_sub(MEASURE_SAMPLES));
            previous_end = end;
            let modulation = measured_modulation(samples, start, end);
            let matching = |r: &&FskReport| r.modulation == modulation;
            let chosen = group
                .iter()
                .filter(matching)
                .find(|r| r.result.is_ok())
                .or_else(|| group.iter().find(|r| r.result.is_ok()))
                .or_else(|| group.iter().find(matching))
                .or_else(|| group.first())?;
            Some(Found {
                standard: match modulation {
                    FskModulation::V23 => Standard::Etsi,
                    FskModulation::Bell202 => Standard::Bell,
                },
                at_ms: chosen.end / SAMPLES_PER_MS,
                result: chosen.result.clone(),
            })
        })
        .collect()
}

/// The modulation whose mark and space tones carry more power in `start..end`.
fn measured_modulation(samples: &[i16], start: u64, end: u64) -> FskModulation {
    let clamp = |at: u64| usize::try_from(at).unwrap_or(usize::MAX).min(samples.len());
    let (start, end) = (clamp(start), clamp(end));
    let window = &samples[start.min(end)..end];
    let pair_power = |m: FskModulation| {
        hann_power(window, f64::from(m.mark_hz())) + hann_power(window, f64::from(m.space_hz()))
    };
    if pair_power(FskModulation::Bell202) > pair_power(FskModulation::V23) {
        FskModulation::Bell202
    } else {
        FskModulation::V23
    }
}

/// Power at `freq_hz` through a Hann window (low leakage from the other pair's tones,
/// 100 Hz away, and from the channel seizure's sidebands).
fn hann_power(window: &[i16], freq_hz: f64) -> f64 {
    let n = window.len() as f64;
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &x) in window.iter().enumerate() {
        let t = i as f64;
        let weight = 0.5 - 0.5 * (std::f64::consts::TAU * t / n).cos();
        let phase = std::f64::consts::TAU * freq_hz * t / 8000.0;
        re += weight * f64::from(x) * phase.cos();
        im -= weight * f64::from(x) * phase.sin();
    }
    re * re + im * im
}

#[cfg(test)]
mod tests {
    use super::*;
    use dsp::FskCallerIdGenerator;

    fn burst(message: &CallerIdMessage, modulation: FskModulation) -> Vec<i16> {
        let frame = message.encode_mdmf().expect("valid message");
        let mut generator =
            FskCallerIdGenerator::with_modulation(&frame, -13.0, modulation).expect("fits");
        let mut audio = vec![0i16; 1600];
        let mut piece = [0i16; FRAME];
        while generator.fill(&mut piece) {
            audio.extend_from_slice(&piece);
        }
        audio.extend_from_slice(&piece);
        audio.extend(std::iter::repeat_n(0, 1600));
        audio
    }

    fn number(digits: &str) -> CallerIdMessage {
        CallerIdMessage {
            number: Some(digits.try_into().expect("fits")),
            ..CallerIdMessage::default()
        }
    }

    #[test]
    fn each_fsk_burst_is_measured_as_the_modulation_that_sent_it() {
        for modulation in [FskModulation::V23, FskModulation::Bell202] {
            let audio = burst(&number("0201234"), modulation);
            assert_eq!(
                measured_modulation(&audio, 0, audio.len() as u64),
                modulation,
                "{modulation:?}"
            );
        }
    }

    #[test]
    fn one_file_with_both_fsk_standards_reports_each_once() {
        let mut audio = burst(&number("111"), FskModulation::Bell202);
        audio.extend(burst(&number("222"), FskModulation::V23));
        let found = decode(&audio);
        let summary: Vec<(Standard, Option<String>)> = found
            .iter()
            .map(|f| {
                let number = f.result.as_ref().ok().and_then(|m| m.number.clone());
                (f.standard, number.map(|n| n.to_string()))
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Standard::Bell, Some("111".to_string())),
                (Standard::Etsi, Some("222".to_string()))
            ]
        );
    }
}
