//! The monitor as scripts: bus events and time in, alerts raised and cleared out.

use alerts::*;
use events::{Event, IvrStep, QueueStep};
use std::collections::BTreeMap;

fn config() -> AlertConfig {
    AlertConfig {
        queues: BTreeMap::from([(
            "billing".to_owned(),
            QueueThresholds {
                waiting: Some(3),
                longest_wait_ms: Some(60_000),
            },
        )]),
        not_ready_limits_ms: BTreeMap::from([("lunch".to_owned(), 3_600_000)]),
        not_ready_default_ms: Some(900_000),
        surge: Some(SurgeConfig {
            window_ms: 600_000,
            baseline_ms: 3_600_000,
            factor: 3.0,
            min_calls: 20,
            area_code_digits: 3,
        }),
    }
}

fn changes(monitor: &mut AlertMonitor) -> Vec<(String, u64, String)> {
    std::iter::from_fn(|| monitor.poll_change())
        .map(|change| {
            let what = match &change {
                AlertChange::Raised(_) => "raised",
                AlertChange::Cleared(_) => "cleared",
                AlertChange::Acknowledged(_) => "acknowledged",
            };
            let alert = change.alert();
            (what.to_owned(), alert.id, alert.kind.condition())
        })
        .collect()
}

fn change(what: &str, id: u64, condition: &str) -> (String, u64, String) {
    (what.to_owned(), id, condition.to_owned())
}

fn queue_changed(queue: &str, waiting: usize, longest_wait_ms: u64) -> Event {
    Event::QueueChanged {
        queue: queue.into(),
        waiting,
        longest_wait_ms,
    }
}

fn started(call: &str, from: &str) -> Event {
    Event::CallStarted {
        call: call.into(),
        from: Some(from.into()),
        to: Some("95598".into()),
        dialled: Some("95598".into()),
        origin: "7/1".into(),
    }
}

fn menu_key(call: &str, key: &str) -> Event {
    Event::Ivr {
        call: call.into(),
        flow: "hotline".into(),
        step: IvrStep::DigitsCollected {
            node: "main".into(),
            digits: key.into(),
        },
    }
}

fn agent_to(agent: &str, to: &str, reason: Option<&str>) -> Event {
    Event::AgentStateChanged {
        agent: agent.into(),
        from: "ready".into(),
        to: to.into(),
        reason: "not-ready-requested".into(),
        not_ready_reason: reason.map(str::to_owned),
    }
}

#[test]
fn a_vip_caller_entering_a_queue_raises_an_alert_with_their_number_until_answered() {
    let mut m = AlertMonitor::new(config());
    m.handle_event(0, &started("c1", "0209999"));
    m.handle_event(0, &started("c2", "0201234"));
    let entered = |call: &str, vip| Event::Queue {
        call: call.into(),
        step: QueueStep::Entered {
            queue: "billing".into(),
            priority: 5,
            vip,
        },
    };
    m.handle_event(1000, &entered("c2", false));
    assert!(
        changes(&mut m).is_empty(),
        "an ordinary caller raises nothing"
    );
    m.handle_event(1000, &entered("c1", true));
    let raised = m.active();
    assert_eq!(raised.len(), 1);
    assert_eq!(
        raised[0].kind,
        AlertKind::Vip {
            call: "c1".into(),
            queue: "billing".into(),
            caller: Some("0209999".into())
        }
    );
    assert!(raised[0].text.contains("0209999"), "{}", raised[0].text);
    assert_eq!(changes(&mut m), vec![change("raised", 1, "vip:c1")]);
    m.handle_event(
        9000,
        &Event::Queue {
            call: "c1".into(),
            step: QueueStep::Answered {
                queue: "billing".into(),
                agent: "201".into(),
                waited_ms: 8000,
            },
        },
    );
    assert_eq!(changes(&mut m), vec![change("cleared", 1, "vip:c1")]);
    assert_eq!(m.all()[0].cleared_at_ms, Some(9000));
}

