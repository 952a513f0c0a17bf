//! The files as written: loosely typed (enums as text) so that validation can report
//! every bad value with its position, not only the first one serde trips over.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemFile {
    pub system: Spanned<RawSystem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSystem {
    pub name: Option<Spanned<String>>,
    pub tone_plan: Option<Spanned<String>>,
    pub clock: Option<Spanned<String>>,
    pub device_dir: Option<Spanned<String>>,
    pub web_listen: Option<Spanned<String>>,
    pub web_plain_http: Option<Spanned<bool>>,
    pub web_session_idle_minutes: Option<Spanned<i64>>,
    pub log_level: Option<Spanned<String>>,
    pub fault_injection: Option<bool>,
    pub sounds_dir: Option<Spanned<String>>,
    pub music_dir: Option<Spanned<String>>,
    pub lookup_ca_file: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LinesFile {
    #[serde(default)]
    pub span: Vec<Spanned<RawSpan>>,
    #[serde(default)]
    pub fxo: Vec<Spanned<RawFxo>>,
    #[serde(default)]
    pub fxs: Vec<Spanned<RawFxs>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpan {
    pub id: Spanned<i64>,
    pub name: Option<String>,
    pub kind: Option<Spanned<String>>,
    pub signalling: Option<Spanned<String>>,
    pub switch: Option<Spanned<String>>,
    pub channels: Option<Spanned<String>>,
    pub overlap: Option<bool>,
    pub national_prefix: Option<Spanned<String>>,
    pub international_prefix: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFxo {
    pub id: Spanned<i64>,
    pub name: Option<String>,
    pub number: Option<Spanned<String>>,
    pub caller_id: Option<Spanned<String>>,
    pub disconnect: Option<RawDisconnect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDisconnect {
    pub battery: Option<bool>,
    pub polarity: Option<bool>,
    pub busy_tone: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFxs {
    pub id: Spanned<i64>,
    pub name: Option<String>,
    pub extension: Spanned<String>,
    pub caller_id: Option<Spanned<String>>,
    pub display_name: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RoutesFile {
    pub greeting: Option<Spanned<String>>,
    pub ring_timeout_s: Option<Spanned<i64>>,
    #[serde(default)]
    pub inbound: Vec<Spanned<RawInbound>>,
    #[serde(default)]
    pub outbound: Vec<Spanned<RawOutbound>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInbound {
    pub lines: Spanned<Vec<Spanned<i64>>>,
    pub called: Option<Spanned<String>>,
    pub destination: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutbound {
    pub prefix: Spanned<String>,
    pub strip: Option<Spanned<i64>>,
    pub lines: Spanned<Vec<Spanned<i64>>>,
}
