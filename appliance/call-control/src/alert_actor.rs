//! The actor around the floor's alert monitor (`alerts::AlertMonitor`) and notice board
//! (`alerts::NoticeBoard`): it feeds the monitor every event of the bus and each engine
//! second, publishes what the monitor raises, clears and acknowledges (`alert` events),
//! has each change stored (on the alert store's own thread: SQLite never blocks the
//! control plane), and answers the live list and acknowledgements for the API. Notices
//! are posted and withdrawn by the API, expire with engine time, and each change is a
//! `notice` event. The rules live in the `alerts` crate.

use crate::messages::Second;
use actix::prelude::*;
use alerts::{AckError, Alert, AlertChange, AlertMonitor, Notice, NoticeBoard, NoticeError};
use events::{Envelope, Event, Publish};
use serde::Serialize;
use storage::{AlertRow, Storage};

/// An alert as the API shows it: its uid and the alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertView {
    pub uid: String,
    pub active: bool,
    #[serde(flatten)]
    pub alert: Alert,
}

/// The alerts kept now: active ones first (oldest first), then the cleared ones, newest
/// first.
#[derive(Debug, Message)]
#[rtype(result = "Vec<AlertView>")]
pub struct GetAlerts;

/// A supervisor acknowledges an alert.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcknowledgeError>")]
pub struct AcknowledgeAlert {
    pub uid: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcknowledgeError {
    #[error("no alert {0} since the box started")]
    Unknown(String),
    #[error(transparent)]
    Monitor(#[from] AckError),
}

/// Writes alert rows, on a thread of its own.
pub struct AlertStore {
    storage: Storage,
}

impl AlertStore {
    pub fn new(storage: Storage) -> AlertStore {
        AlertStore { storage }
    }
}

impl Actor for AlertStore {
    type Context = SyncContext<Self>;
}

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SaveAlert(pub AlertRow);

impl Handler<SaveAlert> for AlertStore {
    type Result = ();
    fn handle(&mut self, save: SaveAlert, _ctx: &mut SyncContext<Self>) {
        if let Err(error) = self.storage.upsert_alert(&save.0) {
            tracing::error!(alert = %save.0.uid, %error, "alert not stored");
        }
    }
}

/// Post a notice to every agent (`queue: None`) or one queue's; answers its id.
#[derive(Debug, Message)]
#[rtype(result = "Result<u64, NoticeError>")]
pub struct PostNotice {
    pub text: String,
    pub queue: Option<String>,
    pub by: String,
    pub lasts_ms: u64,
}

/// Take a notice down before it expires.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), NoticeError>")]
pub struct WithdrawNotice(pub u64);

/// The notices up now (for one queue's agents: theirs and everyone's).
#[derive(Debug, Message)]
#[rtype(result = "Vec<Notice>")]
pub struct GetNotices {
    pub queue: Option<String>,
}

pub struct AlertActor {
    monitor: AlertMonitor,
    notices: NoticeBoard,
    /// Makes uids unique across restarts: the box's start, Unix ms.
    boot_unix_ms: u64,
    /// Unix ms at engine time 0.
    epoch_unix_ms: u64,
    events: Option<Recipient<Publish>>,
    store: Option<Recipient<SaveAlert>>,
    now_ms: u64,
}

impl AlertActor {
    pub fn new(monitor: AlertMonitor, epoch_unix_ms: u64) -> AlertActor {
        AlertActor {
            monitor,
            notices: NoticeBoard::default(),
            boot_unix_ms: epoch_unix_ms,
            epoch_unix_ms,
            events: None,
            store: None,
            now_ms: 0,
        }
    }

    pub fn with_events(mut self, events: Recipient<Publish>) -> AlertActor {
        self.events = Some(events);
        self
    }

    pub fn with_store(mut self, store: Recipient<SaveAlert>) -> AlertActor {
        self.store = Some(store);
        self
    }

    fn uid(&self, id: u64) -> String {
        format!("a{}-{id}", self.boot_unix_ms)
    }

    fn id_of(&self, uid: &str) -> Option<u64> {
        uid.strip_prefix(&format!("a{}-", self.boot_unix_ms))?
            .parse()
            .ok()
    }

    fn drain(&mut self) {
        while let Some(change) = self.notices.poll_change() {
            let notice = change.notice();
            tracing::info!(notice = notice.id, change = change.name(), text = %notice.text, "notice");
            if let Some(events) = &self.events {
                events.do_send(Publish::new(
                    Event::Notice {
                        change: change.name().to_owned(),
                        notice: notice.id,
                        text: notice.text.clone(),
                        queue: notice.queue.clone(),
                        expires_at_ms: notice.expires_at_ms,
                    },
                    self.now_ms,
                ));
            }
        }
        while let Some(change) = self.monitor.poll_change() {
            let (name, alert) = match &change {
                AlertChange::Raised(alert) => ("raised", alert),
                AlertChange::Cleared(alert) => ("cleared", alert),
                AlertChange::Acknowledged(alert) => ("acknowledged", alert),
            };
            let uid = self.uid(alert.id);
            tracing::info!(alert = %uid, change = name, text = %alert.text, "alert");
            let kind = alert.kind.name().to_owned();
            if let Some(events) = &self.events {
                events.do_send(Publish::new(
                    Event::Alert {
                        change: name.to_owned(),
                        alert: uid.clone(),
                        kind: kind.clone(),
                        text: alert.text.clone(),
                    },
                    self.now_ms,
                ));
            }
            if let Some(store) = &self.store {
                let unix = |ms: u64| self.epoch_unix_ms.saturating_add(ms);
                store.do_send(SaveAlert(AlertRow {
                    uid,
                    kind,
                    condition: alert.kind.condition(),
                    text: alert.text.clone(),
                    raised_unix_ms: unix(alert.raised_at_ms),
                    cleared_unix_ms: alert.cleared_at_ms.map(unix),
                    acknowledged_by: alert.acknowledged_by.clone(),
                    acknowledged_unix_ms: alert.acknowledged_at_ms.map(unix),
                    body_json: serde_json::to_string(alert).unwrap_or_default(),
                }));
            }
        }
    }
}

impl Actor for AlertActor {
    type Context = Context<Self>;
}

impl Handler<Envelope> for AlertActor {
    type Result = ();
    fn handle(&mut self, envelope: Envelope, _ctx: &mut Context<Self>) {
        if matches!(envelope.event, Event::Alert { .. }) {
            return;
        }
        self.now_ms = self.now_ms.max(envelope.at_ms);
        self.monitor.handle_event(envelope.at_ms, &envelope.event);
        self.drain();
    }
}

impl Handler<Second> for AlertActor {
    type Result = ();
    fn handle(&mut self, second: Second, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(second.stamp.at_ms);
        self.monitor.handle_time(second.stamp.at_ms);
        self.notices.handle_time(second.stamp.at_ms);
        self.drain();
    }
}

impl Handler<GetAlerts> for AlertActor {
    type Result = MessageResult<GetAlerts>;
    fn handle(&mut self, _: GetAlerts, _ctx: &mut Context<Self>) -> Self::Result {
        let view = |alert: &Alert| AlertView {
            uid: self.uid(alert.id),
            active: alert.is_active(),
            alert: alert.clone(),
        };
        let mut list: Vec<AlertView> = self.monitor.active().into_iter().map(view).collect();
        list.extend(
            self.monitor
                .all()
                .into_iter()
                .filter(|a| !a.is_active())
                .map(view),
        );
        MessageResult(list)
    }
}

impl Handler<PostNotice> for AlertActor {
    type Result = Result<u64, NoticeError>;
    fn handle(&mut self, post: PostNotice, _ctx: &mut Context<Self>) -> Self::Result {
        let id = self
            .notices
            .post(self.now_ms, &post.text, post.queue, &post.by, post.lasts_ms)?;
        self.drain();
        Ok(id)
    }
}

impl Handler<WithdrawNotice> for AlertActor {
    type Result = Result<(), NoticeError>;
    fn handle(&mut self, withdraw: WithdrawNotice, _ctx: &mut Context<Self>) -> Self::Result {
        self.notices.withdraw(withdraw.0)?;
        self.drain();
        Ok(())
    }
}

impl Handler<GetNotices> for AlertActor {
    type Result = MessageResult<GetNotices>;
    fn handle(&mut self, get: GetNotices, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(
            self.notices
                .up(get.queue.as_deref())
                .into_iter()
                .cloned()
                .collect(),
        )
    }
}

impl Handler<AcknowledgeAlert> for AlertActor {
    type Result = Result<(), AcknowledgeError>;
    fn handle(&mut self, ack: AcknowledgeAlert, _ctx: &mut Context<Self>) -> Self::Result {
        let id = self
            .id_of(&ack.uid)
            .ok_or_else(|| AcknowledgeError::Unknown(ack.uid.clone()))?;
        self.monitor.acknowledge(id, &ack.by, self.now_ms)?;
        self.drain();
        Ok(())
    }
}

impl Handler<crate::live_config::ReplaceAlertConfig> for AlertActor {
    type Result = ();
    fn handle(
        &mut self,
        replace: crate::live_config::ReplaceAlertConfig,
        _ctx: &mut Context<Self>,
    ) {
        self.monitor.set_config(replace.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alerts::{AlertConfig, QueueThresholds};
    use events::EventBus;

    fn envelope(at_ms: u64, event: Event) -> Envelope {
        Envelope {
            seq: 1,
            at_ms,
            unix_ms: 0,
            event,
        }
    }

    #[test]
    fn a_raised_alert_is_listed_published_stored_and_acknowledged_by_uid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let reader = Storage::open(dir.path()).expect("database");
        actix::System::new().block_on(async {
            let bus = EventBus::start_default();
            let config = AlertConfig {
                queues: [(
                    "billing".to_owned(),
                    QueueThresholds {
                        waiting: Some(2),
                        longest_wait_ms: None,
                    },
                )]
                .into(),
                ..AlertConfig::default()
            };
            let storage = std::sync::Mutex::new(Some(Storage::open(dir.path()).expect("database")));
            let store = SyncArbiter::start(1, move || {
                AlertStore::new(
                    storage
                        .lock()
                        .expect("not poisoned")
                        .take()
                        .expect("one store thread"),
                )
            });
            let actor = AlertActor::new(AlertMonitor::new(config), 1_700_000_000_000)
                .with_events(bus.publisher())
                .with_store(store.recipient())
                .start();
            actor
                .send(envelope(
                    5_000,
                    Event::QueueChanged {
                        queue: "billing".into(),
                        waiting: 2,
                        longest_wait_ms: 1_000,
                    },
                ))
                .await
                .expect("actor answers");
            let listed = actor.send(GetAlerts).await.expect("actor answers");
            assert_eq!(listed.len(), 1);
            let uid = listed[0].uid.clone();
            assert_eq!(uid, "a1700000000000-1");
            assert!(listed[0].active);
            let refused = actor
                .send(AcknowledgeAlert {
                    uid: "a1-1".into(),
                    by: "sup".into(),
                })
                .await
                .expect("actor answers");
            assert_eq!(refused, Err(AcknowledgeError::Unknown("a1-1".into())));
            actor
                .send(AcknowledgeAlert {
                    uid: uid.clone(),
                    by: "sup".into(),
                })
                .await
                .expect("actor answers")
                .expect("acknowledged");
            let page = bus
                .after(events::PageRequest::new(0, 100).expect("page size"))
                .await
                .expect("bus answers");
            let changes: Vec<(String, String)> = page
                .events
                .iter()
                .filter_map(|e| match &e.event {
                    Event::Alert { change, kind, .. } => Some((change.clone(), kind.clone())),
                    _ => None,
                })
                .collect();
            assert_eq!(
                changes,
                vec![
                    ("raised".to_owned(), "queue_waiting".to_owned()),
                    ("acknowledged".to_owned(), "queue_waiting".to_owned())
                ]
            );
            // The store thread has written both changes before it answers a sync call.
            actix::clock::sleep(std::time::Duration::from_millis(200)).await;
            let rows = reader.recent_alerts(10).expect("reads");
            assert_eq!(rows.len(), 1, "{rows:?}");
            assert_eq!(rows[0].uid, uid);
            assert_eq!(rows[0].acknowledged_by.as_deref(), Some("sup"));
            assert_eq!(rows[0].raised_unix_ms, 1_700_000_005_000);
        });
    }
}