#[test]
fn waiting_at_the_threshold_raises_once_clears_below_and_can_raise_again() {
    let mut m = AlertMonitor::new(config());
    m.handle_event(1000, &queue_changed("billing", 2, 0));
    assert!(changes(&mut m).is_empty());
    m.handle_event(2000, &queue_changed("billing", 3, 1000));
    assert_eq!(
        changes(&mut m),
        vec![change("raised", 1, "waiting:billing")]
    );
    m.handle_event(3000, &queue_changed("billing", 5, 2000));
    assert!(changes(&mut m).is_empty(), "one alert per condition");
    m.handle_event(4000, &queue_changed("billing", 2, 3000));
    assert_eq!(
        changes(&mut m),
        vec![change("cleared", 1, "waiting:billing")]
    );
    m.handle_event(5000, &queue_changed("billing", 3, 4000));
    assert_eq!(
        changes(&mut m),
        vec![change("raised", 2, "waiting:billing")]
    );
    // A queue without thresholds raises nothing.
    m.handle_event(6000, &queue_changed("general", 50, 600_000));
    m.handle_time(900_000);
    assert!(changes(&mut m)
        .iter()
        .all(|(_, _, condition)| !condition.contains("general")));
}

#[test]
fn the_longest_wait_grows_with_time_and_raises_at_its_threshold() {
    let mut m = AlertMonitor::new(config());
    // At 10 s the oldest caller had waited 5 s: waiting since 5 s.
    m.handle_event(10_000, &queue_changed("billing", 1, 5_000));
    m.handle_time(64_999);
    assert!(changes(&mut m).is_empty());
    m.handle_time(65_000);
    assert_eq!(
        changes(&mut m),
        vec![change("raised", 1, "longest-wait:billing")]
    );
    assert!(matches!(
        m.active()[0].kind,
        AlertKind::QueueLongestWait {
            waited_ms: 60_000,
            threshold_ms: 60_000,
            ..
        }
    ));
    // The caller is answered: nobody waits.
    m.handle_event(70_000, &queue_changed("billing", 0, 0));
    assert_eq!(
        changes(&mut m),
        vec![change("cleared", 1, "longest-wait:billing")]
    );
}

#[test]
fn not_ready_past_the_reasons_limit_raises_and_a_state_change_clears() {
    let mut m = AlertMonitor::new(config());
    m.handle_event(0, &agent_to("201", "not-ready", Some("break")));
    m.handle_event(0, &agent_to("202", "not-ready", Some("lunch")));
    m.handle_time(899_999);
    assert!(changes(&mut m).is_empty());
    m.handle_time(900_000);
    assert_eq!(changes(&mut m), vec![change("raised", 1, "not-ready:201")]);
    m.handle_time(3_599_999);
    assert!(
        changes(&mut m).is_empty(),
        "lunch has its own, longer limit"
    );
    m.handle_time(3_600_000);
    assert_eq!(changes(&mut m), vec![change("raised", 2, "not-ready:202")]);
    m.handle_event(3_700_000, &agent_to("201", "ready", None));
    assert_eq!(changes(&mut m), vec![change("cleared", 1, "not-ready:201")]);
    m.handle_time(9_000_000);
    assert!(changes(&mut m).is_empty(), "a ready agent is not timed");
}

