//! A new configuration taken while the core runs (the technician applied one live).
//!
//! Agents keep their state, device and reservations; waiting and connected calls keep
//! their place. Queues and agents in the new configuration take its settings from the
//! next decision on (a ringing offer keeps its deadline). A queue removed while calls are
//! in it stays until they are gone; an agent removed while logged in stays, in no queue,
//! until logged out. Both go at a later reconfiguration that finds them idle.

use std::collections::BTreeSet;

use super::Acd;
use crate::model::*;

/// What a reconfiguration could not remove yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconfigured {
    /// Queues no longer configured that still hold calls.
    pub queues_kept_for_calls: Vec<QueueName>,
    /// Agents no longer configured who are still logged in (in no queue now).
    pub agents_kept_until_logout: Vec<AgentId>,
}

impl Acd {
    /// Takes `config` live; checked whole first (as [`Acd::new`]): an error changes
    /// nothing.
    pub fn reconfigure(
        &mut self,
        now_ms: u64,
        config: AcdConfig,
    ) -> Result<Reconfigured, ConfigError> {
        let fresh = Acd::new(config, now_ms)?;
        self.advance(now_ms);
        let mut report = Reconfigured::default();

        let configured_queues: BTreeSet<QueueName> = fresh.queues.keys().cloned().collect();
        // Queues first, so that every membership below names a queue that exists.
        for (name, queue) in fresh.queues {
            match self.queues.get_mut(&name) {
                Some(existing) => {
                    existing.config = queue.config;
                    existing.dirty = true;
                }
                None => {
                    self.queues.insert(name, queue);
                }
            }
        }

        // Agents: settings replaced, state kept.
        let configured: BTreeSet<AgentId> = fresh.agents.keys().cloned().collect();
        let (known, added): (Vec<_>, Vec<_>) = fresh
            .agents
            .into_iter()
            .partition(|(id, _)| self.agents.contains_key(id));
        for (id, agent) in known {
            self.replace_memberships(&id, agent.queues.clone());
            if let Some(existing) = self.agents.get_mut(&id) {
                existing.name = agent.name;
                existing.skills = agent.skills;
            }
            self.mark_queues_dirty(&id);
        }
        self.agents.extend(added);
        let removed: Vec<AgentId> = self
            .agents
            .keys()
            .filter(|id| !configured.contains(*id))
            .cloned()
            .collect();
        for id in removed {
            let logged_in = self.agents.get(&id).is_some_and(|a| a.state.is_logged_in());
            if logged_in {
                self.replace_memberships(&id, BTreeSet::new());
                report.agents_kept_until_logout.push(id);
            } else {
                self.agents.remove(&id);
            }
        }

        // Queues no longer configured: gone unless a call is still in one.
        let in_use: BTreeSet<QueueName> = self.calls.values().map(|c| c.queue.clone()).collect();
        let unconfigured: Vec<QueueName> = self
            .queues
            .keys()
            .filter(|name| !configured_queues.contains(*name))
            .cloned()
            .collect();
        for name in unconfigured {
            if in_use.contains(&name) {
                report.queues_kept_for_calls.push(name);
            } else {
                self.queues.remove(&name);
            }
        }

        self.vip_numbers = fresh.vip_numbers;
        self.vip_boost = fresh.vip_boost;
        self.reasons = fresh.reasons;
        self.default_handle_time_ms = fresh.default_handle_time_ms;
        // New timeouts and announcements may fall due earlier than the old ones.
        self.timers_due_ms = 0;
        self.queues_touched = true;
        self.settle();
        Ok(report)
    }

    /// Sets an agent's queues, keeping each queue's ready and logged-in counts true.
    fn replace_memberships(&mut self, agent: &AgentId, queues: BTreeSet<QueueName>) {
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        let old = std::mem::replace(&mut a.queues, queues);
        let (logged_in, ready) = (a.state.is_logged_in(), a.state == AgentState::Ready);
        let new = a.queues.clone();
        for name in &old {
            if let Some(queue) = self.queues.get_mut(name) {
                if logged_in {
                    queue.logged_in -= 1;
                }
                if ready {
                    queue.ready.remove(agent);
                }
            }
        }
        for name in &new {
            if let Some(queue) = self.queues.get_mut(name) {
                if logged_in {
                    queue.logged_in += 1;
                }
                if ready {
                    queue.ready.insert(agent.clone());
                    queue.dirty = true;
                }
            }
        }
    }

