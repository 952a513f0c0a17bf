mod common;
use common::{add_noise, mean_square, Noise};
use dsp::{CallerIdMessage, FskCallerIdDecoder, FskCallerIdGenerator};
#[test]
fn probe() {
    let msg = CallerIdMessage { number: Some(heapless::String::try_from("0123456789").unwrap()), name: Some(heapless::String::try_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ").unwrap()), ..Default::default() };
    let mut g = FskCallerIdGenerator::new(&msg).unwrap();
    let mut audio = vec![0i16; 800];
    let mut f = [0i16; 160];
    while g.fill(&mut f) { audio.extend_from_slice(&f); }
    audio.extend(vec![0i16; 1600]);
    let p = mean_square(&audio[1000..4000]);
    for snr in [30.0, 25.0, 20.0, 17.0, 15.0, 12.0] {
        let mut ok = 0;
        for seed in 1..=20 {
            let mut a = audio.clone();
            add_noise(&mut a, p / 10f64.powf(snr / 10.0), &mut Noise::new(seed));
            let mut d = FskCallerIdDecoder::new();
            d.process(&a);
            if let Some(Ok(m)) = d.poll() { if m == msg { ok += 1; } }
        }
        println!("snr {snr}: {ok}/20");
    }
}
