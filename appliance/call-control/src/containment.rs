//! Panic containment for actors, built once and used by every actor that owns a call's
//! or a line's state.
//!
//! actix 0.13 does not catch a panic in a handler: it unwinds through the arbiter thread
//! and takes down every actor on it. So each contained actor funnels its messages through
//! [`run_contained`], which catches the unwind at the handler boundary, stops that actor
//! only, and tells its supervisor, which cleans up what the actor owned.

use actix::prelude::*;
use media_engine::WorkToken;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Sent to a supervisor when an actor it watches panicked and was stopped.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct ActorFailed {
    pub actor: Arc<str>,
    pub reason: String,
    /// The work token of the message being handled when it failed: held until the
    /// supervisor has cleaned up, so a lock-step tick never runs half way through a failure.
    pub token: WorkToken,
}

/// A message that carries the work token of what caused it (see `messages::Stamp`).
pub trait Traced {
    fn work_token(&self) -> WorkToken;
}

/// An actor whose handlers run inside [`run_contained`].
pub trait Contained: Actor<Context = Context<Self>> {
    /// A name for logs, e.g. `call c17` or `port 3`.
    fn actor_name(&self) -> Arc<str>;
    /// Who cleans up after this actor if it panics.
    fn supervisor(&self) -> Recipient<ActorFailed>;
}

/// Runs one handler body; a panic in it stops this actor and reports it, nothing more.
pub fn run_contained<A, R>(
    actor: &mut A,
    ctx: &mut Context<A>,
    body: impl FnOnce(&mut A, &mut Context<A>) -> R,
) -> Option<R>
where
    A: Contained,
{
    run_contained_traced(actor, ctx, WorkToken::untracked(), body)
}

/// [`run_contained`] for a message with a work token, handed on to the supervisor.
pub fn run_contained_traced<A, R>(
    actor: &mut A,
    ctx: &mut Context<A>,
    token: WorkToken,
    body: impl FnOnce(&mut A, &mut Context<A>) -> R,
) -> Option<R>
where
    A: Contained,
{
    // Taken before the body runs: after a panic the actor's state is not to be trusted.
    let name = actor.actor_name();
    let supervisor = actor.supervisor();
    match catch_unwind(AssertUnwindSafe(|| body(actor, ctx))) {
        Ok(result) => Some(result),
        Err(payload) => {
            let reason = panic_message(payload.as_ref());
            tracing::error!(actor = %name, %reason, "actor panicked; stopping it and handing cleanup to its supervisor");
            ctx.stop();
            supervisor.do_send(ActorFailed {
                actor: name,
                reason,
                token,
            });
            None
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-text payload".to_owned()
    }
}

/// Implements `Handler<$message>` for `$actor` by running `$actor::$method` contained.
#[macro_export]
macro_rules! contained_handler {
    ($actor:ty, $message:ty, $method:ident) => {
        impl actix::Handler<$message> for $actor {
            type Result = ();
            fn handle(&mut self, message: $message, ctx: &mut actix::Context<Self>) {
                let token = $crate::containment::Traced::work_token(&message);
                $crate::containment::run_contained_traced(self, ctx, token, |actor, ctx| {
                    actor.$method(message, ctx)
                });
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Fragile {
        handled: Arc<AtomicUsize>,
        supervisor: Recipient<ActorFailed>,
    }
    impl Actor for Fragile {
        type Context = Context<Self>;
    }
    impl Contained for Fragile {
        fn actor_name(&self) -> Arc<str> {
            "fragile".into()
        }
        fn supervisor(&self) -> Recipient<ActorFailed> {
            self.supervisor.clone()
        }
    }
    #[derive(Message)]
    #[rtype(result = "()")]
    struct Poke {
        explode: bool,
    }
    impl Traced for Poke {
        fn work_token(&self) -> WorkToken {
            WorkToken::untracked()
        }
    }
    impl Fragile {
        fn on_poke(&mut self, poke: Poke, _ctx: &mut Context<Self>) {
            if poke.explode {
                panic!("boom on purpose");
            }
            self.handled.fetch_add(1, Ordering::SeqCst);
        }
    }
    contained_handler!(Fragile, Poke, on_poke);

    struct Watcher {
        failures: Arc<std::sync::Mutex<Vec<ActorFailed>>>,
    }
    impl Actor for Watcher {
        type Context = Context<Self>;
    }
    impl Handler<ActorFailed> for Watcher {
        type Result = ();
        fn handle(&mut self, failed: ActorFailed, _ctx: &mut Context<Self>) {
            self.failures.lock().unwrap().push(failed);
        }
    }

    #[test]
    fn a_panic_stops_only_that_actor_and_reaches_its_supervisor() {
        let system = System::new();
        let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (first_count, second_count) =
            (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (f, a, b) = (failures.clone(), first_count.clone(), second_count.clone());
        system.block_on(async move {
            let watcher = Watcher { failures: f }.start();
            let first = Fragile {
                handled: a,
                supervisor: watcher.clone().recipient(),
            }
            .start();
            let second = Fragile {
                handled: b,
                supervisor: watcher.recipient(),
            }
            .start();
            first.send(Poke { explode: false }).await.unwrap();
            let _ = first.send(Poke { explode: true }).await;
            // The panicking actor is gone; a message to it now fails.
            assert!(first.send(Poke { explode: false }).await.is_err());
            // Its neighbour on the same thread is untouched.
            second.send(Poke { explode: false }).await.unwrap();
            second.send(Poke { explode: false }).await.unwrap();
            actix::clock::sleep(std::time::Duration::from_millis(20)).await;
        });
        assert_eq!(first_count.load(Ordering::SeqCst), 1);
        assert_eq!(second_count.load(Ordering::SeqCst), 2);
        let failures = failures.lock().unwrap();
        assert_eq!(failures.len(), 1);
        assert_eq!(&*failures[0].actor, "fragile");
        assert!(failures[0].reason.contains("boom on purpose"));
    }
}
