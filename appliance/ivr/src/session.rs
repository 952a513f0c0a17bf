//! The IVR interpreter, sans-IO like the protocol stacks: an [`IvrSession`] runs one
//! call through a [`Flow`]. Feed it what happened (`handle_digit`,
//! `handle_playback_done`, `handle_timeout`, `handle_lookup`, each with the engine time
//! `now_ms`), then drain what it wants done ([`IvrSession::poll_action`]), what the IVR
//! event log records ([`IvrSession::poll_event`]) and when it next needs
//! `handle_timeout` ([`IvrSession::poll_timeout`]). No clock, no I/O: the wall clock a
//! time condition needs is engine time plus [`Setup::unix_offset_ms`].
//!
//! # Semantics per node
//!
//! Every node entered is logged ([`Event::NodeEntered`]) and appended to
//! [`IvrSession::path`]. Playback ids ([`Action::Play`], [`Action::Speak`]) and lookup
//! ids count up from 1 per session; a completion or result with any other id than the
//! one awaited (a stopped prompt, a lookup that timed out) is ignored.
//!
//! - **play**: plays the prompt ([`Action::Play`]) or the text ([`Action::Speak`], in
//!   the node's language or else the call's) and goes to `next` when it is done. With
//!   `barge_in` a digit stops it ([`Action::StopPlayback`]) and the flow goes on to
//!   `next` at once; the digit is *kept* as type-ahead.
//! - **Type-ahead**: a digit that arrives while no menu, collect or language node is
//!   listening (during a play, a say, a lookup) is kept, up to [`TYPE_AHEAD_LIMIT`]
//!   digits (more are dropped). The next menu, collect or language node takes them
//!   before playing its prompt; if it got any, it does not play its prompt. If they
//!   lead a menu to a retry, the rest of them are dropped.
//! - **menu**: plays `prompt`, interruptible: a digit during it stops it and counts as
//!   the choice. After the prompt ends it waits `timeout_s` for one digit. A digit in
//!   `choices` goes to that node. Another digit (logged as collected too) or the timeout
//!   is a failure: the first `max_retries` failures replay the menu prompt, preceded by
//!   `invalid_prompt` / `timeout_prompt` if set, in one [`Action::Play`]; the failure
//!   after the last retry goes to `on_failure` without a prompt. So a caller gets
//!   `1 + max_retries` tries.
//! - **collect**: plays `prompt` (interruptible: the digit that stops it is the first
//!   one collected), then waits `timeout_s` for the first digit and `timeout_s` after
//!   each digit. The terminator ends it (and is not part of the digits); `max` digits
//!   end it; a timeout ends it. With at least `min` digits they go `into` the variable
//!   and the flow goes to `next`, else to `on_failure` (variable untouched). `*` and `#`
//!   other than the terminator are collected like digits.
//! - **say**: renders `value`, reads it with [`crate::say`] in the call's language and
//!   plays the fragments (not interruptible; digits are type-ahead). `number`: a
//!   non-negative integer; `digits`: `0`-`9` only; `money`: a decimal amount with at most
//!   two decimals (`3.05`, `12`, `0.5`) said from its cents; `date`: `YYYY-MM-DD`;
//!   `time`: `HH:MM` (24-hour, `:SS` ignored). Surrounding blanks are ignored. A value
//!   that does not parse (an unset variable reads as empty) is not said: the session
//!   logs [`Event::SayFailed`] and goes on to `next` at once.
//! - **branch**: the variable's value (empty if unset) picks the first case equal to
//!   it, else `default`.
//! - **time**: the named schedule (from [`Setup::schedules`]) at `now_ms +
//!   unix_offset_ms` picks `open` or `closed`. A schedule the setup does not have counts
//!   as closed and is logged as [`Event::ScheduleMissing`].
//! - **set**: renders the value and sets the variable. Setting `language` to `en` or
//!   `zh` also switches the call's language.
//! - **language**: plays `prompt` (interruptible), waits `timeout_s` after it for one
//!   digit; a digit in `choices` sets the call's language (and `${language}`) for the
//!   rest of the call; any other digit or the timeout keeps it. Then `next`.
//! - **lookup**: renders the URL with every substituted value percent-encoded (an unset
//!   variable is empty) and asks for it ([`Action::Lookup`], with the JSON paths
//!   wanted). The result is a map of JSON path → text; with every path present the
//!   fields are set and the flow goes to `next`; a failure, a missing path or no answer
//!   within `timeout_ms` goes to `on_failure`. Each outcome is logged
//!   ([`Event::LookupResult`]). Digits keyed meanwhile are type-ahead.
//! - **transfer**, **queue**, **hangup**: the matching action; the session is finished
//!   ([`IvrSession::is_finished`]) and ignores everything after.
//!
//! # Guards
//!
//! A flow the validator accepts cannot spin, but type-ahead lets a menu answer without
//! waiting, and a session may be given an unvalidated flow. So the session counts the
//! nodes entered since it last waited for anything; at [`SPIN_LIMIT`] it hangs up with
//! cause [`ABORT_CAUSE`] and logs [`Event::Aborted`]. A reference to a node the flow
//! does not have ends the call the same way.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use crate::flow::{
    Collect, Digit, Flow, Language, LanguageChoice, Menu, NodeKind, PlaySource, SayWhat, Template,
    TemplatePart,
};
use crate::say;
use crate::schedule::Schedule;

