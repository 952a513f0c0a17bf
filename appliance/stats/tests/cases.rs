//! Where call-center statistics commonly go wrong: one test per case (issue #12,
//! item 9), each with the exact figures.

mod common;

use common::{t, Bus, MINUTE, SECOND};
use events::{Event, QueueStep};
use stats::{
    agent_intervals, queue_intervals, AgentIntervalRow, AttemptOutcome, QueueIntervalRow,
    RecordSet, StatsCollector, StatsConfig,
};

fn queue_row<'a>(rows: &'a [QueueIntervalRow], queue: &str, start: u64) -> &'a QueueIntervalRow {
    rows.iter()
        .find(|row| row.queue == queue && row.start_ms == start)
        .unwrap_or_else(|| panic!("no row for {queue} at {start}: {rows:#?}"))
}

fn agent_row<'a>(rows: &'a [AgentIntervalRow], agent: &str, start: u64) -> &'a AgentIntervalRow {
    rows.iter()
        .find(|row| row.agent == agent && row.start_ms == start)
        .unwrap_or_else(|| panic!("no row for {agent} at {start}: {rows:#?}"))
}

fn queue_rows(records: &RecordSet) -> Vec<QueueIntervalRow> {
    queue_intervals(&records.attempts, &StatsConfig::default())
}

/// a. Agent A answers, talks 2 min and transfers to the same queue; B answers there,
/// holds 30 s, talks 2.5 min more. Each agent has their own handle time; the queue
/// counts the call once.
#[test]
fn a_transferred_call_counts_for_each_agent_as_served_and_once_for_the_queue() {
    let mut bus = Bus::boot(t(9, 0, 0));
    bus.login(t(9, 50, 0), "A");
    bus.login(t(9, 50, 0), "B");
    bus.entered(t(10, 0, 0), "c1", "support");
    bus.offer(t(10, 0, 0), "c1", "A");
    bus.answer(t(10, 0, 5), "c1", "support", "A", "on-call-inbound");
    bus.transfer_to_queue(t(10, 2, 5), "c1", "A", "support", 120 * SECOND, "wrap-up");
    bus.offer(t(10, 2, 5), "c1", "B");
    bus.answer(t(10, 2, 10), "c1", "support", "B", "on-call-inbound");
    bus.state(t(10, 2, 35), "A", "ready", "wrap-up-ended");
    bus.state(t(10, 3, 10), "B", "on-hold", "hold");
    bus.state(t(10, 3, 40), "B", "on-call-inbound", "unhold");
    bus.end(t(10, 5, 10), "c1", "B", 180 * SECOND, "wrap-up");
    bus.state(t(10, 5, 40), "B", "ready", "wrap-up-ended");
    bus.drain();

    let queues = queue_rows(&bus.records);
    assert_eq!(queues.len(), 1);
    let support = queue_row(&queues, "support", t(10, 0, 0));
    assert_eq!(support.offered, 1);
    assert_eq!(support.answered, 1);
    assert_eq!(support.answered_within_service_level, 1);
    assert_eq!(support.average_speed_of_answer_ms(), Some(5_000.0));
    assert_eq!(support.transfers_out, 1);
    assert_eq!(support.talk_ms, 270 * SECOND);
    assert_eq!(support.hold_ms, 30 * SECOND);
    assert_eq!(support.wrap_up_ms, 60 * SECOND);
    assert_eq!(support.average_handle_time_ms(), Some(360_000.0));

    let agents = agent_intervals(&bus.records);
    let a = agent_row(&agents, "A", t(10, 0, 0));
    assert_eq!((a.offers, a.offers_answered, a.answered), (1, 1, 1));
    assert_eq!((a.talk_ms, a.hold_ms, a.wrap_up_ms), (120_000, 0, 30_000));
    assert_eq!(a.average_handle_time_ms(), Some(150_000.0));
    assert_eq!(a.transfers_out, 1);
    let b = agent_row(&agents, "B", t(10, 0, 0));
    assert_eq!((b.offers, b.offers_answered, b.answered), (1, 1, 1));
    assert_eq!(
        (b.talk_ms, b.hold_ms, b.wrap_up_ms),
        (150_000, 30_000, 30_000)
    );
    assert_eq!(b.average_handle_time_ms(), Some(210_000.0));
    assert_eq!(b.transfers_out, 0);
}

