//! Simulators against hand-written box loops and against each other, no box involved.

use dsp::caller_id::FskCallerIdDecoder;
use dsp::dtmf::DtmfDetector;
use far_end::sim::Patch;
use far_end::{
    CidDelivery, FarEndDevice, Phone, PlayItem, Rig, TelcoLine, TelcoState, BLOCK_MS,
    BLOCK_SAMPLES, DEFAULT_MIN_SHARE, DISCONNECT_MS,
};
use soft_hardware::{signal, Block, DeviceKind};

fn decode(block: &Block) -> [i16; BLOCK_SAMPLES] {
    let mut out = [0i16; BLOCK_SAMPLES];
    dsp::g711::alaw_decode_slice(&block.channels[0].audio, &mut out);
    out
}

fn box_block(sig: u8, audio: &[i16; BLOCK_SAMPLES]) -> Block {
    let mut b = Block::idle(1);
    b.channels[0].signal = sig;
    dsp::g711::alaw_encode_slice(audio, &mut b.channels[0].audio);
    b
}

/// What a hand-written box FXO saw of the telco line, block by block.
#[derive(Default)]
struct FxoObservations {
    ring_edges: Vec<(u64, bool)>,
    reversed_at: Vec<(u64, bool)>,
    battery_edges: Vec<(u64, bool)>,
}

#[test]
fn telco_line_fsk_before_ring_cadence_answer_and_open_loop_disconnect() {
    let mut line = TelcoLine::new();
    let mut fsk = FskCallerIdDecoder::new();
    let mut obs = FxoObservations::default();
    let (mut ringing, mut reversed, mut battery) = (false, false, true);
    let mut cid = None;
    let mut cid_at = 0;
    let mut off_hook = false;
    line.place_call(
        0,
        Some("5550123"),
        Some("Alice"),
        CidDelivery::EtsiFskBeforeRing,
    )
    .unwrap();
    let mut out = Block::idle(1);
    let mut tone = far_end::Mouth::new();
    for tick in 0..1000u64 {
        let now = tick * BLOCK_MS;
        line.produce(now, &mut out);
        let s = out.channels[0].signal;
        if signal::is_ringing(s) != ringing {
            ringing = !ringing;
            obs.ring_edges.push((now, ringing));
        }
        if signal::is_reversed(s) != reversed {
            reversed = !reversed;
            obs.reversed_at.push((now, reversed));
        }
        if signal::has_battery(s) != battery {
            battery = !battery;
            obs.battery_edges.push((now, battery));
        }
        fsk.process(&decode(&out));
        if let Some(m) = fsk.poll() {
            cid = Some(m.expect("caller ID decodes"));
            cid_at = now;
        }
        // The box answers at the start of the third ring burst.
        if obs.ring_edges.iter().filter(|(_, on)| *on).count() == 3 && !off_hook {
            off_hook = true;
        }
        let mut audio = [0i16; BLOCK_SAMPLES];
        if off_hook && tone.is_idle() && line.state() == TelcoState::Answered && now < 12_000 {
            tone.push(PlayItem::Tone {
                freq_hz: 1004,
                level_dbm0: -13.0,
                duration_ms: 1000,
            })
            .unwrap();
        }
        tone.fill(&mut audio);
        line.consume(now, &box_block(signal::hook(off_hook), &audio));
        if now == 12_000 {
            assert_eq!(line.state(), TelcoState::Answered);
            assert!(
                line.ear()
                    .meter()
                    .tone_run_ms(1004.0, -20.0, DEFAULT_MIN_SHARE, 500)
                    >= 500,
                "telco hears the box"
            );
            // Commands take the time of the next block, as `Rig::now_ms` does.
            line.hang_up(now + BLOCK_MS);
        }
    }
    // Polarity reversal first, FSK within it, restored before the first ring.
    assert_eq!(obs.reversed_at[0], (0, true));
    let restored = obs.reversed_at[1].0;
    assert!(!obs.reversed_at[1].1);
    let cid = cid.expect("the box-side decoder got a caller ID");
    assert_eq!(cid.number.as_deref(), Some("5550123"));
    assert_eq!(cid.name.as_deref(), Some("Alice"));
    assert!(
        cid_at > 300 && cid_at <= restored,
        "FSK at {cid_at} inside the reversal ending {restored}"
    );
    // Ringing 1 s on, 4 s off, starting ~300 ms after the FSK.
    let first_ring = obs.ring_edges[0].0;
    assert!(
        (first_ring - restored) >= 280 && (first_ring - restored) <= 340,
        "ring at {first_ring}"
    );
    assert_eq!(obs.ring_edges[1], (first_ring + 1000, false));
    assert_eq!(obs.ring_edges[2], (first_ring + 5000, true));
    assert_eq!(obs.ring_edges[3], (first_ring + 6000, false));
    // Answered at the third burst: ringing stopped within that block (ring trip).
    assert_eq!(obs.ring_edges[4], (first_ring + 10_000, true));
    assert_eq!(obs.ring_edges[5], (first_ring + 10_020, false));
    assert_eq!(obs.ring_edges.len(), 6);
    assert_eq!(line.answered_at_ms(), Some(first_ring + 10_000));
    assert_eq!(line.ring_bursts(), 3);
    // Open-loop disconnect: battery off for exactly DISCONNECT_MS.
    assert_eq!(
        obs.battery_edges,
        vec![(12_020, false), (12_020 + DISCONNECT_MS, true)]
    );
    assert_eq!(line.state(), TelcoState::Idle);
}

