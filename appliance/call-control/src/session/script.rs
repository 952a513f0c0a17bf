//! What the session's script tests share: draining a session and picking its outputs.

use super::*;
use line_boundary::LineKind;
use media_engine::Slot;

/// Everything the session wants done, in order.
pub fn drain(session: &mut CallSession) -> Vec<Output> {
    std::iter::from_fn(|| session.poll_output()).collect()
}

/// What the session told the ACD.
pub fn acd_requests(outputs: &[Output]) -> Vec<AcdRequest> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Acd(request) => Some(request.clone()),
            _ => None,
        })
        .collect()
}

/// The media commands, in order.
pub fn media(outputs: &[Output]) -> Vec<MediaCommand> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Media(command) => Some(command.clone()),
            _ => None,
        })
        .collect()
}

/// The record, if the call ended.
pub fn ended(outputs: &[Output]) -> Option<&CallRecord> {
    outputs.iter().find_map(|o| match o {
        Output::Ended(record) => Some(record),
        _ => None,
    })
}

/// The switchboard grants a phone's line on `channel`.
pub fn phone(channel: ChannelId, slot: u16) -> LegGrant {
    LegGrant::Ring(Leg::new(
        channel,
        Slot(slot),
        LineKind::Fxs,
        LegRole::Destination,
    ))
}
