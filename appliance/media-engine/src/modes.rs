//! The mixing modes a call center needs, as the `Connect` commands that make them.
//! Each adds to what the channels already hear; `Isolate` a channel to take it out.

use crate::messages::{EngineCommand, Gain, Slot};

fn connect(listener: Slot, source: Slot) -> EngineCommand {
    EngineCommand::Connect {
        listener,
        source,
        gain: Gain::UNITY,
    }
}

/// Listen (silent monitoring): the supervisor hears both parties; nobody hears the
/// supervisor.
pub fn listen(supervisor: Slot, parties: [Slot; 2]) -> [EngineCommand; 2] {
    parties.map(|party| connect(supervisor, party))
}

/// Whisper (coaching): as `listen`, and the agent hears the supervisor; the caller does
/// not.
pub fn whisper(supervisor: Slot, agent: Slot, caller: Slot) -> [EngineCommand; 3] {
    let [a, b] = listen(supervisor, [agent, caller]);
    [a, b, connect(agent, supervisor)]
}

/// Barge: the supervisor joins; all three hear each other.
pub fn barge(supervisor: Slot, parties: [Slot; 2]) -> [EngineCommand; 4] {
    let [a, b] = listen(supervisor, parties);
    [
        a,
        b,
        connect(parties[0], supervisor),
        connect(parties[1], supervisor),
    ]
}

/// Conference: every member hears every other member (not themselves). A member hears
/// at most `MAX_SOURCES` others, so a conference has at most `MAX_SOURCES + 1` members.
pub fn conference(members: &[Slot]) -> impl Iterator<Item = EngineCommand> + '_ {
    members.iter().flat_map(move |&listener| {
        members
            .iter()
            .filter(move |&&source| source != listener)
            .map(move |&source| connect(listener, source))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(commands: impl IntoIterator<Item = EngineCommand>) -> Vec<(u16, u16)> {
        commands
            .into_iter()
            .map(|c| match c {
                EngineCommand::Connect {
                    listener, source, ..
                } => (listener.0, source.0),
                other => panic!("not a connect: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn modes_are_the_connections_they_say() {
        let (sup, agent, caller) = (Slot(9), Slot(1), Slot(2));
        assert_eq!(pairs(listen(sup, [agent, caller])), [(9, 1), (9, 2)]);
        assert_eq!(pairs(whisper(sup, agent, caller)), [(9, 1), (9, 2), (1, 9)]);
        assert_eq!(
            pairs(barge(sup, [agent, caller])),
            [(9, 1), (9, 2), (1, 9), (2, 9)]
        );
        let members = [Slot(1), Slot(2), Slot(3)];
        assert_eq!(
            pairs(conference(&members)),
            [(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2)]
        );
    }
}