/// Nodes entered without waiting for anything before the session gives up.
pub const SPIN_LIMIT: u32 = 1000;

/// Digits kept as type-ahead at most.
pub const TYPE_AHEAD_LIMIT: usize = 16;

/// The Q.850 cause of a call the session abandons (spinning, a missing node):
/// 41, temporary failure.
pub const ABORT_CAUSE: u8 = 41;

/// What the session is started with besides its flow.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// Variables the call starts with, e.g. `caller` and `called`.
    pub variables: Vec<(String, String)>,
    /// The prompt language; `None` takes the flow's.
    pub language: Option<Language>,
    /// The schedules `time` nodes name, shared by all calls.
    pub schedules: Arc<HashMap<String, Schedule>>,
    /// Unix time in milliseconds minus engine time: what `time` nodes add to `now_ms`.
    pub unix_offset_ms: i64,
}

/// Why a lookup gave no usable answer; the I/O side reports all but
/// [`LookupFailed::Timeout`] and [`LookupFailed::MissingField`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupFailed {
    #[error("no answer within the lookup's timeout")]
    Timeout,
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("request failed: {0}")]
    Transport(String),
    #[error("the answer is not JSON")]
    NotJson,
    #[error("the answer has no `{0}`")]
    MissingField(String),
}

/// Why the session abandoned the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Abort {
    #[error("{SPIN_LIMIT} nodes entered without waiting, the last `{node}`")]
    Spinning { node: String },
    #[error("the flow has no node `{name}`")]
    NoSuchNode { name: String },
}

/// What the session wants done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Play prompts (prompt store names or say fragments) back to back; report
    /// `handle_playback_done(id)` when the last ends or is stopped.
    Play {
        prompts: Vec<String>,
        language: Language,
        id: u32,
        barge_in: bool,
    },
    /// Play text synthesized when the configuration was applied.
    Speak {
        text: String,
        language: Language,
        id: u32,
        barge_in: bool,
    },
    /// Stop the prompt playing now.
    StopPlayback,
    /// HTTP GET `url`; answer with `handle_lookup(id, ...)` giving these JSON paths.
    Lookup {
        id: u32,
        url: String,
        fields: Vec<String>,
        timeout_ms: u32,
    },
    Transfer {
        to: String,
    },
    Queue {
        queue: String,
        priority: u8,
        extensions: Vec<String>,
        /// Skill → level the call needs (from the node).
        skills: Vec<(String, u8)>,
        variables: Vec<(String, String)>,
    },
    /// Take a voicemail message for `mailbox`: the greeting (a prompt store name;
    /// `None`: the built-in one), a beep, then at most `max_ms` of the caller.
    Voicemail {
        mailbox: String,
        greeting: Option<String>,
        max_ms: u64,
    },
    Hangup {
        cause: u8,
    },
}