/// b. Agent A serves queues X and Y. The wrap-up after X's call (crossing 10:15)
/// counts whole on X, the one after Y's call whole on Y.
#[test]
fn wrap_up_is_kept_whole_on_the_queue_of_the_call_when_an_agent_serves_several() {
    let mut bus = Bus::boot(t(9, 0, 0));
    bus.login(t(9, 55, 0), "A");
    bus.entered(t(10, 10, 0), "c1", "X");
    bus.offer(t(10, 10, 0), "c1", "A");
    bus.answer(t(10, 10, 2), "c1", "X", "A", "on-call-inbound");
    bus.end(t(10, 14, 32), "c1", "A", 270 * SECOND, "wrap-up");
    bus.state(t(10, 15, 32), "A", "ready", "wrap-up-ended");
    bus.entered(t(10, 20, 0), "c2", "Y");
    bus.offer(t(10, 20, 0), "c2", "A");
    bus.answer(t(10, 20, 4), "c2", "Y", "A", "on-call-inbound");
    bus.end(t(10, 21, 4), "c2", "A", 60 * SECOND, "wrap-up");
    bus.state(t(10, 21, 24), "A", "ready", "wrap-up-ended");
    bus.drain();

    let queues = queue_rows(&bus.records);
    assert_eq!(queues.len(), 2, "{queues:#?}");
    let x = queue_row(&queues, "X", t(10, 0, 0));
    assert_eq!((x.talk_ms, x.wrap_up_ms), (270_000, 60_000));
    let y = queue_row(&queues, "Y", t(10, 15, 0));
    assert_eq!((y.talk_ms, y.wrap_up_ms), (60_000, 20_000));

    // The agent's calls: whole, in the interval of each answer; their wrap-up state
    // time: split at 10:15 like any state.
    let agents = agent_intervals(&bus.records);
    let first = agent_row(&agents, "A", t(10, 0, 0));
    assert_eq!(first.wrap_up_ms, 60_000);
    assert_eq!(first.time_in("wrap-up"), 28_000);
    let second = agent_row(&agents, "A", t(10, 15, 0));
    assert_eq!(second.wrap_up_ms, 20_000);
    assert_eq!(second.time_in("wrap-up"), 32_000 + 20_000);
}

