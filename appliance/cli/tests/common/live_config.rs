//! What the live-configuration tests share (`config_live.rs` through the API,
//! `web_config.rs` through the pages): tones each way on a call, agents made ready in a
//! known order, the hotline's two menu choices, the versions kept.

use far_end::{PlayItem, Rig};
use serde_json::Value;
use std::net::SocketAddr;

pub const CALLER_HZ: u16 = 1004;
pub const AGENT_HZ: u16 = 1400;
pub const OLD_CHOICES: &str = r#"choices = { "2" = "agents", "3" = "outage" }"#;
pub const NEW_CHOICES: &str = r#"choices = { "2" = "outage", "3" = "agents" }"#;

/// 202 ready first, 201 two seconds later: 202 is the one idle longest.
pub fn agents_ready(rig: &mut Rig, web: SocketAddr) {
    super::agent_ready(web, "202", "202");
    rig.run_for(2000).unwrap();
    super::agent_ready(web, "201", "201");
    rig.run_for(1000).unwrap();
}

pub fn ringing(rig: &Rig, phone: &str) -> bool {
    rig.phone(phone).is_some_and(|p| p.ringing())
}

/// One second of a tone each way on carrier call `number` and `phone`: each end hears
/// the other's for most of it.
pub fn tones_pass_both_ways(rig: &mut Rig, number: usize, phone: &str) -> bool {
    let tone = |freq_hz| PlayItem::Tone {
        freq_hz,
        level_dbm0: -10.0,
        duration_ms: 1000,
    };
    rig.carrier_mut("span1")
        .unwrap()
        .mouth(number)
        .unwrap()
        .push(tone(CALLER_HZ))
        .unwrap();
    rig.phone_mut(phone)
        .unwrap()
        .mouth()
        .push(tone(AGENT_HZ))
        .unwrap();
    rig.run_for(900).unwrap();
    let caller_hears = rig
        .carrier("span1")
        .and_then(|c| c.ear(number))
        .map_or(0, |ear| {
            ear.meter()
                .tone_run_ms(f32::from(AGENT_HZ), -30.0, 0.5, 600)
        });
    let agent_hears = rig.phone(phone).map_or(0, |p| {
        p.ear()
            .meter()
            .tone_run_ms(f32::from(CALLER_HZ), -30.0, 0.5, 600)
    });
    rig.run_for(400).unwrap();
    caller_hears >= 600 && agent_hears >= 600
}

pub fn versions(web: SocketAddr) -> Vec<Value> {
    super::json(web, "GET", "/api/config/versions")["versions"]
        .as_array()
        .expect("versions")
        .clone()
}

pub fn current_version(web: SocketAddr) -> u64 {
    let current: Vec<u64> = versions(web)
        .iter()
        .filter(|v| v["current"] == true)
        .filter_map(|v| v["number"].as_u64())
        .collect();
    assert_eq!(current.len(), 1, "one current version");
    current[0]
}
