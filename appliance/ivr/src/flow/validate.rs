//! Checks of a parsed flow as a whole: references, reachability, spinning cycles,
//! prompts, schedules, lookup URLs, variables. Every problem is reported, in file order.

use std::collections::{BTreeSet, HashMap};

use super::model::*;
use super::parse::{self, Errors};

impl Flow {
    /// Parses a flow file; `file` is the name errors carry.
    pub fn parse(text: &str, file: &str) -> Result<Flow, FlowErrors> {
        parse::parse(text, file)
    }

    /// Parses and validates: what `check-config` does with a flow file.
    pub fn load(
        text: &str,
        file: &str,
        known_prompts: &dyn Fn(&str) -> bool,
        known_schedules: &dyn Fn(&str) -> bool,
    ) -> Result<Flow, FlowErrors> {
        let flow = Flow::parse(text, file)?;
        flow.validate(known_prompts, known_schedules)?;
        Ok(flow)
    }

    /// Checks the flow against the prompts and schedules the configuration has.
    pub fn validate(
        &self,
        known_prompts: &dyn Fn(&str) -> bool,
        known_schedules: &dyn Fn(&str) -> bool,
    ) -> Result<(), FlowErrors> {
        let mut report = Errors::new(&self.file);
        let index: HashMap<&str, usize> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(position, node)| (node.name.as_str(), position))
            .collect();

        references(self, &index, &mut report);
        unreachable(self, &index, &mut report);
        spinning_cycles(self, &index, &mut report);
        prompts_and_schedules(self, known_prompts, known_schedules, &mut report);
        lookup_urls(self, &mut report);
        variables(self, &mut report);
        report.finish()
    }
}

fn references(flow: &Flow, index: &HashMap<&str, usize>, report: &mut Errors<'_>) {
    if !index.contains_key(flow.entry.as_str()) {
        report.at(
            flow.entry.at,
            format!("`entry` names node `{}`, which does not exist", *flow.entry),
        );
    }
    for node in &flow.nodes {
        for target in node.kind.successors() {
            if !index.contains_key(target.as_str()) {
                report.at(
                    target.at,
                    format!(
                        "node `{}` goes to node `{}`, which does not exist",
                        node.name, **target
                    ),
                );
            }
        }
    }
}

fn unreachable(flow: &Flow, index: &HashMap<&str, usize>, report: &mut Errors<'_>) {
    let mut reached = vec![false; flow.nodes.len()];
    let mut stack: Vec<usize> = index
        .get(flow.entry.as_str())
        .copied()
        .into_iter()
        .collect();
    while let Some(position) = stack.pop() {
        if std::mem::replace(&mut reached[position], true) {
            continue;
        }
        for target in flow.nodes[position].kind.successors() {
            if let Some(&next) = index.get(target.as_str()) {
                stack.push(next);
            }
        }
    }
    for (node, reached) in flow.nodes.iter().zip(reached) {
        if !reached {
            report.at(
                node.at,
                format!(
                    "node `{}` is unreachable: no path leads to it from the entry `{}`",
                    node.name, *flow.entry
                ),
            );
        }
    }
}

/// A cycle made only of nodes that do not wait for the caller would run forever without
/// the caller being able to get out (see [`NodeKind::waits_for_caller`]). Such a cycle
/// lies inside one strongly connected component of the graph of non-waiting nodes, so
/// each component with a cycle is reported once, at its first node in the file.
fn spinning_cycles(flow: &Flow, index: &HashMap<&str, usize>, report: &mut Errors<'_>) {
    let count = flow.nodes.len();
    let edges: Vec<Vec<usize>> = flow
        .nodes
        .iter()
        .map(|node| {
            if node.kind.waits_for_caller() {
                return Vec::new();
            }
            node.kind
                .successors()
                .into_iter()
                .filter_map(|target| index.get(target.as_str()).copied())
                .filter(|&target| !flow.nodes[target].kind.waits_for_caller())
                .collect()
        })
        .collect();
    for component in strongly_connected(count, &edges) {
        let cyclic = component.len() > 1
            || component
                .first()
                .is_some_and(|&only| edges[only].contains(&only));
        if !cyclic {
            continue;
        }
        let Some(&first) = component.iter().min() else {
            continue;
        };
        // A long cycle is named by its first few nodes; the author needs a place to start.
        const SHOWN: usize = 8;
        let mut names: Vec<String> = component
            .iter()
            .take(SHOWN)
            .map(|&position| format!("`{}`", flow.nodes[position].name))
            .collect();
        if component.len() > SHOWN {
            names.push(format!("and {} more", component.len() - SHOWN));
        }
        report.at(
            flow.nodes[first].at,
            format!(
                "nodes {} form a cycle with no node that waits for the caller \
                 (menu, collect or language): the call would loop forever",
                names.join(", ")
            ),
        );
    }
}