#[test]
fn telco_line_abandon_while_ringing_and_box_hang_up() {
    let mut line = TelcoLine::new();
    let mut out = Block::idle(1);
    let silence = [0i16; BLOCK_SAMPLES];
    line.place_call(0, None, None, CidDelivery::None).unwrap();
    line.produce(0, &mut out);
    assert!(
        signal::is_ringing(out.channels[0].signal),
        "rings at once without caller ID"
    );
    line.consume(0, &box_block(0, &silence));
    line.hang_up(500);
    line.produce(500, &mut out);
    assert!(!signal::is_ringing(out.channels[0].signal));
    assert!(!signal::has_battery(out.channels[0].signal));
    assert!(line.abandoned());
    assert_eq!(line.answered_at_ms(), None);
    assert!(
        line.place_call(520, None, None, CidDelivery::None).is_err(),
        "busy while disconnecting"
    );

    // Next call: the box answers, then hangs up itself.
    for t in (520..2000).step_by(20) {
        line.produce(t, &mut out);
        line.consume(t, &box_block(0, &silence));
    }
    line.place_call(2000, Some("1"), None, CidDelivery::None)
        .unwrap();
    line.produce(2000, &mut out);
    line.consume(2000, &box_block(signal::OFF_HOOK, &silence));
    assert_eq!(line.state(), TelcoState::Answered);
    line.produce(2020, &mut out);
    line.consume(2020, &box_block(0, &silence));
    assert_eq!(line.state(), TelcoState::Released);
    assert_eq!(line.released_at_ms(), Some(2020));
    assert!(!line.box_off_hook());
    assert!(
        signal::has_battery(out.channels[0].signal),
        "battery stays on when the box hangs up"
    );
}

