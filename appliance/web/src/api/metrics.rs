//! `GET /metrics`: the box's live figures in the Prometheus text format (0.0.4), for a
//! floor's monitoring to scrape: calls up, calls waiting per queue and agents per state
//! (the ACD's snapshot), the media engine's tick lateness and dropped frames, and the
//! recorder's counts. A part whose actor does not answer is left out of that scrape
//! (and logged); the rest is still served.

use crate::endpoint::{Endpoint, STAFF};
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use call_control::recorder_actor::GetRecorderFigures;
use call_control::switchboard::ListCalls;
use std::collections::BTreeMap;
use std::fmt::Write;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/metrics", STAFF, || web::get().to(metrics))]
}

/// The states the ACD reports, each always exported (0 when nobody is in it).
const AGENT_STATES: [&str; 8] = [
    "logged-out",
    "ready",
    "reserved",
    "on-call-inbound",
    "on-call-outbound",
    "on-hold",
    "wrap-up",
    "not-ready",
];

/// Prometheus text, one family at a time.
#[derive(Default)]
struct Exposition {
    text: String,
}

#[derive(Clone, Copy)]
enum Kind {
    Gauge,
    Counter,
}

impl Exposition {
    /// A family: its `# HELP` and `# TYPE` lines, then its samples (labels, value).
    fn family<'a>(
        &mut self,
        name: &str,
        kind: Kind,
        help: &str,
        samples: impl IntoIterator<Item = (&'a [(&'a str, &'a str)], f64)>,
    ) {
        let kind = match kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
        for (labels, value) in samples {
            self.text.push_str(name);
            if !labels.is_empty() {
                self.text.push('{');
                for (index, (label, value)) in labels.iter().enumerate() {
                    if index > 0 {
                        self.text.push(',');
                    }
                    let _ = write!(self.text, "{label}=\"{}\"", escape_label(value));
                }
                self.text.push('}');
            }
            let _ = writeln!(self.text, " {}", number(value));
        }
    }

    /// A family of one sample without labels.
    fn single(&mut self, name: &str, kind: Kind, help: &str, value: f64) {
        self.family(name, kind, help, [(&[][..], value)]);
    }
}

/// A label value: backslash, double quote and line feed escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

