//! The bus as an actor: publishers `do_send` a [`Publish`]; the bus numbers the event,
//! keeps it in its [`EventLog`], hands it to every in-process subscriber and to the live
//! feed. Readers page through the history with [`EventsAfter`].

use crate::event::{Envelope, Event};
use crate::log::{EventLog, Page, PageRequest, DEFAULT_HISTORY};
use actix::prelude::*;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::broadcast;

/// Envelopes the live feed buffers per reader before the reader lags (and then catches
/// up from the history instead).
pub const DEFAULT_LIVE_BUFFER: usize = 1_024;

/// Publish an event. Send it with `do_send`: it never waits, whatever the bus is doing.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Publish {
    pub event: Event,
    /// Engine time of the change.
    pub at_ms: u64,
}

impl Publish {
    pub fn new(event: Event, at_ms: u64) -> Publish {
        Publish { event, at_ms }
    }
}

/// Hand every envelope published from now on to an actor. Answers the last `seq`
/// published before it (what to ask [`EventsAfter`] for, to fill in what came earlier).
/// The bus holds the recipient, which keeps the subscriber's mailbox open: a subscriber
/// leaves by stopping, and is forgotten at the next event.
#[derive(Message)]
#[rtype(result = "u64")]
pub struct Subscribe(pub Recipient<Envelope>);

/// Ask for a page of history.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Page")]
pub struct EventsAfter(pub PageRequest);

/// Ask for the newest `seq` published (0 before the first).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "u64")]
pub struct LastSeq;

impl Message for Envelope {
    type Result = ();
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("the event bus is not running: {0}")]
    NotRunning(#[from] MailboxError),
}

pub struct EventBus {
    log: EventLog,
    subscribers: Vec<Recipient<Envelope>>,
    live: broadcast::Sender<Arc<Envelope>>,
}

impl EventBus {
    /// Starts a bus on the current arbiter with the default history and live buffer.
    pub fn start_default() -> EventsHandle {
        let history = NonZeroUsize::new(DEFAULT_HISTORY).unwrap_or(NonZeroUsize::MIN);
        let live = NonZeroUsize::new(DEFAULT_LIVE_BUFFER).unwrap_or(NonZeroUsize::MIN);
        EventBus::start_with(history, live)
    }

    /// Starts a bus on the current arbiter keeping `history` envelopes, buffering
    /// `live_buffer` per live reader.
    pub fn start_with(history: NonZeroUsize, live_buffer: NonZeroUsize) -> EventsHandle {
        let (live, _) = broadcast::channel(live_buffer.get());
        let bus = EventBus {
            log: EventLog::new(history),
            subscribers: Vec::new(),
            live: live.clone(),
        }
        .start();
        EventsHandle { bus, live }
    }
}

impl Actor for EventBus {
    type Context = Context<Self>;
}

impl Handler<Publish> for EventBus {
    type Result = ();

    fn handle(&mut self, message: Publish, _ctx: &mut Context<Self>) {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
            });
        let envelope = self.log.append(message.event, message.at_ms, unix_ms);
        self.subscribers.retain(|subscriber| {
            if !subscriber.connected() {
                return false;
            }
            // do_send ignores the mailbox bound: a subscriber is never skipped, and the
            // bus never waits on one.
            subscriber.do_send((*envelope).clone());
            true
        });
        // Err only means no live reader is listening now.
        let _ = self.live.send(envelope);
    }
}

impl Handler<Subscribe> for EventBus {
    type Result = u64;

    fn handle(&mut self, message: Subscribe, _ctx: &mut Context<Self>) -> u64 {
        self.subscribers.push(message.0);
        self.log.last_seq()
    }
}

impl Handler<LastSeq> for EventBus {
    type Result = u64;

    fn handle(&mut self, _: LastSeq, _ctx: &mut Context<Self>) -> u64 {
        self.log.last_seq()
    }
}

impl Handler<EventsAfter> for EventBus {
    type Result = MessageResult<EventsAfter>;

    fn handle(&mut self, message: EventsAfter, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.log.after(message.0))
    }
}

/// What the box holds to reach the bus: cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct EventsHandle {
    bus: Addr<EventBus>,
    /// Kept only to make receivers: nothing but the bus sends on it, so seq stays whole.
    live: broadcast::Sender<Arc<Envelope>>,
}

impl EventsHandle {
    /// Publishes without waiting (from an actor, a task or a plain thread).
    pub fn publish(&self, event: Event, at_ms: u64) {
        self.bus.do_send(Publish { event, at_ms });
    }

    /// What an actor keeps to publish, without knowing the bus's type.
    pub fn publisher(&self) -> Recipient<Publish> {
        self.bus.clone().recipient()
    }

    pub fn addr(&self) -> Addr<EventBus> {
        self.bus.clone()
    }

    /// A receiver of every envelope published from now on. One that falls more than the
    /// live buffer behind gets `RecvError::Lagged` and should catch up with
    /// [`EventsHandle::after`]; the bus never waits for it.
    pub fn live(&self) -> broadcast::Receiver<Arc<Envelope>> {
        self.live.subscribe()
    }

    /// Subscribes an actor; the last `seq` before its first envelope.
    pub async fn subscribe(&self, to: Recipient<Envelope>) -> Result<u64, BusError> {
        Ok(self.bus.send(Subscribe(to)).await?)
    }

    /// The newest `seq` published (0 before the first).
    pub async fn last_seq(&self) -> Result<u64, BusError> {
        Ok(self.bus.send(LastSeq).await?)
    }

    /// A page of history.
    pub async fn after(&self, request: PageRequest) -> Result<Page, BusError> {
        Ok(self.bus.send(EventsAfter(request)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::LineKind;

    /// How many subscribers the bus holds (only tests need to know).
    struct SubscriberCount;

    impl Message for SubscriberCount {
        type Result = usize;
    }

    impl Handler<SubscriberCount> for EventBus {
        type Result = usize;
        fn handle(&mut self, _: SubscriberCount, _ctx: &mut Context<Self>) -> usize {
            self.subscribers.len()
        }
    }

    struct Sink;

    impl Actor for Sink {
        type Context = Context<Self>;
    }

    impl Handler<Envelope> for Sink {
        type Result = ();
        fn handle(&mut self, _: Envelope, _ctx: &mut Context<Self>) {}
    }

    struct Stop;

    impl Message for Stop {
        type Result = ();
    }

    impl Handler<Stop> for Sink {
        type Result = ();
        fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
            ctx.stop();
        }
    }

    #[actix::test]
    async fn a_subscriber_that_stopped_is_forgotten_at_the_next_event() {
        let bus = EventBus::start_default();
        let stays = Sink.start();
        let goes = Sink.start();
        bus.subscribe(stays.clone().recipient()).await.expect("bus");
        bus.subscribe(goes.clone().recipient()).await.expect("bus");
        assert_eq!(bus.addr().send(SubscriberCount).await.expect("bus"), 2);
        // The bus's recipient keeps a subscriber alive; one that stops itself is gone.
        goes.send(Stop).await.expect("subscriber");
        let event = Event::LineStateChanged {
            channel: "1/1".into(),
            kind: LineKind::Fxo,
            state: "idle".into(),
        };
        for _ in 0..100 {
            bus.publish(event.clone(), 0);
            if bus.addr().send(SubscriberCount).await.expect("bus") == 1 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the stopped subscriber is still held");
    }
}