/// What the IVR event log records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    NodeEntered {
        node: String,
    },
    /// Digits a menu, collect or language node took (valid or not).
    DigitsCollected {
        node: String,
        digits: String,
    },
    VariableSet {
        name: String,
        value: String,
    },
    LookupResult {
        node: String,
        id: u32,
        result: Result<(), LookupFailed>,
    },
    /// A `say` value that does not parse as its kind; nothing was said.
    SayFailed {
        node: String,
        value: String,
    },
    /// A `time` node's schedule is not in the setup; taken as closed.
    ScheduleMissing {
        node: String,
        schedule: String,
    },
    Aborted {
        reason: Abort,
    },
}

/// A menu, collect or language node's progress while it waits for the caller.
#[derive(Debug, Clone)]
enum Input {
    Menu { failures: u32 },
    Collect { digits: String },
    Language,
}

#[derive(Debug, Clone)]
enum Stage {
    /// A play or say node's prompt; `next` when it is done.
    Playing {
        id: u32,
        barge_in: bool,
        next: String,
    },
    /// A listening node's prompt: a digit stops it and counts as input.
    Prompt {
        id: u32,
        node: usize,
        input: Input,
    },
    Listening {
        node: usize,
        deadline: u64,
        input: Input,
    },
    Lookup {
        id: u32,
        node: usize,
        deadline: u64,
    },
    Finished,
}

/// What entering a node or handling an input leads to.
enum Step {
    Goto(String),
    Wait,
}

/// One call's run through a flow.
#[derive(Debug)]
pub struct IvrSession {
    flow: Arc<Flow>,
    index: HashMap<String, usize>,
    schedules: Arc<HashMap<String, Schedule>>,
    unix_offset_ms: i64,
    variables: BTreeMap<String, String>,
    language: Language,
    stage: Stage,
    type_ahead: VecDeque<Digit>,
    last_id: u32,
    entries_without_wait: u32,
    path: Vec<String>,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
}

