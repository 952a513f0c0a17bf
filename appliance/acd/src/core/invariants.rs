//! What must hold between any two inputs; the tests check it after every step.

use std::collections::BTreeSet;

use super::*;
use crate::model::*;

impl Acd {
    // ---- invariants ----------------------------------------------------------------

    /// Checks what must hold between any two inputs: every agent's state agrees with the
    /// calls (a reserved agent has exactly one offered call that names it, a talking
    /// agent's call is connected to them), no call waits while an eligible agent is
    /// ready, and every call that entered is held (waiting, offered, callback,
    /// answered) or was counted out (abandoned, overflowed out, refused, ended) — exactly
    /// once.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        let fail = |what: String| {
            Err(InvariantViolation {
                at_ms: self.now_ms,
                what,
            })
        };
        for a in self.agents.values() {
            match &a.state {
                AgentState::Reserved { call } => match self.calls.get(call).map(|c| &c.stage) {
                    Some(Stage::Offered { agents, .. }) if agents.contains(&a.id) => {}
                    other => {
                        return fail(format!(
                            "agent {} reserved for {call}, which is {other:?}",
                            a.id
                        ))
                    }
                },
                AgentState::OnCall { call, direction } | AgentState::OnHold { call, direction } => {
                    match self.calls.get(call).map(|c| &c.stage) {
                        Some(Stage::Connected { agent, .. }) if *agent == a.id => {}
                        None if *direction == Direction::Outbound => {}
                        other => {
                            return fail(format!("agent {} on {call}, which is {other:?}", a.id))
                        }
                    }
                }
                AgentState::LoggedOut if a.device.is_some() => {
                    return fail(format!("agent {} logged out at a device", a.id));
                }
                AgentState::WrapUp { until_ms } if *until_ms <= self.now_ms => {
                    return fail(format!("agent {} wrapping up past its end", a.id));
                }
                _ => {}
            }
            if a.state.is_logged_in() && a.device.is_none() {
                return fail(format!("agent {} logged in without a device", a.id));
            }
        }
        let mut devices = BTreeSet::new();
        for a in self.agents.values() {
            if let Some(d) = &a.device {
                if !devices.insert(d) {
                    return fail(format!("device {d} has two agents"));
                }
            }
        }
        for (key, call) in &self.calls {
            if !self.queues.contains_key(&call.queue) {
                return fail(format!("call {key} in no queue"));
            }
            match &call.stage {
                Stage::Offered {
                    agents,
                    deadline_ms,
                } => {
                    let ring_all = self.queues[&call.queue].config.strategy == Strategy::RingAll;
                    if ring_all && call.callback.is_none() {
                        if let Some(agent) = self
                            .eligible(key, call)
                            .iter()
                            .find(|a| !call.tried.contains(*a))
                        {
                            return fail(format!(
                                "ring-all call {key} rings without {agent}, who is ready for it"
                            ));
                        }
                    }
                    if agents.is_empty() {
                        return fail(format!("call {key} offered to nobody"));
                    }
                    if *deadline_ms <= self.now_ms {
                        return fail(format!("call {key} rings past its deadline"));
                    }
                    if call.callback.is_some() && agents.len() != 1 {
                        return fail(format!("callback {key} reserved {} agents", agents.len()));
                    }
                    for agent in agents {
                        match self.agents.get(agent).map(|a| &a.state) {
                            Some(AgentState::Reserved { call: c }) if c == key => {}
                            other => {
                                return fail(format!(
                                    "call {key} offered to {agent}, who is {other:?}"
                                ))
                            }
                        }
                    }
                }
                Stage::Connected { agent, .. } => match self.agents.get(agent).map(|a| &a.state) {
                    Some(
                        AgentState::OnCall { call: c, .. } | AgentState::OnHold { call: c, .. },
                    ) if c == key => {}
                    other => {
                        return fail(format!("call {key} connected to {agent}, who is {other:?}"))
                    }
                },
                Stage::Waiting => {
                    if let Some(agent) = self.eligible_scan(key, call).first() {
                        return fail(format!("call {key} waits while {agent} is ready for it"));
                    }
                }
            }
        }
        // The routing pass's index: each queue's ready members, nothing left to route.
        for (name, queue) in &self.queues {
            let ready: BTreeSet<&AgentId> = self
                .agents
                .values()
                .filter(|a| a.state == AgentState::Ready && a.queues.contains(name))
                .map(|a| &a.id)
                .collect();
            if queue.ready.iter().collect::<BTreeSet<_>>() != ready {
                return fail(format!(
                    "queue {name}'s ready index is {:?}, not {ready:?}",
                    queue.ready
                ));
            }
            let logged_in = self
                .agents
                .values()
                .filter(|a| a.state.is_logged_in() && a.queues.contains(name))
                .count();
            if queue.logged_in != logged_in {
                return fail(format!(
                    "queue {name} counts {} members logged in, not {logged_in}",
                    queue.logged_in
                ));
            }
            if queue.dirty {
                return fail(format!("queue {name} left dirty by the routing pass"));
            }
        }
        if self.timers_due_ms > self.next_timer() {
            return fail(format!(
                "timers skipped until {}, one is due at {}",
                self.timers_due_ms,
                self.next_timer()
            ));
        }
        let t = &self.totals;
        let accounted =
            self.calls.len() as u64 + t.abandoned + t.overflowed_out + t.refused + t.completed;
        if t.entered != accounted {
            return fail(format!(
                "{} calls entered, {accounted} accounted for",
                t.entered
            ));
        }
        Ok(())
    }
}
