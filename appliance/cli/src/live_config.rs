//! A configuration applied to the running box: the `LiveApplier` the configuration
//! keeper (`config-store`) calls once a candidate is checked and written.
//!
//! Order matters. The prompts are built first (the slow, fallible part, no effect), then
//! the engine's store is replaced by the old one extended with what is new or changed
//! (every prompt id a call in progress holds stays valid), then the ACD (which checks the
//! queues and agents again and may refuse: nothing else has changed that a call would
//! notice), then the switchboard's routes and flows, the alert thresholds, the
//! recorder's settings and, last, what the web's views read (each queue's service level
//! for the reports, the wrap-up codes). Calls in progress keep the `Arc`s of flows,
//! schedules, prompts and recording rules their sessions were started with; the next call
//! takes the new ones, and the web's next request the new settings. Lines and
//! `system.toml` need a restart (the keeper lists them).

use actix::prelude::*;
use call_control::acd_actor::AcdActor;
use call_control::alert_actor::AlertActor;
use call_control::live_config::{
    ReconfigureAcd, ReplaceAlertConfig, ReplaceRecordingSettings, ReplaceRouting,
};
use call_control::recorder_actor::RecorderActor;
use call_control::switchboard::Switchboard;
use media_engine::PromptSwapper;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub struct BoxApplier {
    pub prompt_cache_dir: PathBuf,
    pub prompts: PromptSwapper,
    pub switchboard: Addr<Switchboard>,
    pub acd: Addr<AcdActor>,
    pub alerts: Addr<AlertActor>,
    pub recorder: Addr<RecorderActor>,
    /// What the web's handlers and pages read of the running configuration
    /// (`WebState::running`).
    pub web: config_store::Live<box_web::RunningSettings>,
    /// The control plane's arbiter: the ACD's answer is awaited there.
    pub arbiter: actix::ArbiterHandle,
}

/// How long the ACD may take to answer a reconfiguration.
const ACD_ANSWER: Duration = Duration::from_secs(10);

impl config_store::LiveApplier for BoxApplier {
    fn apply(&self, config: &box_config::Config) -> Result<Vec<String>, String> {
        let fresh = prompt_library::build_store(config, &self.prompt_cache_dir)
            .map_err(|error| format!("the prompts cannot be loaded: {error}"))?;
        let store = Arc::new(self.prompts.current().extended_by(&fresh));
        let routing = crate::plan::routing_plan(config, Arc::clone(&store))
            .map_err(|error| format!("{error:#}"))?;
        self.prompts
            .replace(store)
            .map_err(|error| format!("the media engine did not take the prompts: {error}"))?;

        let acd = self.acd.clone();
        let request = ReconfigureAcd {
            config: config.acd.clone(),
            pins: config.agent_pins.clone(),
            reasons: config.acd.not_ready_reasons.clone(),
            flows: routing.ivr.clone(),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let asked = self.arbiter.spawn(async move {
            let _ = tx.send(acd.send(request).await);
        });
        if !asked {
            return Err("the control plane has stopped".into());
        }
        let report = rx
            .recv_timeout(ACD_ANSWER)
            .map_err(|_| "the ACD did not answer".to_string())?
            .map_err(|error| format!("the ACD is gone: {error}"))?
            .map_err(|error| format!("{}: {error}", config_store_acd_files()))?;

        self.switchboard.do_send(ReplaceRouting {
            inbound: routing.inbound,
            outbound: routing.outbound,
            greeting: routing.greeting,
            ivr: routing.ivr,
            ring_timeout_ms: routing.ring_timeout_ms,
            recording: Arc::new(config.recording.clone()),
        });
        self.alerts
            .do_send(ReplaceAlertConfig(config.alerts.clone()));
        self.recorder
            .do_send(ReplaceRecordingSettings(Arc::new(config.recording.clone())));
        // The reports' thresholds and the wrap-up codes, for the web's next request.
        self.web.set(box_web::RunningSettings::of(config));

        let mut notes = Vec::new();
        for queue in report.queues_kept_for_calls {
            notes.push(format!(
                "{}: queue {queue} removed; it stays until its calls are gone",
                box_config::QUEUES_FILE
            ));
        }
        for agent in report.agents_kept_until_logout {
            notes.push(format!(
                "{}: agent {agent} removed; logged in, in no queue, until logged out",
                box_config::AGENTS_FILE
            ));
        }
        Ok(notes)
    }
}

fn config_store_acd_files() -> String {
    format!("{} / {}", box_config::QUEUES_FILE, box_config::AGENTS_FILE)
}
