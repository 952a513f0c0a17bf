//! The API as `appliance/call-control` (port.rs, switchboard.rs) and `appliance/cli`
//! (plan.rs) use it: if this stops compiling, so do they.

// Mirrors the consumers line by line, including their field-by-field config building.
#![allow(clippy::field_reassign_with_default)]

use analog_signalling::{
    AnalogError, CallerIdInfo, CallerIdMode, CidStandard, DisconnectSupervision, FxoAction,
    FxoConfig, FxoLine, FxsAction, FxsConfig, FxsPort, LineFromTelco, RingCadence,
};
use line_boundary::{Hook, LineCommand, PhoneNumber};

enum AnalogStack {
    Fxo(FxoLine),
    Fxs(FxsPort),
}

fn plan(cadence: RingCadence, battery: bool) -> (FxoConfig, FxsConfig) {
    let mut fxo = FxoConfig::default();
    fxo.ring_cadence = cadence;
    fxo.caller_id = CallerIdMode::FskBeforeRing;
    fxo.disconnect = DisconnectSupervision {
        battery_drop_ms: battery.then_some(fxo.disconnect.battery_drop_ms.unwrap_or(350)),
        polarity_reversal: false,
        busy_tone: true,
    };
    let mut fxs = FxsConfig::default();
    fxs.ring_cadence = cadence;
    fxs.caller_id = CidStandard::Etsi;
    (fxo, fxs)
}

fn drive(stack: &mut AnalogStack, at_ms: u64, bits: u8) -> Option<u64> {
    match stack {
        AnalogStack::Fxo(line) => line.handle_line(
            at_ms,
            LineFromTelco {
                ringing: bits & 1 != 0,
                reversed: bits & 2 != 0,
                battery: bits & 4 != 0,
            },
        ),
        AnalogStack::Fxs(port) => port.handle_hook(at_ms, bits & 1 != 0),
    }
    let result: Result<(), AnalogError> = match stack {
        AnalogStack::Fxo(line) => line.handle_command(at_ms, LineCommand::Alert),
        AnalogStack::Fxs(port) => port.handle_command(at_ms, LineCommand::Alert),
    };
    if let Err(error) = result {
        let _logged = error.to_string();
    }
    let _state: &'static str = match stack {
        AnalogStack::Fxo(line) => line.state().name(),
        AnalogStack::Fxs(port) => port.state().name(),
    };
    match stack {
        AnalogStack::Fxo(line) => line.poll_timeout(),
        AnalogStack::Fxs(port) => port.poll_timeout(),
    }
}

fn perform(action: FxoAction) -> Option<String> {
    match action {
        FxoAction::SetHook(hook) => Some(format!("{}", hook == Hook::OffHook)),
        FxoAction::ListenForCallerId(on) => Some(on.to_string()),
        FxoAction::Dial(number) => Some(number.as_str().to_owned()),
    }
}

fn perform_fxs(action: FxsAction) -> Option<String> {
    match action {
        FxsAction::SetRinging(on) | FxsAction::SetPolarity(on) | FxsAction::SetBattery(on) => {
            Some(on.to_string())
        }
        FxsAction::PlayTone(tone) => Some(format!("{tone:?}")),
        FxsAction::StopTone => None,
        FxsAction::SendCallerId { number, name, .. } => {
            let number: Option<&PhoneNumber> = number.as_ref();
            let name: Option<&str> = name.as_deref();
            Some(format!("{number:?} {name:?}"))
        }
    }
}

#[test]
fn the_port_actor_can_drive_both_stacks() {
    let (fxo, fxs) = plan(RingCadence::china(), true);
    let mut stacks = [
        AnalogStack::Fxo(FxoLine::new(fxo.clone())),
        AnalogStack::Fxs(FxsPort::new(fxs.clone())),
    ];
    for stack in &mut stacks {
        let _ = drive(stack, 20, 0b101);
    }
    if let AnalogStack::Fxo(line) = &mut stacks[0] {
        line.handle_caller_id(
            40,
            CallerIdInfo {
                number: PhoneNumber::parse("1").ok(),
                name: Some("n".into()),
            },
        );
        line.handle_timeout(400);
        assert!(line.poll_event().is_some(), "the ring at 20 ms was offered");
        while let Some(action) = line.poll_action() {
            perform(action);
        }
    }
    if let AnalogStack::Fxs(port) = &mut stacks[1] {
        port.handle_digit(100, '1');
        port.complete_dialling(100);
        port.handle_timeout(100);
        while let Some(action) = port.poll_action() {
            perform_fxs(action);
        }
    }
}