/// Tarjan's algorithm, iterative so a long chain of nodes cannot overflow the stack.
/// Each component's members come sorted.
fn strongly_connected(count: usize, edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let mut order = vec![UNSEEN; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next_order = 0;
    for root in 0..count {
        if order[root] != UNSEEN {
            continue;
        }
        // (node, index of the next edge to look at)
        let mut work = vec![(root, 0usize)];
        order[root] = next_order;
        low[root] = next_order;
        next_order += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if let Some(&target) = edges[node].get(*edge) {
                *edge += 1;
                if order[target] == UNSEEN {
                    order[target] = next_order;
                    low[target] = next_order;
                    next_order += 1;
                    stack.push(target);
                    on_stack[target] = true;
                    work.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(order[target]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components
}

fn prompts_and_schedules(
    flow: &Flow,
    known_prompts: &dyn Fn(&str) -> bool,
    known_schedules: &dyn Fn(&str) -> bool,
    report: &mut Errors<'_>,
) {
    for node in &flow.nodes {
        let prompts = node.kind.prompts();
        for prompt in prompts {
            if !known_prompts(prompt.as_str()) {
                report.at(
                    prompt.at,
                    format!(
                        "node `{}` plays prompt `{}`, which is not in the prompt store",
                        node.name, **prompt
                    ),
                );
            }
        }
        if let NodeKind::Time(time) = &node.kind {
            if !known_schedules(time.schedule.as_str()) {
                report.at(
                    time.schedule.at,
                    format!(
                        "node `{}` names schedule `{}`, which is not configured",
                        node.name, *time.schedule
                    ),
                );
            }
        }
    }
}

fn lookup_urls(flow: &Flow, report: &mut Errors<'_>) {
    for node in &flow.nodes {
        let NodeKind::Lookup(lookup) = &node.kind else {
            continue;
        };
        // The scheme and host must be literal: a variable there could send the
        // caller's data anywhere.
        let literal_start = match lookup.url.parts.first() {
            Some(TemplatePart::Literal(text)) => text.as_str(),
            _ => "",
        };
        let lower = literal_start.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("http://")
            .or_else(|| lower.strip_prefix("https://"));
        let reason = match rest {
            None => Some("is not an http:// or https:// URL"),
            Some(rest) => {
                let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                let literal_host = lookup.url.parts.len() == 1 || host_end < rest.len();
                if host_end == 0 || !literal_host {
                    Some("has no host written out (a variable cannot be the host)")
                } else {
                    None
                }
            }
        };
        if let Some(reason) = reason {
            let url = lookup.url.render(|name| Some(format!("${{{name}}}")));
            report.at(
                lookup.url.at,
                format!("node `{}`: lookup URL `{url}` {reason}", node.name),
            );
        }
    }
}

fn variables(flow: &Flow, report: &mut Errors<'_>) {
    let mut set: BTreeSet<&str> = BUILT_IN_VARIABLES.iter().copied().collect();
    for node in &flow.nodes {
        match &node.kind {
            NodeKind::Set(node) => {
                set.insert(node.variable.as_str());
            }
            NodeKind::Collect(node) => {
                set.insert(node.into.as_str());
            }
            NodeKind::Lookup(node) => {
                set.extend(node.fields.iter().map(|(variable, _)| variable.as_str()));
            }
            _ => {}
        }
    }
    for node in &flow.nodes {
        let mut used: Vec<(&str, Pos)> = Vec::new();
        fn template<'t>(used: &mut Vec<(&'t str, Pos)>, template: &'t Located<Template>) {
            used.extend(template.variables().map(|name| (name, template.at)));
        }
        match &node.kind {
            NodeKind::Say(say) => template(&mut used, &say.value),
            NodeKind::Set(set) => template(&mut used, &set.value),
            NodeKind::Lookup(lookup) => template(&mut used, &lookup.url),
            NodeKind::Branch(branch) => used.push((branch.variable.as_str(), branch.variable.at)),
            _ => {}
        }
        for (name, at) in used {
            if !set.contains(name) {
                report.at(
                    at,
                    format!(
                        "node `{}` uses variable `{name}`, which no node sets \
                         (set, collect `into` or lookup `fields`; built in: {})",
                        node.name,
                        BUILT_IN_VARIABLES.join(", ")
                    ),
                );
            }
        }
    }
}
