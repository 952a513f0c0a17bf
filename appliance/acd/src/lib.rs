//! The ACD core, sans-IO like the protocol stacks and the IVR session: one [`Acd`] holds
//! the queues, the calls waiting in them and every agent's availability, and matches
//! calls to agents. Feed it what happened (each input with the engine time `now_ms`),
//! then drain what it wants done ([`Acd::poll_action`]), what the event bus should hear
//! ([`Acd::poll_event`]) and when it next needs [`Acd::handle_timeout`]
//! ([`Acd::poll_timeout`]). No actix, no clock, no I/O; the random strategy draws from
//! a xorshift generator seeded by [`AcdConfig::seed`], so every run of the same inputs
//! gives the same outputs. The actors (one per agent, one owning this core) and the
//! call sessions do the ringing, the announcing and the dialling.
//!
//! Time never goes back: an input older than the latest one counts as the latest. An
//! input the core refuses ([`AcdError`]) changes nothing.
//!
//! # After every input
//!
//! Whatever the input, the core then, in this order: takes back offers whose ring
//! timeout passed (a miss, [`Action::CancelOffer`]); ends wrap-ups that are due;
//! overflows calls past their max wait; applies the leave rules; runs the **routing
//! pass**; makes the announcements due; reports queues whose count or longest-waiting
//! call changed ([`Event::QueueChanged`]). So `handle_timeout` is only needed when no
//! other input comes.
//!
//! **The routing pass** takes the waiting calls (not those ringing an agent) of all
//! queues in serving order: priority (0-9) highest first, then arrival in the ACD (FIFO),
//! then entry order. For each, the eligible agents are those ready, members of the call's
//! queue, and holding every required skill at the required level or above. The required
//! skills are the queue's `required_skills`, with the call's own added (a skill both name
//! takes the call's level); the largest `level_drop` among the `widen` steps the call's
//! wait in this queue has reached lowers each level (never below 1). Agents who already
//! missed this call are passed over while another eligible agent is ready. The queue's
//! strategy then picks:
//!
//! - longest-idle: the agent free the longest since their last call ended or their
//!   login (refusing or missing an offer does not reset it); ties by agent id;
//! - round-robin: the first eligible agent (by id) after the one this queue last
//!   offered a call to, wrapping;
//! - fewest-calls: the fewest calls answered since [`Acd::reset_daily_counts`]; ties
//!   longest-idle;
//! - random: uniformly among the eligible (in id order), from the seeded generator;
//! - skills-based: the highest level on the call's first required skill; ties
//!   longest-idle (no required skill: longest-idle);
//! - ring-all: every eligible agent at once (a callback still reserves one agent,
//!   longest-idle). While it rings, an agent who becomes eligible and ready (and has
//!   not missed it) joins the ring until the same deadline.
//!
//! The picked agent is **reserved** (state `Reserved`, [`Event::CallOffered`]) and
//! [`Action::Offer`] (or [`Action::StartCallback`]) asks the outside to ring. An agent
//! is offered one call at a time. After the pass no call waits while an agent eligible
//! for it is ready.
//!
//! # Calls
//!
//! - [`Acd::call_entered`]: a call joins a queue with a priority, the caller's number,
//!   skills and variables. A caller in [`AcdConfig::vip_numbers`] gets
//!   [`AcdConfig::vip_boost`] added to the priority (at most 9). Join rule `refuse` and
//!   no member agent logged in: [`Action::Refused`] (`no-agents-to-join`) and the call
//!   never waits. Else it waits ([`Event::CallEntered`]).
//! - [`Acd::call_left`]: the caller hung up. Waiting, ringing or waiting for a callback:
//!   abandoned ([`Event::CallAbandoned`]); every agent ringing for it gets
//!   [`Action::CancelOffer`] and is ready again (not a miss). Answered: as `call_ended`.
//! - [`Acd::offer_answered`]: the reserved agent answered; the agent is on-call
//!   (inbound, or outbound for a callback); with ring-all the other agents are cancelled
//!   and ready again. The agent's miss count goes back to 0 and the answer counts for
//!   fewest-calls and the service level (answered within `service_level_ms` of entering
//!   the queue).
//! - [`Acd::offer_refused`], [`Acd::offer_timed_out`], and the core's own ring timeout
//!   (`ring_timeout_ms` after the offer; it also sends [`Action::CancelOffer`]): the
//!   reservation is released — in one place, `Acd::release`, which every way out of a
//!   reservation but the answer goes through. A miss counts: the agent is ready again,
//!   or not-ready [`MISSED`] once they missed the queue's `max_missed` offers in a row.
//!   The call goes back to its place (it never lost it) and the routing pass offers it
//!   to the next agent.
//! - [`Acd::call_ended`]: an answered call ended (either side): the agent wraps up
//!   until `now + wrap_up_ms` of the call's queue (ready at once with 0) and their idle
//!   time starts now; talk time plus wrap-up feed the queue's average handle time.
//! - [`Acd::transferred`]: the agent passed an answered call on. The agent wraps up as
//!   after any call (talk and wrap-up count for the queue they served it in); the call
//!   waits again in the queue named ([`Event::CallTransferred`]), keeping its priority
//!   and arrival, or leaves the ACD (`None`: to an extension or outside number, which
//!   finishes it).
//! - [`Acd::callback_requested`]: the caller leaves a number (default: caller ID) and
//!   hangs up; the call keeps its place (priority and arrival) and is routed like any
//!   other (no announcements, no overflow, no leave rule). A ringing offer is
//!   cancelled. When its turn comes the core reserves one agent and sends
//!   [`Action::StartCallback`]: ring the agent first; once they answer
//!   (`offer_answered`), dial the customer. A refused or missed callback reservation
//!   goes back to its place like an offer.
//! - **Max wait**: a waiting call (not a callback) in a queue with `overflow`, once it
//!   has waited `max_wait_ms` in that queue, gets [`Action::Overflow`]: to a queue, the
//!   core moves it there itself (it keeps its priority and arrival, its wait in the new
//!   queue starts now); to a flow, it leaves the ACD; to callback, the caller is offered
//!   a callback (once per queue) and keeps waiting until they take it or hang up. A
//!   call ringing an agent when its max wait passes overflows only if that offer fails.
//! - **Announcements**: every `announce_every_ms` after entering the queue a waiting
//!   caller gets [`Action::Announce`] with their position among the queue's unanswered
//!   calls (callbacks included) and the estimated wait: position × the queue's average
//!   handle time (talk plus wrap-up of the calls it finished, or
//!   [`AcdConfig::default_handle_time_ms`] before the first). None while an agent rings.
//! - **Leave rule** `leave`: when a queue has no member agent logged in, its waiting
//!   callers (not callbacks) get [`Action::Refused`] (`no-agents-left`) and leave.
//!
//! Every call that entered is, at any time, exactly one of: held by the ACD (waiting,
//! offered, callback, answered — [`Acd::call_state`]) or counted out by one event
//! ([`Event::finished_call`]): abandoned, overflowed to a flow, refused, ended.
//!
//! # Agents
//!
//! The same inputs whether they come from the phone's feature codes or the API.
//! Every state change emits [`Event::AgentStateChanged`] (from, to, [`ChangeReason`],
//! time), and [`Acd::agent`] gives the state with the time it was entered.
//!
//! - [`Acd::login`]: from logged-out to ready at a device (any phone: hot desking; one
//!   agent per device). Logged in already: moves the agent to that device.
//! - [`Acd::logout`]: to logged-out from anything but a call (end the call first); a
//!   ringing offer is cancelled (not a miss).
//! - [`Acd::ready`]: from not-ready or wrap-up (ending it early); resets the miss count.
//! - [`Acd::not_ready`]: with a reason from [`AcdConfig::not_ready_reasons`], from
//!   ready, wrap-up, not-ready or reserved (the offer is cancelled, not a miss).
//! - [`Acd::hold`], [`Acd::unhold`]: on-call ↔ on-hold, same call and direction.
//! - [`Acd::device_lost`]: the agent's phone went away: logged out (a ringing offer
//!   cancelled, not a miss), or, on a call, when that call ends.
//! - [`Acd::outbound_started`]: the agent's own outbound call, until `call_ended`.
//! - [`Acd::set_agent_queues`], [`Acd::set_agent_skill`]: live changes; the routing
//!   pass runs after them (a new member may take a waiting call at once).
//!
//! [`Acd::check_invariants`] states what holds between any two inputs; the tests call
//! it after every step. [`Acd::snapshot`] is what `GET /api/queues` and
//! `GET /api/agents` serve.
//!
//! One decision (an input and everything after it) takes tens of µs with 500 agents in
//! 20 queues and up to 200 calls waiting: the routing pass looks only at the calls an
//! input may have given an agent, from per-queue indexes of ready members. `BENCH.md`
//! has the figures; `benches/decision.rs` the bench.

mod core;
mod model;

pub use crate::core::{Acd, Reconfigured};
pub use crate::model::*;
