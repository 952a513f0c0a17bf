//! Mixer: gains, saturation, N−1 conference, whisper.

use dsp::mix::{mix, Gain, MixBus};

#[test]
fn unity_sum_is_exact_and_mute_is_silent() {
    let a: Vec<i16> = (0..160).map(|n| (n * 37 % 2000) as i16 - 1000).collect();
    let b: Vec<i16> = (0..160).map(|n| (n * 91 % 3000) as i16 - 1500).collect();
    let mut out = [0i16; 160];
    mix(&[(&a, Gain::UNITY), (&b, Gain::UNITY)], &mut out);
    for n in 0..160 {
        assert_eq!(out[n], a[n] + b[n]);
    }
    mix(&[(&a, Gain::MUTE), (&b, Gain::UNITY)], &mut out);
    assert_eq!(&out[..], &b[..]);
    mix(&[], &mut out);
    assert!(out.iter().all(|&x| x == 0));
}

#[test]
fn gains_in_db() {
    let a = [10000i16, -10000, 20000, -20000, 1];
    let mut out = [0i16; 5];
    mix(&[(&a, Gain::from_db(-6.0206))], &mut out);
    assert_eq!(out, [5000, -5000, 10000, -10000, 1]);
    mix(&[(&a[..2], Gain::from_db(6.0206))], &mut out[..2]);
    assert_eq!(&out[..2], &[20000, -20000]);
    assert!((Gain::from_db(-20.0).linear() - 0.1).abs() < 1e-3);
    assert_eq!(Gain::from_db(-200.0), Gain::MUTE);
    assert_eq!(Gain::from_db(f32::NAN), Gain::MUTE);
    assert_eq!(Gain::from_db(100.0), Gain::from_db(24.0));
    assert_eq!(Gain::from_linear(-3.0), Gain::MUTE);
}

#[test]
fn loud_sums_saturate_instead_of_wrapping() {
    let loud = [30000i16, -30000, 32767, -32768];
    let mut out = [0i16; 4];
    mix(
        &[
            (&loud, Gain::UNITY),
            (&loud, Gain::UNITY),
            (&loud, Gain::UNITY),
        ],
        &mut out,
    );
    assert_eq!(out, [32767, -32768, 32767, -32768]);
    mix(&[(&loud, Gain::from_db(24.0))], &mut out);
    assert_eq!(out, [32767, -32768, 32767, -32768]);
    // One loud input cancelled by another still sums exactly (saturation only at the end).
    let opposite = [-30000i16, 30000, -32767, 32767];
    mix(
        &[
            (&loud, Gain::UNITY),
            (&loud, Gain::UNITY),
            (&opposite, Gain::UNITY),
        ],
        &mut out,
    );
    assert_eq!(out, [30000, -30000, 32767, -32768]);
}

#[test]
fn shorter_inputs_count_as_silence() {
    let mut out = [7i16; 4];
    mix(
        &[(&[100, 200], Gain::UNITY), (&[1, 1, 1, 1], Gain::UNITY)],
        &mut out,
    );
    assert_eq!(out, [101, 201, 1, 1]);
}

#[test]
fn conference_members_hear_everyone_but_themselves() {
    let members: [Vec<i16>; 4] = [
        vec![1000; 160],
        vec![-2000; 160],
        vec![300; 160],
        vec![32000; 160],
    ];
    let mut bus = MixBus::<160>::new();
    bus.clear(160);
    for member in &members {
        bus.add(member, Gain::UNITY);
    }
    let mut out = [0i16; 160];
    for (i, member) in members.iter().enumerate() {
        assert_eq!(bus.read_without(member, Gain::UNITY, &mut out), 160);
        let expected: i32 = members
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, m)| i32::from(m[0]))
            .sum();
        let expected = expected.clamp(-32768, 32767) as i16;
        assert!(
            out.iter().all(|&x| x == expected),
            "member {i}: {} vs {expected}",
            out[0]
        );
    }
    assert_eq!(bus.read(&mut out), 160);
    assert_eq!(out[0], 31300);
    // Next frame starts from silence.
    bus.clear(80);
    assert_eq!(bus.read(&mut out), 80);
    assert!(out[..80].iter().all(|&x| x == 0));
}

#[test]
fn whisper_and_barge() {
    // Whisper: the agent hears customer + coach (coach at -6 dB); the customer hears only
    // the agent. Barge: the customer hears the coach too.
    let customer = [1000i16; 8];
    let agent = [2000i16; 8];
    let coach = [4000i16; 8];
    let coach_gain = Gain::from_db(-6.0206);
    let mut to_agent = [0i16; 8];
    let mut to_customer = [0i16; 8];
    mix(
        &[(&customer, Gain::UNITY), (&coach, coach_gain)],
        &mut to_agent,
    );
    mix(&[(&agent, Gain::UNITY)], &mut to_customer);
    assert_eq!(to_agent, [3000; 8]);
    assert_eq!(to_customer, [2000; 8]);
    mix(
        &[(&agent, Gain::UNITY), (&coach, coach_gain)],
        &mut to_customer,
    );
    assert_eq!(to_customer, [4000; 8]);
}