/// c. Lunch before a logout is lunch; lunch open when the box restarts goes on, in a
/// collector resumed from the stored records, until the agent logs in again.
#[test]
fn not_ready_reasons_survive_logout_and_restart() {
    let mut first_boot = Bus::boot(t(8, 0, 0));
    first_boot.login(t(9, 0, 0), "A");
    first_boot.not_ready(t(9, 20, 0), "A", "lunch");
    first_boot.state(t(9, 30, 0), "A", "logged-out", "logout");
    first_boot.login(t(9, 40, 0), "A");
    first_boot.not_ready(t(9, 45, 0), "A", "lunch");
    first_boot.shut_down(t(9, 50, 0));
    // What the database keeps.
    let stored: Vec<String> = first_boot
        .records
        .agent_states
        .iter()
        .map(|span| serde_json::to_string(span).expect("serialises"))
        .collect();

    let stored: Vec<stats::AgentStateSpan> = stored
        .iter()
        .map(|row| serde_json::from_str(row).expect("reads back"))
        .collect();
    let mut second_boot = Bus::resumed(StatsCollector::resume(&stored), t(9, 52, 0));
    // After the restart the agent comes back logged out and logs in.
    second_boot.login(t(10, 5, 0), "A");
    second_boot.shut_down(t(10, 10, 0));

    let mut records = RecordSet {
        agent_states: stored,
        ..RecordSet::default()
    };
    records
        .agent_states
        .extend(second_boot.records.agent_states.iter().cloned());
    let lunch: u64 = records
        .agent_states
        .iter()
        .filter(|span| span.not_ready_reason.as_deref() == Some("lunch"))
        .map(|span| span.duration_ms())
        .sum();
    assert_eq!(
        lunch,
        30 * MINUTE,
        "10 before the logout, 5 + 15 across the restart"
    );

    let agents = agent_intervals(&records);
    let lunch_in = |start: u64| {
        agent_row(&agents, "A", start)
            .not_ready_ms
            .get("lunch")
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(lunch_in(t(9, 15, 0)), 10 * MINUTE);
    assert_eq!(lunch_in(t(9, 45, 0)), 15 * MINUTE);
    assert_eq!(lunch_in(t(10, 0, 0)), 5 * MINUTE);
    assert_eq!(
        agent_row(&agents, "A", t(10, 0, 0)).time_in("ready"),
        5 * MINUTE
    );
    // The logged-out time between is no one's working time.
    assert_eq!(
        agent_row(&agents, "A", t(9, 30, 0)).logged_in_ms(),
        5 * MINUTE
    );
}

/// d. The caller hangs up while agent A's phone rings: abandoned, not answered; for A
/// an offer not answered.
#[test]
fn a_call_abandoned_during_an_offer_counts_abandoned_and_as_an_offer_not_answered() {
    let mut bus = Bus::boot(t(9, 0, 0));
    bus.login(t(9, 55, 0), "A");
    bus.entered(t(10, 0, 0), "c1", "sales");
    bus.offer(t(10, 0, 0), "c1", "A");
    // The core cancels the offer, then reports the abandon.
    bus.state(t(10, 0, 12), "A", "ready", "offer-cancelled");
    bus.abandon(t(10, 0, 12), "c1", "sales");
    // A short abandon, counted apart.
    bus.entered(t(10, 1, 0), "c2", "sales");
    bus.abandon(t(10, 1, 3), "c2", "sales");
    bus.drain();

    let queues = queue_rows(&bus.records);
    let sales = queue_row(&queues, "sales", t(10, 0, 0));
    assert_eq!((sales.offered, sales.answered), (2, 0));
    assert_eq!((sales.abandoned, sales.abandoned_short), (2, 1));
    assert_eq!(sales.abandon_wait_ms, 15_000);
    assert_eq!(sales.service_level_percent(), Some(0.0));
    assert_eq!(sales.talk_ms + sales.hold_ms + sales.wrap_up_ms, 0);

    let agents = agent_intervals(&bus.records);
    let a = agent_row(&agents, "A", t(10, 0, 0));
    assert_eq!(
        (a.offers, a.offers_answered, a.offers_not_answered()),
        (1, 0, 1)
    );
    assert_eq!(a.answered, 0);
    assert_eq!(a.time_in("reserved"), 12_000);
    let offer = &bus.records.offers[0];
    assert_eq!((offer.ring_ms, offer.answered), (12_000, false));
    assert_eq!(offer.end_reason, "offer-cancelled");
}

/// e. The caller waits, is offered a callback, takes it and hangs up; ten minutes later
/// agent A answers the box's ring for it. One attempt, answered, waited from the entry.
#[test]
fn a_callback_counts_once_with_its_wait_from_the_first_entry() {
    let mut bus = Bus::boot(t(9, 0, 0));
    bus.login(t(9, 55, 0), "A");
    bus.entered(t(10, 0, 0), "c1", "billing");
    bus.offer(t(10, 0, 0), "c1", "A");
    bus.state(t(10, 0, 20), "A", "not-ready", "missed");
    bus.step(
        t(10, 0, 30),
        "c1",
        QueueStep::Overflowed {
            from: "billing".into(),
            to: "callback".into(),
        },
    );
    bus.step(
        t(10, 0, 40),
        "c1",
        QueueStep::CallbackRequested {
            number: "5550123".into(),
        },
    );
    // The caller's own call ends; the ACD keeps the callback under its id.
    bus.publish(
        t(10, 0, 45),
        Event::CallEnded {
            call: "c1".into(),
            disposition: "callback".into(),
            cause: Some(16),
        },
    );
    bus.state(t(10, 9, 59), "A", "ready", "ready-requested");
    bus.offer(t(10, 10, 0), "c1", "A");
    // The switchboard's call that rings A and dials the customer: another id.
    bus.publish(
        t(10, 10, 0),
        Event::CallStarted {
            call: "c9".into(),
            from: Some("201".into()),
            to: Some("5550123".into()),
            dialled: Some("5550123".into()),
            origin: "2/1".into(),
        },
    );
    bus.answer(t(10, 10, 5), "c1", "billing", "A", "on-call-outbound");
    bus.end(t(10, 13, 5), "c1", "A", 180 * SECOND, "ready");
    bus.drain();

    assert_eq!(bus.records.attempts.len(), 1);
    let attempt = &bus.records.attempts[0];
    assert_eq!(attempt.call, "c1");
    assert_eq!(attempt.outcome, AttemptOutcome::Answered);
    assert!(attempt.callback && attempt.callback_offered);
    assert_eq!(
        (attempt.offers, attempt.waited_ms, attempt.talk_ms),
        (2, 605_000, 180_000)
    );

    let queues = queue_rows(&bus.records);
    assert_eq!(queues.len(), 1);
    let billing = queue_row(&queues, "billing", t(10, 0, 0));
    assert_eq!(
        (billing.offered, billing.answered, billing.abandoned),
        (1, 1, 0)
    );
    assert_eq!(billing.callbacks, 1);
    assert_eq!(billing.answered_within_service_level, 0);
    assert_eq!(billing.average_speed_of_answer_ms(), Some(605_000.0));
    assert_eq!(billing.service_level_percent(), Some(0.0));

    let agents = agent_intervals(&bus.records);
    let a = agent_row(&agents, "A", t(10, 0, 0));
    assert_eq!((a.offers, a.offers_answered, a.answered), (2, 1, 1));
    assert_eq!(a.time_in("on-call-outbound"), 180_000);
}

/// f. A call entered at 10:14:50 and answered at 10:15:10 counts in 10:00 only; a
/// not-ready from 10:10 to 10:20 is 5 minutes in each interval.
#[test]
fn an_interval_boundary_splits_agent_time_but_not_a_call() {
    let mut bus = Bus::boot(t(9, 0, 0));
    bus.login(t(10, 0, 0), "A");
    bus.login(t(10, 0, 0), "B");
    bus.not_ready(t(10, 10, 0), "B", "break");
    bus.entered(t(10, 14, 50), "c1", "support");
    bus.offer(t(10, 14, 50), "c1", "A");
    bus.answer(t(10, 15, 10), "c1", "support", "A", "on-call-inbound");
    bus.end(t(10, 16, 10), "c1", "A", 60 * SECOND, "ready");
    bus.state(t(10, 20, 0), "B", "ready", "ready-requested");
    bus.shut_down(t(10, 30, 0));

    let queues = queue_rows(&bus.records);
    assert_eq!(queues.len(), 1, "nothing in 10:15: {queues:#?}");
    let support = queue_row(&queues, "support", t(10, 0, 0));
    assert_eq!((support.offered, support.answered), (1, 1));
    assert_eq!(support.average_speed_of_answer_ms(), Some(20_000.0));
    assert_eq!(support.answered_within_service_level, 1);
    assert_eq!(support.talk_ms, 60_000);

    let agents = agent_intervals(&bus.records);
    for start in [t(10, 0, 0), t(10, 15, 0)] {
        let b = agent_row(&agents, "B", start);
        assert_eq!(b.not_ready_ms.get("break"), Some(&(5 * MINUTE)));
        assert_eq!(b.time_in("not-ready"), 5 * MINUTE);
        assert_eq!(b.time_in("ready"), 10 * MINUTE);
    }
    // A rang across the boundary: 10 s before it, 10 s after.
    assert_eq!(
        agent_row(&agents, "A", t(10, 0, 0)).time_in("reserved"),
        10_000
    );
    assert_eq!(
        agent_row(&agents, "A", t(10, 15, 0)).time_in("reserved"),
        10_000
    );
    assert_eq!(agent_row(&agents, "A", t(10, 0, 0)).offers, 1);
    assert_eq!(agent_row(&agents, "A", t(10, 15, 0)).answered, 1);
}