#[test]
fn twenty_callers_choosing_the_same_option_raise_a_surge_nineteen_do_not() {
    let mut m = AlertMonitor::new(config());
    for n in 0..19 {
        let call = format!("c{n}");
        m.handle_event(n * 1000, &started(&call, &format!("0755{n:04}")));
        m.handle_event(n * 1000 + 500, &menu_key(&call, "2"));
    }
    // Another option and the area code (0755, 3 digits: "075") are counted apart.
    assert!(
        changes(&mut m).is_empty(),
        "19 choices are under the minimum of 20"
    );
    m.handle_event(19_000, &started("c19", "07559999"));
    m.handle_event(19_500, &menu_key("c19", "2"));
    let raised = changes(&mut m);
    assert_eq!(
        raised,
        vec![
            change("raised", 1, "surge:ivr:hotline/main=2"),
            change("raised", 2, "surge:area:075")
        ]
    );
    let surge = m.active().into_iter().find(|a| a.id == 1).unwrap().clone();
    assert_eq!(
        surge.kind,
        AlertKind::Surge {
            key: "ivr:hotline/main=2".into(),
            count: 20,
            usual: 0.0,
            window_ms: 600_000
        }
    );
    // Collected account numbers (several digits) are no menu choice.
    m.handle_event(20_000, &menu_key("c19", "123456"));
    // The window slides past them: the surge calms down and clears.
    m.handle_time(19_500 + 600_000);
    let cleared = changes(&mut m);
    assert!(
        cleared.contains(&change("cleared", 1, "surge:ivr:hotline/main=2")),
        "{cleared:?}"
    );
}

#[test]
fn a_busy_usual_hour_raises_the_bar() {
    let mut m = AlertMonitor::new(config());
    // One choice a minute for an hour: never 20 in 10 minutes, so no surge.
    for n in 0..60u64 {
        m.handle_event(1000 + n * 60_000, &menu_key(&format!("b{n}"), "1"));
    }
    assert!(changes(&mut m).is_empty());
    // At 1 h: the window (the last 10 min) holds 10 of them, the hour before it 50:
    // usually 50 × 10/60 = 8.3 per window, so a surge takes ceil(3 × 8.3) = 25, more
    // than the minimum of 20.
    let now = 3_600_000;
    let mut raised_at = None;
    for n in 0..30u64 {
        m.handle_event(now, &menu_key(&format!("s{n}"), "1"));
        if raised_at.is_none() && !changes(&mut m).is_empty() {
            raised_at = Some(n + 1);
        }
    }
    assert_eq!(raised_at, Some(25 - 10));
}

#[test]
fn acknowledging_marks_who_and_when_once() {
    let mut m = AlertMonitor::new(config());
    m.handle_event(1000, &queue_changed("billing", 3, 0));
    let _ = changes(&mut m);
    assert_eq!(m.acknowledge(9, "sup", 2000), Err(AckError::Unknown(9)));
    m.acknowledge(1, "sup", 2000).unwrap();
    assert_eq!(
        changes(&mut m),
        vec![change("acknowledged", 1, "waiting:billing")]
    );
    assert_eq!(m.acknowledge(1, "sup", 3000), Err(AckError::Already(1)));
    let alert = &m.all()[0];
    assert_eq!(alert.acknowledged_by.as_deref(), Some("sup"));
    assert_eq!(alert.acknowledged_at_ms, Some(2000));
    assert!(alert.is_active(), "acknowledged is not cleared");
    let json = serde_json::to_value(alert).unwrap();
    assert_eq!(json["kind"], "queue_waiting");
    assert_eq!(json["kind"], alert.kind.name(), "the name is the JSON's");
    assert_eq!(json["queue"], "billing");
}

#[test]
fn thresholds_applied_live_decide_from_the_next_change() {
    let mut m = AlertMonitor::new(config());
    m.handle_event(1000, &queue_changed("billing", 2, 0));
    assert!(changes(&mut m).is_empty());
    // The technician lowers billing's threshold to 2 waiting.
    let mut lower = config();
    lower.queues.insert(
        "billing".to_owned(),
        QueueThresholds {
            waiting: Some(2),
            longest_wait_ms: None,
        },
    );
    m.set_config(lower);
    m.handle_event(2000, &queue_changed("billing", 2, 1000));
    assert_eq!(
        changes(&mut m),
        vec![change("raised", 1, "waiting:billing")]
    );
}
