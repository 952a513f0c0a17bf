//! HIL scenarios: the line-based scenario language (see `hil-tests/SCENARIOS.md`), its
//! parser and its executor.
//!
//! ```text
//! let scenario = hil_scenario::parse_file(path)?;             // errors name file:line
//! let mut rig = far_end::Rig::connect(dir, &scenario.rig_devices(), clock)?;
//! let report = hil_scenario::run(&scenario, &mut rig, &mut box_view, &mut std::io::stdout())?;
//! ```

mod ast;
mod exec;
mod parse;

pub use ast::{
    Action, AgentCondition, AlertCondition, CallSel, CdrMatch, Condition, DeviceSpec, Expectation,
    IvrCondition, LookupServerSpec, Mode, Scenario, Sound, SpanCondition, Step, Subject,
    AGENT_STATES, ALERT_KINDS, DEFAULT_TONE_MIN_DBM0, DEFAULT_TONE_MIN_MS, DEFAULT_WINDOW_MS,
};
/// The former name of [`BoxView`].
pub use exec::BoxView as CdrSource;
pub use exec::{
    run, AgentView, AlertView, BoxView, CdrView, EventView, NoCdrs, Report, StepFailure,
};
pub use parse::{parse, parse_box_time, parse_file, ParseError, MAX_STEPS};