/// A help text: backslash and line feed escaped.
fn escape_help(text: &str) -> String {
    text.replace('\\', r"\\").replace('\n', r"\n")
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn micros_to_seconds(us: u64) -> f64 {
    us as f64 / 1_000_000.0
}

pub async fn metrics(state: web::Data<WebState>) -> HttpResponse {
    let mut out = Exposition::default();

    match state.switchboard.send(ListCalls).await {
        Ok(calls) => {
            let answered = calls
                .iter()
                .filter(|call| call.answered_unix_ms.is_some())
                .count();
            out.single(
                "appliance_calls_up",
                Kind::Gauge,
                "Calls in progress: ringing, in the IVR, queued or connected.",
                calls.len() as f64,
            );
            out.single(
                "appliance_calls_answered",
                Kind::Gauge,
                "Calls in progress that a destination answered.",
                answered as f64,
            );
        }
        Err(error) => tracing::warn!(%error, "metrics: the switchboard did not answer"),
    }

    match state
        .acd
        .send(call_control::acd_actor::GetAcdSnapshot)
        .await
    {
        Ok(snapshot) => {
            let waiting: Vec<([(&str, &str); 1], f64)> = snapshot
                .queues
                .iter()
                .map(|queue| ([("queue", queue.name.as_str())], queue.waiting as f64))
                .collect();
            out.family(
                "appliance_queue_calls_waiting",
                Kind::Gauge,
                "Calls in the queue not yet answered (waiting, ringing an agent, or waiting for a callback).",
                waiting.iter().map(|(labels, value)| (&labels[..], *value)),
            );
            let longest: Vec<([(&str, &str); 1], f64)> = snapshot
                .queues
                .iter()
                .map(|queue| {
                    (
                        [("queue", queue.name.as_str())],
                        queue.longest_wait_ms as f64 / 1000.0,
                    )
                })
                .collect();
            out.family(
                "appliance_queue_longest_wait_seconds",
                Kind::Gauge,
                "How long the queue's longest-waiting call has waited.",
                longest.iter().map(|(labels, value)| (&labels[..], *value)),
            );
            let mut per_state: BTreeMap<String, u64> = AGENT_STATES
                .iter()
                .map(|state| (state.to_string(), 0))
                .collect();
            for agent in &snapshot.agents {
                *per_state.entry(kebab(&agent.state.kind())).or_default() += 1;
            }
            let samples: Vec<([(&str, &str); 1], f64)> = per_state
                .iter()
                .map(|(state, count)| ([("state", state.as_str())], *count as f64))
                .collect();
            out.family(
                "appliance_agents",
                Kind::Gauge,
                "Configured agents per ACD state.",
                samples.iter().map(|(labels, value)| (&labels[..], *value)),
            );
        }
        Err(error) => tracing::warn!(%error, "metrics: the ACD did not answer"),
    }

    let engine = (state.engine_stats)();
    out.single(
        "appliance_media_tick_lateness_p50_seconds",
        Kind::Gauge,
        "Median lateness of the media engine's ticks against their schedule (real-time clock).",
        micros_to_seconds(engine.tick_lateness.p50_us),
    );
    out.single(
        "appliance_media_tick_lateness_p99_seconds",
        Kind::Gauge,
        "99th percentile of the media engine's tick lateness.",
        micros_to_seconds(engine.tick_lateness.p99_us),
    );
    out.single(
        "appliance_media_tick_lateness_max_seconds",
        Kind::Gauge,
        "The latest tick the media engine has run.",
        micros_to_seconds(engine.tick_lateness.max_us),
    );
    out.single(
        "appliance_media_ticks_total",
        Kind::Counter,
        "Ticks the media engine has run.",
        engine.ticks as f64,
    );
    out.single(
        "appliance_media_missed_ticks_total",
        Kind::Counter,
        "Ticks the media engine ran too late to keep its schedule.",
        engine.missed_ticks as f64,
    );
    let dropped = [
        ("underrun", engine.frames_underrun),
        ("overrun", engine.frames_overrun),
        ("tx_dropped", engine.frames_tx_dropped),
        ("tap", engine.tap_frames_dropped),
    ];
    let dropped: Vec<([(&str, &str); 1], f64)> = dropped
        .iter()
        .map(|(reason, count)| ([("reason", *reason)], *count as f64))
        .collect();
    out.family(
        "appliance_media_frames_dropped_total",
        Kind::Counter,
        "Audio frames lost: device underruns and overruns, frames the devices could not send, frames the recorder's taps had no room for.",
        dropped.iter().map(|(labels, value)| (&labels[..], *value)),
    );
    out.single(
        "appliance_media_events_dropped_total",
        Kind::Counter,
        "Engine events dropped because the control plane's queue was full.",
        engine.events_dropped as f64,
    );

    match state.recorder.send(GetRecorderFigures).await {
        Ok(figures) => {
            out.single(
                "appliance_recordings_running",
                Kind::Gauge,
                "Recordings being written now.",
                figures.recording as f64,
            );
            out.single(
                "appliance_recordings_started_total",
                Kind::Counter,
                "Recordings started since the box started.",
                figures.started as f64,
            );
            out.single(
                "appliance_recordings_failed_total",
                Kind::Counter,
                "Recordings that failed since the box started.",
                figures.failed as f64,
            );
            out.single(
                "appliance_recordings_refused_disk_total",
                Kind::Counter,
                "Recordings not started because the disk was too full.",
                figures.refused_disk as f64,
            );
            out.single(
                "appliance_recording_frames_missing_total",
                Kind::Counter,
                "Audio frames missing from recordings (filled with silence).",
                figures.frames_missing as f64,
            );
            out.single(
                "appliance_recordings_suspended",
                Kind::Gauge,
                "1 while recording is suspended (the disk is full), else 0.",
                if figures.suspended { 1.0 } else { 0.0 },
            );
        }
        Err(error) => tracing::warn!(%error, "metrics: the recorder did not answer"),
    }

    HttpResponse::Ok().content_type(CONTENT_TYPE).body(out.text)
}

/// A unit enum's serde name (`on-call-inbound`).
fn kebab<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::from("unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_have_help_and_type_and_labels_are_escaped() {
        let mut out = Exposition::default();
        out.family(
            "x_waiting",
            Kind::Gauge,
            "Calls\nwaiting \\ now",
            [(&[("queue", "a\"b\\c\nd")][..], 2.0)],
        );
        out.single("x_total", Kind::Counter, "Things.", 1.5);
        assert_eq!(
            out.text,
            "# HELP x_waiting Calls\\nwaiting \\\\ now\n# TYPE x_waiting gauge\n\
             x_waiting{queue=\"a\\\"b\\\\c\\nd\"} 2\n\
             # HELP x_total Things.\n# TYPE x_total counter\nx_total 1.5\n"
        );
    }
}
