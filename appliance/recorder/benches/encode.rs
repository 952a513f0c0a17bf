//! What one recorded call costs a recorder thread: one 20 ms stereo frame encoded and
//! paged, at each Opus complexity (the box uses `ENCODER_COMPLEXITY`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use line_boundary::FRAME_SAMPLES;
use recorder::{OggOpusWriter, RecordingTags};

fn frames() -> Vec<([i16; FRAME_SAMPLES], [i16; FRAME_SAMPLES])> {
    (0..50u64)
        .map(|f| {
            let mut left = [0i16; FRAME_SAMPLES];
            let mut right = [0i16; FRAME_SAMPLES];
            for i in 0..FRAME_SAMPLES {
                let n = (f * FRAME_SAMPLES as u64 + i as u64) as f64;
                left[i] =
                    (8000.0 * (2.0 * std::f64::consts::PI * 1004.0 * n / 8000.0).sin()) as i16;
                right[i] =
                    (8000.0 * (2.0 * std::f64::consts::PI * 1400.0 * n / 8000.0).sin()) as i16;
            }
            (left, right)
        })
        .collect()
}

fn encode(c: &mut Criterion) {
    let frames = frames();
    let mut group = c.benchmark_group("recorder frame (20 ms stereo, 8 kHz)");
    for complexity in [0, 2, 4, 6, 10] {
        group.bench_with_input(
            BenchmarkId::new("complexity", complexity),
            &complexity,
            |b, &complexity| {
                let mut writer = OggOpusWriter::with_complexity(
                    std::io::sink(),
                    1,
                    &RecordingTags::default(),
                    complexity,
                )
                .expect("encoder");
                let mut next = 0;
                b.iter(|| {
                    let (left, right) = &frames[next % frames.len()];
                    next += 1;
                    writer.write_frame(left, right).expect("encoded");
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);