impl IvrSession {
    /// Starts the call at the flow's entry node; the first actions are ready to poll.
    pub fn new(flow: Arc<Flow>, setup: Setup, now_ms: u64) -> IvrSession {
        let index = flow
            .nodes
            .iter()
            .enumerate()
            .map(|(position, node)| (node.name.clone(), position))
            .collect();
        let language = setup.language.unwrap_or(flow.language);
        let mut variables: BTreeMap<String, String> = setup.variables.into_iter().collect();
        variables.insert("language".to_owned(), language.code().to_owned());
        let entry = flow.entry.value.clone();
        let mut session = IvrSession {
            flow,
            index,
            schedules: setup.schedules,
            unix_offset_ms: setup.unix_offset_ms,
            variables,
            language,
            stage: Stage::Finished,
            type_ahead: VecDeque::new(),
            last_id: 0,
            entries_without_wait: 0,
            path: Vec::new(),
            actions: VecDeque::new(),
            events: VecDeque::new(),
        };
        session.go(now_ms, entry);
        session
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When `handle_timeout` is next due (engine ms), if anything waits on time.
    pub fn poll_timeout(&self) -> Option<u64> {
        match self.stage {
            Stage::Listening { deadline, .. } | Stage::Lookup { deadline, .. } => Some(deadline),
            _ => None,
        }
    }

    /// Whether the call has left the flow (transfer, queue, hangup).
    pub fn is_finished(&self) -> bool {
        matches!(self.stage, Stage::Finished)
    }

    /// The call's prompt language now.
    pub fn language(&self) -> Language {
        self.language
    }

    /// Every variable, built-in ones included.
    pub fn variables(&self) -> &BTreeMap<String, String> {
        &self.variables
    }

    /// The nodes entered, in order (the IVR path of the CDR).
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// A DTMF key from the caller; anything but `0`-`9`, `*`, `#` is ignored.
    pub fn handle_digit(&mut self, now_ms: u64, key: char) {
        let Some(digit) = Digit::new(key) else {
            return;
        };
        let step = match std::mem::replace(&mut self.stage, Stage::Finished) {
            Stage::Finished => return,
            Stage::Playing {
                next,
                barge_in: true,
                ..
            } => {
                self.keep_type_ahead(digit);
                self.actions.push_back(Action::StopPlayback);
                Step::Goto(next)
            }
            stage @ (Stage::Playing { .. } | Stage::Lookup { .. }) => {
                self.stage = stage;
                self.keep_type_ahead(digit);
                return;
            }
            Stage::Prompt { node, input, .. } => {
                self.actions.push_back(Action::StopPlayback);
                self.input_digit(now_ms, node, input, digit)
            }
            Stage::Listening { node, input, .. } => self.input_digit(now_ms, node, input, digit),
        };
        self.drive(now_ms, step);
    }

    /// A playback (by its id) ended or was stopped.
    pub fn handle_playback_done(&mut self, now_ms: u64, id: u32) {
        let step = match &self.stage {
            Stage::Playing {
                id: playing, next, ..
            } if *playing == id => Step::Goto(next.clone()),
            Stage::Prompt {
                id: playing,
                node,
                input,
            } if *playing == id => {
                let (node, input) = (*node, input.clone());
                self.listen(now_ms, node, input)
            }
            _ => return,
        };
        self.drive(now_ms, step);
    }

    /// Time has come (see [`poll_timeout`](Self::poll_timeout)); early calls do nothing.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        match self.poll_timeout() {
            Some(deadline) if deadline <= now_ms => {}
            _ => return,
        }
        let flow = Arc::clone(&self.flow);
        let step = match std::mem::replace(&mut self.stage, Stage::Finished) {
            Stage::Listening { node, input, .. } => match (&flow.nodes[node].kind, input) {
                (NodeKind::Menu(menu), Input::Menu { failures }) => self.menu_failure(
                    node,
                    menu,
                    failures,
                    menu.timeout_prompt.as_ref().map(|p| p.value.as_str()),
                ),
                (NodeKind::Collect(collect), Input::Collect { digits }) => {
                    self.collect_done(node, collect, digits)
                }
                (NodeKind::Language(choice), _) => Step::Goto(choice.next.value.clone()),
                _ => Step::Wait,
            },
            Stage::Lookup { id, node, .. } => match &flow.nodes[node].kind {
                NodeKind::Lookup(lookup) => {
                    self.events.push_back(Event::LookupResult {
                        node: flow.nodes[node].name.clone(),
                        id,
                        result: Err(LookupFailed::Timeout),
                    });
                    Step::Goto(lookup.on_failure.value.clone())
                }
                _ => Step::Wait,
            },
            stage => {
                self.stage = stage;
                return;
            }
        };
        self.drive(now_ms, step);
    }

    /// A lookup's answer: JSON path → its value as text, or why there is none. An
    /// answer to any lookup but the one awaited is ignored.
    pub fn handle_lookup(
        &mut self,
        now_ms: u64,
        id: u32,
        result: Result<HashMap<String, String>, LookupFailed>,
    ) {
        let node = match self.stage {
            Stage::Lookup {
                id: awaited, node, ..
            } if awaited == id => node,
            _ => return,
        };
        let flow = Arc::clone(&self.flow);
        let NodeKind::Lookup(lookup) = &flow.nodes[node].kind else {
            return;
        };
        // Every field or none: a half-filled answer would mislead later nodes.
        let values = result.and_then(|answer| {
            lookup
                .fields
                .iter()
                .map(|(variable, path)| match answer.get(&path.value) {
                    Some(value) => Ok((variable.value.clone(), value.clone())),
                    None => Err(LookupFailed::MissingField(path.value.clone())),
                })
                .collect::<Result<Vec<_>, _>>()
        });
        self.events.push_back(Event::LookupResult {
            node: flow.nodes[node].name.clone(),
            id,
            result: values.as_ref().map(|_| ()).map_err(Clone::clone),
        });
        let step = match values {
            Ok(values) => {
                for (name, value) in values {
                    self.set_variable(name, value);
                }
                Step::Goto(lookup.next.value.clone())
            }
            Err(_) => Step::Goto(lookup.on_failure.value.clone()),
        };
        self.drive(now_ms, step);
    }

    /// Follows `step` until the session waits for something.
    fn drive(&mut self, now_ms: u64, step: Step) {
        match step {
            Step::Goto(target) => self.go(now_ms, target),
            Step::Wait => self.entries_without_wait = 0,
        }
    }

    /// Enters `target` and the nodes after it until one waits or the call ends.
    fn go(&mut self, now_ms: u64, mut target: String) {
        loop {
            let Some(&node) = self.index.get(&target) else {
                self.abort(Abort::NoSuchNode { name: target });
                return;
            };
            self.entries_without_wait += 1;
            if self.entries_without_wait > SPIN_LIMIT {
                self.abort(Abort::Spinning { node: target });
                return;
            }
            self.path.push(target.clone());
            self.events.push_back(Event::NodeEntered { node: target });
            match self.enter(now_ms, node) {
                Step::Goto(next) => target = next,
                Step::Wait => {
                    self.entries_without_wait = 0;
                    return;
                }
            }
        }
    }

    fn abort(&mut self, reason: Abort) {
        self.events.push_back(Event::Aborted { reason });
        self.actions
            .push_back(Action::Hangup { cause: ABORT_CAUSE });
        self.stage = Stage::Finished;
    }

    /// Does what the node does on entry; sets the stage when it waits.
    fn enter(&mut self, now_ms: u64, node: usize) -> Step {
        let flow = Arc::clone(&self.flow);
        let name = &flow.nodes[node].name;
        match &flow.nodes[node].kind {
            NodeKind::Play(play) => {
                let id = self.new_id();
                self.actions.push_back(match &play.source {
                    PlaySource::Prompt(prompt) => Action::Play {
                        prompts: vec![prompt.value.clone()],
                        language: self.language,
                        id,
                        barge_in: play.barge_in,
                    },
                    PlaySource::Text { text, language } => Action::Speak {
                        text: text.value.clone(),
                        language: language.unwrap_or(self.language),
                        id,
                        barge_in: play.barge_in,
                    },
                });
                self.stage = Stage::Playing {
                    id,
                    barge_in: play.barge_in,
                    next: play.next.value.clone(),
                };
                Step::Wait
            }
            NodeKind::Say(say_node) => {
                let value = self.render(&say_node.value);
                match say_value(say_node.what, &value, self.language) {
                    Some(fragments) if !fragments.is_empty() => {
                        let id = self.new_id();
                        self.actions.push_back(Action::Play {
                            prompts: fragments.iter().map(|f| f.as_str().to_owned()).collect(),
                            language: self.language,
                            id,
                            barge_in: false,
                        });
                        self.stage = Stage::Playing {
                            id,
                            barge_in: false,
                            next: say_node.next.value.clone(),
                        };
                        Step::Wait
                    }
                    _ => {
                        self.events.push_back(Event::SayFailed {
                            node: name.clone(),
                            value,
                        });
                        Step::Goto(say_node.next.value.clone())
                    }
                }
            }
            NodeKind::Menu(menu) => {
                self.start_listening(now_ms, node, Input::Menu { failures: 0 }, &menu.prompt)
            }
            NodeKind::Collect(collect) => self.start_listening(
                now_ms,
                node,
                Input::Collect {
                    digits: String::new(),
                },
                &collect.prompt,
            ),
            NodeKind::Language(choice) => {
                self.start_listening(now_ms, node, Input::Language, &choice.prompt)
            }
            NodeKind::Branch(branch) => {
                let value = self
                    .variables
                    .get(&branch.variable.value)
                    .map(String::as_str)
                    .unwrap_or("");
                let target = branch
                    .cases
                    .iter()
                    .find(|(case, _)| case.value == value)
                    .map(|(_, target)| target)
                    .unwrap_or(&branch.default);
                Step::Goto(target.value.clone())
            }
            NodeKind::Time(time) => {
                let open = match self.schedules.get(&time.schedule.value) {
                    Some(schedule) => {
                        let unix_ms = (now_ms as i64).saturating_add(self.unix_offset_ms);
                        schedule.is_open(unix_ms.div_euclid(1000))
                    }
                    None => {
                        self.events.push_back(Event::ScheduleMissing {
                            node: name.clone(),
                            schedule: time.schedule.value.clone(),
                        });
                        false
                    }
                };
                let target = if open { &time.open } else { &time.closed };
                Step::Goto(target.value.clone())
            }
            NodeKind::Set(set) => {
                let value = self.render(&set.value);
                self.set_variable(set.variable.value.clone(), value);
                Step::Goto(set.next.value.clone())
            }
            NodeKind::Lookup(lookup) => {
                let url = self.render_url(&lookup.url);
                let id = self.new_id();
                self.actions.push_back(Action::Lookup {
                    id,
                    url,
                    fields: lookup.fields.iter().map(|(_, p)| p.value.clone()).collect(),
                    timeout_ms: lookup.timeout_ms,
                });
                self.stage = Stage::Lookup {
                    id,
                    node,
                    deadline: now_ms.saturating_add(u64::from(lookup.timeout_ms)),
                };
                Step::Wait
            }
            NodeKind::Transfer(transfer) => self.finish(Action::Transfer {
                to: transfer.to.value.clone(),
            }),
            NodeKind::Queue(queue) => self.finish(Action::Queue {
                queue: queue.queue.value.clone(),
                priority: queue.priority,
                extensions: queue.extensions.clone(),
                skills: queue.skills.clone(),
                variables: self
                    .variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            }),
            NodeKind::Voicemail(voicemail) => self.finish(Action::Voicemail {
                mailbox: voicemail.mailbox.value.clone(),
                greeting: voicemail.prompt.as_ref().map(|p| p.value.clone()),
                max_ms: u64::from(voicemail.max_length_s) * 1000,
            }),
            NodeKind::Hangup(hangup) => self.finish(Action::Hangup {
                cause: hangup.cause,
            }),
        }
    }

    fn finish(&mut self, action: Action) -> Step {
        self.actions.push_back(action);
        self.stage = Stage::Finished;
        Step::Wait
    }

    /// A menu, collect or language node starts: type-ahead first, else its prompt.
    fn start_listening(&mut self, now_ms: u64, node: usize, input: Input, prompt: &str) -> Step {
        if self.type_ahead.is_empty() {
            self.prompt(node, input, vec![prompt.to_owned()]);
            return Step::Wait;
        }
        let mut input = input;
        while let Some(digit) = self.type_ahead.pop_front() {
            match self.input_digit(now_ms, node, input, digit) {
                Step::Goto(next) => return Step::Goto(next),
                Step::Wait => {}
            }
            // Still listening (a collect wanting more, a menu retry): go on with what
            // the digit left, unless it started a retry prompt, which waits its turn.
            match std::mem::replace(&mut self.stage, Stage::Finished) {
                Stage::Listening { input: left, .. } => input = left,
                stage => {
                    // A retry prompt: the rest of a type-ahead that went wrong is
                    // dropped rather than taken as answers to the retry.
                    self.type_ahead.clear();
                    self.stage = stage;
                    return Step::Wait;
                }
            }
        }
        self.stage = Stage::Finished;
        self.listen(now_ms, node, input)
    }

    fn prompt(&mut self, node: usize, input: Input, prompts: Vec<String>) {
        let id = self.new_id();
        self.actions.push_back(Action::Play {
            prompts,
            language: self.language,
            id,
            barge_in: true,
        });
        self.stage = Stage::Prompt { id, node, input };
    }

    /// Waits `timeout_s` for the node's next digit.
    fn listen(&mut self, now_ms: u64, node: usize, input: Input) -> Step {
        let timeout_s = match &self.flow.nodes[node].kind {
            NodeKind::Menu(Menu { timeout_s, .. })
            | NodeKind::Collect(Collect { timeout_s, .. })
            | NodeKind::Language(LanguageChoice { timeout_s, .. }) => *timeout_s,
            _ => 0,
        };
        self.stage = Stage::Listening {
            node,
            deadline: now_ms.saturating_add(u64::from(timeout_s) * 1000),
            input,
        };
        Step::Wait
    }

    /// A digit for a listening node (its prompt already stopped).
    fn input_digit(&mut self, now_ms: u64, node: usize, input: Input, digit: Digit) -> Step {
        let flow = Arc::clone(&self.flow);
        let name = &flow.nodes[node].name;
        match (&flow.nodes[node].kind, input) {
            (NodeKind::Menu(menu), Input::Menu { failures }) => {
                self.collected(name, digit.to_string());
                match menu.choices.iter().find(|(key, _)| key.value == digit) {
                    Some((_, target)) => Step::Goto(target.value.clone()),
                    None => self.menu_failure(
                        node,
                        menu,
                        failures,
                        menu.invalid_prompt.as_ref().map(|p| p.value.as_str()),
                    ),
                }
            }
            (NodeKind::Collect(collect), Input::Collect { mut digits }) => {
                if digit == collect.terminator {
                    return self.collect_done(node, collect, digits);
                }
                digits.push(digit.as_char());
                if digits.len() >= collect.max as usize {
                    return self.collect_done(node, collect, digits);
                }
                self.listen(now_ms, node, Input::Collect { digits })
            }
            (NodeKind::Language(choice), _) => {
                self.collected(name, digit.to_string());
                if let Some((_, language)) =
                    choice.choices.iter().find(|(key, _)| key.value == digit)
                {
                    self.set_variable("language".to_owned(), language.code().to_owned());
                }
                Step::Goto(choice.next.value.clone())
            }
            // The stage always matches its node; nothing sensible to do otherwise.
            _ => Step::Wait,
        }
    }

    fn menu_failure(
        &mut self,
        node: usize,
        menu: &Menu,
        failures: u32,
        failure_prompt: Option<&str>,
    ) -> Step {
        let failures = failures.saturating_add(1);
        if failures > menu.max_retries {
            return Step::Goto(menu.on_failure.value.clone());
        }
        let prompts = failure_prompt
            .into_iter()
            .chain([menu.prompt.value.as_str()])
            .map(str::to_owned)
            .collect();
        self.prompt(node, Input::Menu { failures }, prompts);
        Step::Wait
    }

    fn collect_done(&mut self, node: usize, collect: &Collect, digits: String) -> Step {
        let name = self.flow.nodes[node].name.clone();
        self.collected(&name, digits.clone());
        if digits.len() < collect.min as usize {
            return Step::Goto(collect.on_failure.value.clone());
        }
        self.set_variable(collect.into.value.clone(), digits);
        Step::Goto(collect.next.value.clone())
    }

    fn collected(&mut self, node: &str, digits: String) {
        self.events.push_back(Event::DigitsCollected {
            node: node.to_owned(),
            digits,
        });
    }

    fn set_variable(&mut self, name: String, value: String) {
        if name == "language" {
            match value.as_str() {
                "en" => self.language = Language::En,
                "zh" => self.language = Language::Zh,
                _ => {}
            }
        }
        self.events.push_back(Event::VariableSet {
            name: name.clone(),
            value: value.clone(),
        });
        self.variables.insert(name, value);
    }

    fn keep_type_ahead(&mut self, digit: Digit) {
        if self.type_ahead.len() < TYPE_AHEAD_LIMIT {
            self.type_ahead.push_back(digit);
        }
    }

    fn new_id(&mut self) -> u32 {
        self.last_id = self.last_id.wrapping_add(1);
        self.last_id
    }

    fn render(&self, template: &Template) -> String {
        template.render(|name| self.variables.get(name).cloned())
    }

    fn render_url(&self, template: &Template) -> String {
        let mut url = String::new();
        for part in &template.parts {
            match part {
                TemplatePart::Literal(text) => url.push_str(text),
                TemplatePart::Variable(name) => {
                    if let Some(value) = self.variables.get(name) {
                        percent_encode(value, &mut url);
                    }
                }
            }
        }
        url
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters, so a value cannot add
/// query parameters or path segments.
fn percent_encode(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// The fragments saying `value` as `what`, or `None` if it does not parse.
fn say_value(what: SayWhat, value: &str, language: say::Language) -> Option<Vec<say::Fragment>> {
    let value = value.trim();
    match what {
        SayWhat::Number => Some(say::number(parse_digits(value)?, language)),
        SayWhat::Digits => say::digits(value, language).ok(),
        SayWhat::Money => Some(say::money(parse_cents(value)?, language)),
        SayWhat::Date => {
            let mut parts = value.split('-');
            let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
                return None;
            }
            let number = |text: &str| u32::try_from(parse_digits(text)?).ok();
            say::date(number(year)?, number(month)?, number(day)?, language).ok()
        }
        SayWhat::Time => {
            let mut parts = value.split(':');
            let (hour, minute) = (parts.next()?, parts.next()?);
            let seconds = parts.next();
            if parts.next().is_some()
                || hour.len() != 2
                || minute.len() != 2
                || seconds.is_some_and(|s| s.len() != 2 || parse_digits(s).is_none())
            {
                return None;
            }
            let number = |text: &str| u32::try_from(parse_digits(text)?).ok();
            say::time(number(hour)?, number(minute)?, language).ok()
        }
    }
}

/// A non-empty run of ASCII digits (no sign, unlike `str::parse`).
fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `12`, `12.5`, `12.05` → cents; more than two decimals or anything else → `None`.
fn parse_cents(text: &str) -> Option<u64> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    let whole = if whole.is_empty() && !fraction.is_empty() {
        0
    } else {
        parse_digits(whole)?
    };
    let fraction = match fraction.len() {
        0 if !text.ends_with('.') => 0,
        1 => parse_digits(fraction)? * 10,
        2 => parse_digits(fraction)?,
        _ => return None,
    };
    whole.checked_mul(100)?.checked_add(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_amounts_parse_to_cents() {
        for (text, cents) in [
            ("3.05", Some(305)),
            ("12", Some(1200)),
            ("12.5", Some(1250)),
            ("0.5", Some(50)),
            (".5", Some(50)),
            ("007.00", Some(700)),
            ("12.345", None),
            ("12.", None),
            ("", None),
            (".", None),
            ("-3", None),
            ("+3", None),
            ("3,05", None),
            ("1e3", None),
            ("184467440737095516.16", None),
        ] {
            assert_eq!(parse_cents(text), cents, "{text:?}");
        }
    }

    #[test]
    fn substituted_values_are_percent_encoded() {
        let mut out = String::new();
        percent_encode("a b&c=d/é~_.-", &mut out);
        assert_eq!(out, "a%20b%26c%3Dd%2F%C3%A9~_.-");
    }

    #[test]
    fn say_values_parse_or_are_refused() {
        let en = say::Language::En;
        assert!(say_value(SayWhat::Number, " 105 ", en).is_some());
        assert!(say_value(SayWhat::Number, "-1", en).is_none());
        assert!(say_value(SayWhat::Digits, "12a", en).is_none());
        assert!(say_value(SayWhat::Date, "2026-12-07", en).is_some());
        assert!(say_value(SayWhat::Date, "2026-13-07", en).is_none());
        assert!(say_value(SayWhat::Date, "2026-1-07", en).is_none());
        assert!(say_value(SayWhat::Time, "08:05", en).is_some());
        assert!(say_value(SayWhat::Time, "08:05:59", en).is_some());
        assert!(say_value(SayWhat::Time, "24:00", en).is_none());
        assert!(say_value(SayWhat::Time, "8:05", en).is_none());
        assert!(say_value(SayWhat::Money, "", en).is_none());
    }
}
