//! A scripted driver for the sans-IO stacks: advance time by firing every deadline up to a
//! target, and record what came out with the time it came out.

#![allow(dead_code)]

use analog_signalling::{FxoAction, FxoLine, FxsAction, FxsPort};
use line_boundary::LineEvent;

pub trait Stack {
    type Action: std::fmt::Debug + Clone + PartialEq;
    fn poll_event(&mut self) -> Option<LineEvent>;
    fn poll_action(&mut self) -> Option<Self::Action>;
    fn poll_timeout(&self) -> Option<u64>;
    fn handle_timeout(&mut self, now_ms: u64);
}

impl Stack for FxoLine {
    type Action = FxoAction;
    fn poll_event(&mut self) -> Option<LineEvent> {
        FxoLine::poll_event(self)
    }
    fn poll_action(&mut self) -> Option<FxoAction> {
        FxoLine::poll_action(self)
    }
    fn poll_timeout(&self) -> Option<u64> {
        FxoLine::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now_ms: u64) {
        FxoLine::handle_timeout(self, now_ms)
    }
}

impl Stack for FxsPort {
    type Action = FxsAction;
    fn poll_event(&mut self) -> Option<LineEvent> {
        FxsPort::poll_event(self)
    }
    fn poll_action(&mut self) -> Option<FxsAction> {
        FxsPort::poll_action(self)
    }
    fn poll_timeout(&self) -> Option<u64> {
        FxsPort::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now_ms: u64) {
        FxsPort::handle_timeout(self, now_ms)
    }
}

/// Output of a stack, stamped with the engine time it was drained at.
#[derive(Debug, Clone, PartialEq)]
pub enum Out<A> {
    Event(LineEvent),
    Action(A),
}

pub struct Driver<S: Stack> {
    pub stack: S,
    pub now: u64,
    pub log: Vec<(u64, Out<S::Action>)>,
}

impl<S: Stack> Driver<S> {
    pub fn new(stack: S) -> Self {
        let mut driver = Driver {
            stack,
            now: 0,
            log: Vec::new(),
        };
        driver.drain();
        driver
    }

    /// Moves time to `to`, waking the stack at each deadline on the way, like the port actor.
    pub fn run_until(&mut self, to: u64) {
        let mut wakeups = 0;
        while let Some(at) = self.stack.poll_timeout() {
            if at > to {
                break;
            }
            assert!(at >= self.now, "deadline {at} is before now {}", self.now);
            wakeups += 1;
            assert!(wakeups < 10_000, "stack keeps asking to be woken");
            self.now = at;
            self.stack.handle_timeout(at);
            self.drain();
        }
        self.now = to;
    }

    /// Runs to `at`, then applies `input` at that time and drains the output.
    pub fn at(&mut self, at: u64, input: impl FnOnce(&mut S, u64)) {
        self.run_until(at);
        input(&mut self.stack, at);
        self.drain();
    }

    pub fn drain(&mut self) {
        while let Some(action) = self.stack.poll_action() {
            self.log.push((self.now, Out::Action(action)));
        }
        while let Some(event) = self.stack.poll_event() {
            self.log.push((self.now, Out::Event(event)));
        }
    }

    /// Everything output so far, then forgets it.
    pub fn take(&mut self) -> Vec<(u64, Out<S::Action>)> {
        std::mem::take(&mut self.log)
    }

    pub fn events(&mut self) -> Vec<(u64, LineEvent)> {
        self.log
            .iter()
            .filter_map(|(t, out)| match out {
                Out::Event(e) => Some((*t, e.clone())),
                Out::Action(_) => None,
            })
            .collect()
    }

    pub fn actions(&mut self) -> Vec<(u64, S::Action)> {
        self.log
            .iter()
            .filter_map(|(t, out)| match out {
                Out::Action(a) => Some((*t, a.clone())),
                Out::Event(_) => None,
            })
            .collect()
    }
}
