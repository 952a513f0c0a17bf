//! The bus actor: publishers on several tasks and threads, in-process subscribers, the
//! live feed and the history.

use actix::prelude::*;
use events::{Envelope, Event, EventBus, EventsHandle, LineKind, PageRequest};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Collects what it is handed.
struct Collector {
    got: Arc<Mutex<Vec<Envelope>>>,
}

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<Envelope> for Collector {
    type Result = ();
    fn handle(&mut self, envelope: Envelope, _ctx: &mut Context<Self>) {
        if let Ok(mut got) = self.got.lock() {
            got.push(envelope);
        }
    }
}

/// Stops itself on its first envelope: a subscriber that goes away.
struct Quitter;

impl Actor for Quitter {
    type Context = Context<Self>;
}

impl Handler<Envelope> for Quitter {
    type Result = ();
    fn handle(&mut self, _: Envelope, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Publisher `source`'s `n`th event: the line state names both.
fn event(source: usize, n: usize) -> Event {
    Event::LineStateChanged {
        channel: format!("{source}/1"),
        kind: LineKind::Fxs,
        state: format!("{n}"),
    }
}

fn source_and_n(envelope: &Envelope) -> (usize, usize) {
    match &envelope.event {
        Event::LineStateChanged { channel, state, .. } => (
            channel.trim_end_matches("/1").parse().expect("source"),
            state.parse().expect("n"),
        ),
        other => panic!("unexpected {other:?}"),
    }
}

/// Waits (yielding to the actors) until `done` holds, at most 5 s.
async fn until(mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(done(), "condition not reached within 5 s");
}

fn collector() -> (Recipient<Envelope>, Arc<Mutex<Vec<Envelope>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let actor = Collector { got: got.clone() }.start();
    (actor.recipient(), got)
}

fn count(got: &Arc<Mutex<Vec<Envelope>>>) -> usize {
    got.lock().expect("lock").len()
}

#[actix::test]
async fn publishers_on_tasks_and_threads_reach_every_subscriber_in_order() {
    let bus = EventBus::start_default();
    let (first, first_got) = collector();
    let (second, second_got) = collector();
    assert_eq!(bus.subscribe(first).await.expect("bus"), 0);
    assert_eq!(bus.subscribe(second).await.expect("bus"), 0);
    let mut live = bus.live();

    const PER_SOURCE: usize = 200;
    // Four tasks on the actor system, each publishing through the handle or a recipient.
    let tasks: Vec<_> = (0..4)
        .map(|source| {
            let bus = bus.clone();
            actix::spawn(async move {
                let publisher = bus.publisher();
                for n in 0..PER_SOURCE {
                    if source % 2 == 0 {
                        bus.publish(event(source, n), n as u64);
                    } else {
                        publisher.do_send(events::Publish::new(event(source, n), n as u64));
                    }
                    if n % 16 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    // And two plain threads.
    let threads: Vec<_> = (4..6)
        .map(|source| {
            let bus = bus.clone();
            std::thread::spawn(move || {
                for n in 0..PER_SOURCE {
                    bus.publish(event(source, n), n as u64);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("publisher task");
    }
    for thread in threads {
        thread.join().expect("publisher thread");
    }
    let total = 6 * PER_SOURCE;
    until(|| count(&first_got) == total && count(&second_got) == total).await;

    let first_got = first_got.lock().expect("lock").clone();
    let second_got = second_got.lock().expect("lock").clone();
    assert_eq!(
        first_got, second_got,
        "both subscribers see the same sequence"
    );
    let seqs: Vec<u64> = first_got.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=total as u64).collect::<Vec<_>>(),
        "1, 2, 3… no gaps"
    );
    // Each publisher's events keep the order it published them in.
    let mut next = [0usize; 6];
    for envelope in &first_got {
        let (source, n) = source_and_n(envelope);
        assert_eq!(n, next[source], "publisher {source} out of order");
        next[source] += 1;
        assert_eq!(envelope.at_ms, n as u64);
        assert!(envelope.unix_ms > 0);
    }
    // The history holds all of them; the live reader, 1 200 behind a 1 024 buffer, lagged.
    let page = bus
        .after(PageRequest::new(0, 1000).expect("request"))
        .await
        .expect("bus");
    assert_eq!(page.events.len(), 1000);
    assert!(!page.missed);
    assert_eq!(*page.events[0], first_got[0]);
    let rest = bus
        .after(PageRequest::largest(page.next))
        .await
        .expect("bus");
    assert_eq!(rest.events.len(), total - 1000);
    assert!(rest.is_last());
    match live.recv().await {
        Err(RecvError::Lagged(skipped)) => assert_eq!(skipped as usize, total - 1024),
        other => panic!("a reader 1 200 behind a 1 024 buffer lags, got {other:?}"),
    }
    let resumed = live.recv().await.expect("live after the lag");
    assert_eq!(resumed.seq as usize, total - 1024 + 1);
}

#[actix::test]
async fn a_subscriber_that_stopped_is_dropped_and_the_others_go_on() {
    let bus = EventBus::start_default();
    let quitter = Quitter.start();
    bus.subscribe(quitter.clone().recipient())
        .await
        .expect("bus");
    let (stays, got) = collector();
    bus.publish(event(1, 0), 0);
    until(|| !quitter.connected()).await;
    // Subscribing after the first event: the answer says where this subscriber starts.
    assert_eq!(bus.subscribe(stays).await.expect("bus"), 1);
    for n in 1..=5 {
        bus.publish(event(1, n), n as u64);
    }
    until(|| count(&got) == 5).await;
    let seqs: Vec<u64> = got.lock().expect("lock").iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![2, 3, 4, 5, 6]);
}

#[actix::test]
async fn a_live_reader_gets_what_is_published_after_it_joined() {
    let bus = EventBus::start_default();
    bus.publish(event(1, 0), 0);
    // The bus handles the first publish before this query: one mailbox, in order.
    assert_eq!(bus.last_seq().await.expect("bus"), 1);
    let mut live = bus.live();
    bus.publish(event(1, 1), 20);
    let envelope = live.recv().await.expect("live");
    assert_eq!(envelope.seq, 2);
    assert_eq!(envelope.at_ms, 20);
}

#[actix::test]
async fn a_small_history_reports_what_a_reader_missed() {
    let bus: EventsHandle = EventBus::start_with(
        NonZeroUsize::new(8).expect("nonzero"),
        NonZeroUsize::new(4).expect("nonzero"),
    );
    for n in 0..20 {
        bus.publish(event(3, n), n as u64);
    }
    let page = bus
        .after(PageRequest::new(2, 100).expect("request"))
        .await
        .expect("bus");
    assert!(page.missed);
    assert_eq!(page.oldest_seq, Some(13));
    assert_eq!(
        page.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (13..=20).collect::<Vec<_>>()
    );
}
