//! Call-progress tones in a recording, through the same receiver the box runs on its
//! lines (`dsp::call_progress`), so a field recording is judged exactly as the box would
//! judge it: frequencies and cadence of the plan's dial, ringback, busy and congestion
//! tones, and the ITU-T E.180 special information tone.

use dsp::call_progress::{CallProgressDetector, ProgressTone};
use dsp::tone_plan::{TonePlan, TonePlanName};

const FRAME: usize = 160;
const SAMPLES_PER_MS: u64 = 8;

/// A tone the receiver confirmed; `at_ms` is where its confirming pattern began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heard {
    pub at_ms: u64,
    pub tone: ProgressTone,
}

/// The word `tones-detect` prints for a tone.
pub fn name(tone: ProgressTone) -> &'static str {
    match tone {
        ProgressTone::Dial => "dial",
        ProgressTone::Ringback => "ringback",
        ProgressTone::Busy => "busy",
        ProgressTone::Congestion => "congestion",
        ProgressTone::Sit => "sit",
    }
}

/// Every tone the plan's receiver confirms in `samples`, in order.
pub fn detect(samples: &[i16], plan: TonePlanName) -> Vec<Heard> {
    let mut detector = CallProgressDetector::new(&TonePlan::new(plan));
    let mut heard = Vec::new();
    // 20 ms frames, as on the line; the receiver buffers any remainder itself.
    for frame in samples.chunks(FRAME) {
        detector.process(frame);
        while let Some(found) = detector.poll() {
            heard.push(Heard {
                at_ms: found.at_sample / SAMPLES_PER_MS,
                tone: found.tone,
            });
        }
    }
    heard
}