    fn mark_queues_dirty(&mut self, agent: &AgentId) {
        let Some(a) = self.agents.get(agent) else {
            return;
        };
        if a.state == AgentState::Ready {
            for name in a.queues.clone() {
                if let Some(queue) = self.queues.get_mut(&name) {
                    queue.dirty = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(name: &str, strategy: Strategy) -> QueueConfig {
        QueueConfig::new(name, strategy)
    }

    fn config(strategy: Strategy, agents: &[&str]) -> AcdConfig {
        AcdConfig {
            queues: vec![queue("sales", strategy)],
            agents: agents
                .iter()
                .map(|id| AgentConfig::new(*id, &["sales"]))
                .collect(),
            ..AcdConfig::default()
        }
    }

    fn offered_to(acd: &mut Acd) -> Option<AgentId> {
        let mut agent = None;
        while let Some(action) = acd.poll_action() {
            if let Action::Offer { agent: a, .. } = action {
                agent = Some(a);
            }
        }
        agent
    }

    #[test]
    fn a_new_strategy_decides_the_next_offer_and_agents_keep_their_state() {
        let mut acd = Acd::new(config(Strategy::LongestIdle, &["a1", "a2"]), 0).expect("acd");
        // a2 ready first: longest idle.
        for (at, id) in [(1_000, "a2"), (2_000, "a1")] {
            acd.login(at, &AgentId::new(id), id).expect("login");
            acd.ready(at, &AgentId::new(id)).expect("ready");
        }
        acd.reconfigure(3_000, config(Strategy::RoundRobin, &["a1", "a2"]))
            .expect("valid");
        acd.check_invariants().expect("invariants");
        assert_eq!(
            acd.snapshot()
                .agents
                .iter()
                .filter(|a| a.state == AgentState::Ready)
                .count(),
            2
        );
        acd.call_entered(4_000, NewCall::new("c1", "sales"))
            .expect("enter");
        // Round-robin starts from the first member in order: a1, where longest-idle
        // would have picked a2.
        assert_eq!(offered_to(&mut acd), Some(AgentId::new("a1")));
        acd.check_invariants().expect("invariants");
    }

    #[test]
    fn removed_members_and_queues_stay_while_busy_and_go_when_idle() {
        let mut acd = Acd::new(config(Strategy::LongestIdle, &["a1", "a2"]), 0).expect("acd");
        acd.login(0, &AgentId::new("a1"), "201").expect("login");
        acd.call_entered(1_000, NewCall::new("c1", "sales"))
            .expect("enter");
        let mut next = AcdConfig {
            queues: vec![queue("support", Strategy::LongestIdle)],
            agents: vec![AgentConfig::new("a2", &["support"])],
            ..AcdConfig::default()
        };
        let report = acd.reconfigure(2_000, next.clone()).expect("valid");
        assert_eq!(report.queues_kept_for_calls, vec![QueueName::from("sales")]);
        assert_eq!(report.agents_kept_until_logout, vec![AgentId::new("a1")]);
        acd.check_invariants().expect("invariants");
        acd.call_left(3_000, &CallKey::from("c1")).expect("left");
        acd.logout(3_000, &AgentId::new("a1")).expect("logout");
        next.vip_boost = 3;
        let report = acd.reconfigure(4_000, next).expect("valid");
        assert_eq!(report, Reconfigured::default());
        let snapshot = acd.snapshot();
        assert_eq!(snapshot.queues.len(), 1);
        assert_eq!(snapshot.agents.len(), 1);
        acd.check_invariants().expect("invariants");
    }

    #[test]
    fn an_invalid_configuration_changes_nothing() {
        let mut acd = Acd::new(config(Strategy::LongestIdle, &["a1"]), 0).expect("acd");
        let mut bad = config(Strategy::RoundRobin, &["a1"]);
        bad.agents.push(AgentConfig::new("a9", &["nowhere"]));
        assert!(acd.reconfigure(1_000, bad).is_err());
        assert_eq!(acd.snapshot().agents.len(), 1);
    }
}
