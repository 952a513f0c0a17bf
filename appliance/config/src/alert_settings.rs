//! `queues.toml`'s `[alerts]`: how long agents may stay not ready, and what makes a surge
//! of callers. (Each queue's own thresholds, `alert_waiting` and `alert_longest_wait_s`,
//! are read with the queue.)
//!
//! ```toml
//! [alerts]
//! not_ready_limit_min = 15                  # any reason not listed below
//! not_ready_limits_min = { lunch = 60 }
//!
//! [alerts.surge]
//! window_min = 10         # count over the last 10 minutes
//! baseline_min = 60       # against the hour before
//! factor = 3.0            # 3 times the usual
//! min_calls = 20          # and never fewer than 20 calls
//! area_code_digits = 3    # the caller's area code: the first 3 digits (0: not watched)
//! ```

use crate::check::Check;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlerts {
    not_ready_limit_min: Option<Spanned<i64>>,
    #[serde(default)]
    not_ready_limits_min: BTreeMap<String, Spanned<i64>>,
    surge: Option<RawSurge>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSurge {
    window_min: Option<Spanned<i64>>,
    baseline_min: Option<Spanned<i64>>,
    factor: Option<Spanned<f64>>,
    min_calls: Option<Spanned<i64>>,
    area_code_digits: Option<Spanned<i64>>,
}

const MINUTE_MS: u64 = 60_000;

pub(crate) fn check_alerts(
    check: &mut Check,
    raw: &RawAlerts,
    reasons: &[String],
    alerts: &mut alerts::AlertConfig,
) {
    alerts.not_ready_default_ms = check
        .ranged(
            raw.not_ready_limit_min.as_ref(),
            "alerts.not_ready_limit_min",
            1..=1440,
            " minutes",
        )
        .map(|m| m * MINUTE_MS);
    for (reason, limit) in &raw.not_ready_limits_min {
        let field = format!("alerts.not_ready_limits_min.{reason}");
        if !reasons.contains(reason) {
            check.at(
                limit.span(),
                &field,
                format!(
                    "{reason:?} is not a not-ready reason (reasons: {})",
                    reasons.join(", ")
                ),
            );
            continue;
        }
        if let Some(minutes) = check.ranged(Some(limit), &field, 1..=1440, " minutes") {
            alerts
                .not_ready_limits_ms
                .insert(reason.clone(), minutes * MINUTE_MS);
        }
    }
    let Some(surge) = &raw.surge else {
        return;
    };
    let mut config = alerts::SurgeConfig::default();
    if let Some(m) = check.ranged(
        surge.window_min.as_ref(),
        "alerts.surge.window_min",
        1..=1440,
        " minutes",
    ) {
        config.window_ms = m * MINUTE_MS;
    }
    if let Some(m) = check.ranged(
        surge.baseline_min.as_ref(),
        "alerts.surge.baseline_min",
        1..=10_080,
        " minutes",
    ) {
        config.baseline_ms = m * MINUTE_MS;
    }
    if let Some(factor) = &surge.factor {
        let value = *factor.get_ref();
        if (1.0..=100.0).contains(&value) {
            config.factor = value;
        } else {
            check.at(
                factor.span(),
                "alerts.surge.factor",
                format!("{value} is out of range (1.0 to 100.0)"),
            );
        }
    }
    if let Some(n) = check.ranged(
        surge.min_calls.as_ref(),
        "alerts.surge.min_calls",
        1..=100_000,
        " calls",
    ) {
        config.min_calls = n as usize;
    }
    if let Some(n) = check.ranged(
        surge.area_code_digits.as_ref(),
        "alerts.surge.area_code_digits",
        0..=8,
        " digits",
    ) {
        config.area_code_digits = n as usize;
    }
    alerts.surge = Some(config);
}