#[test]
fn phone_counts_rings_decodes_caller_id_and_dials() {
    let mut phone = Phone::new();
    let mut out = Block::idle(1);
    let mut cid_gen = {
        let m = dsp::caller_id::CallerIdMessage {
            number: Some(heapless::String::try_from("201").unwrap()),
            ..Default::default()
        };
        dsp::caller_id::FskCallerIdGenerator::new(&m).unwrap()
    };
    let mut detector = DtmfDetector::default();
    let mut digits = String::new();
    let mut off_hook_seen_at = None;
    let mut flash_blocks = 0;
    for tick in 0..600u64 {
        let now = tick * BLOCK_MS;
        phone.produce(now, &mut out);
        let phone_off_hook = signal::is_off_hook(out.channels[0].signal);
        if phone_off_hook && off_hook_seen_at.is_none() {
            off_hook_seen_at = Some(now);
        }
        if off_hook_seen_at.is_some() && !phone_off_hook {
            flash_blocks += 1;
        }
        detector.process(&decode(&out));
        while let Some(d) = detector.poll_digit() {
            digits.push(d.digit);
        }
        // Box FXS: ring 1 s on / 4 s off until the phone answers, FSK after the first ring.
        let mut audio = [0i16; BLOCK_SAMPLES];
        let ringing = off_hook_seen_at.is_none() && now % 5000 < 1000;
        if off_hook_seen_at.is_none() && now >= 1500 {
            cid_gen.fill(&mut audio);
        }
        phone.consume(now, &box_block(signal::line(ringing, false, true), &audio));
        if now == 4900 {
            assert_eq!(phone.ring_bursts(), 1);
            let cid = phone
                .last_caller_id()
                .expect("caller ID decoded between rings");
            assert_eq!(cid.number.as_deref(), Some("201"));
        }
        if now == 10_500 {
            assert_eq!(phone.ring_bursts(), 3);
            assert!(phone.ringing(), "answered during the third burst");
            assert!(phone.dial(now, "1").is_err(), "cannot dial on hook");
            phone.go_off_hook(now);
            phone.dial(now, "202*#").unwrap();
        }
        if now == 11_500 {
            phone.flash(now + BLOCK_MS).unwrap();
        }
    }
    assert_eq!(off_hook_seen_at, Some(10_520));
    assert_eq!(digits, "202*#");
    assert_eq!(flash_blocks, (far_end::FLASH_MS / BLOCK_MS) as usize);
    assert_eq!(phone.ring_bursts(), 0, "reset when the phone went off hook");
    assert_eq!(phone.ring_bursts_total(), 3);
}

#[test]
fn telco_and_phone_patched_together_through_a_rig() {
    let mut rig = Rig::simulated(
        &[("fxo1", DeviceKind::Fxo, 1), ("fxs3", DeviceKind::Fxs, 3)],
        Box::new(Patch::new(&[("fxo1", "fxs3")])),
    )
    .unwrap();
    rig.telco_mut("fxo1")
        .unwrap()
        .place_call(
            0,
            Some("5550123"),
            Some("Bob"),
            CidDelivery::EtsiFskAfterFirstRing,
        )
        .unwrap();
    rig.run_for(5000).unwrap();
    let phone = rig.phone("fxs3").unwrap();
    assert_eq!(phone.ring_bursts(), 1);
    let cid = phone
        .last_caller_id()
        .expect("phone decoded caller ID after the first ring");
    assert_eq!(
        (cid.number.as_deref(), cid.name.as_deref()),
        (Some("5550123"), Some("Bob"))
    );
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(now);
    rig.step().unwrap();
    assert_eq!(rig.telco("fxo1").unwrap().state(), TelcoState::Answered);
    rig.telco_mut("fxo1")
        .unwrap()
        .mouth()
        .push(PlayItem::Tone {
            freq_hz: 1004,
            level_dbm0: -13.0,
            duration_ms: 1000,
        })
        .unwrap();
    rig.phone_mut("fxs3")
        .unwrap()
        .mouth()
        .push(PlayItem::Tone {
            freq_hz: 660,
            level_dbm0: -13.0,
            duration_ms: 1000,
        })
        .unwrap();
    rig.run_for(600).unwrap();
    let heard_by_phone =
        rig.phone("fxs3")
            .unwrap()
            .ear()
            .meter()
            .tone_run_ms(1004.0, -16.0, DEFAULT_MIN_SHARE, 500);
    let heard_by_telco =
        rig.telco("fxo1")
            .unwrap()
            .ear()
            .meter()
            .tone_run_ms(660.0, -16.0, DEFAULT_MIN_SHARE, 500);
    assert_eq!((heard_by_phone, heard_by_telco), (500, 500));
    assert_eq!(
        rig.phone("fxs3")
            .unwrap()
            .ear()
            .meter()
            .tone_run_ms(660.0, -40.0, DEFAULT_MIN_SHARE, 500),
        0,
        "no echo"
    );
    let summary = rig.state_summary();
    assert!(summary.contains("fxo1: telco line Answered"), "{summary}");
    assert!(summary.contains("fxs3: phone off hook"), "{summary}");
}
