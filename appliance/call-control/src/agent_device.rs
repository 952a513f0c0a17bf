//! Where an agent works. The ACD core knows a device only by its id (what the agent
//! logged in at); how the box reaches it and how it says it is busy or gone is the
//! device's business, behind [`AgentDevice`]. Today that is a phone on an FXS port
//! ([`FxsPhone`]); an audio-device headset or a SIP or browser softphone implements the
//! same trait (a number the switchboard routes to it, and the bus events of its line)
//! and the ACD does not change.

use events::Event;
use line_boundary::PhoneNumber;

/// What a device says on the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceSignal {
    /// It joined a call (busy) or left one.
    Leg { joined: bool },
    /// It went away (unplugged, out of service).
    Gone,
}

pub trait AgentDevice: Send {
    /// The id agents log in at (`*21` at this phone; `device` in the API).
    fn id(&self) -> &str;
    /// The number the switchboard routes to reach it: an offer rings this.
    fn reach(&self) -> Option<PhoneNumber>;
    /// What a bus event says about this device, if anything.
    fn signal(&self, event: &Event) -> Option<DeviceSignal>;
}

/// A phone on an FXS port: reached by its extension; its line is the bus channel
/// `DEVICE/1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxsPhone {
    pub extension: String,
    /// The bus's name of its line (`ChannelId` as text).
    pub channel: String,
}

impl AgentDevice for FxsPhone {
    fn id(&self) -> &str {
        &self.extension
    }

    fn reach(&self) -> Option<PhoneNumber> {
        PhoneNumber::parse(&self.extension).ok()
    }

    fn signal(&self, event: &Event) -> Option<DeviceSignal> {
        match event {
            Event::LegJoined { channel, .. } if *channel == self.channel => {
                Some(DeviceSignal::Leg { joined: true })
            }
            Event::LegLeft { channel, .. } if *channel == self.channel => {
                Some(DeviceSignal::Leg { joined: false })
            }
            Event::LineStateChanged { channel, state, .. }
                if *channel == self.channel && state == "unplugged" =>
            {
                Some(DeviceSignal::Gone)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_reads_its_own_lines_events_only() {
        let phone = FxsPhone {
            extension: "203".into(),
            channel: "3/1".into(),
        };
        let leg = |channel: &str| Event::LegJoined {
            call: "c1".into(),
            channel: channel.into(),
            role: events::LegRole::Origin,
        };
        assert_eq!(
            phone.signal(&leg("3/1")),
            Some(DeviceSignal::Leg { joined: true })
        );
        assert_eq!(phone.signal(&leg("4/1")), None);
        let line = |state: &str| Event::LineStateChanged {
            channel: "3/1".into(),
            kind: events::LineKind::Fxs,
            state: state.into(),
        };
        assert_eq!(phone.signal(&line("unplugged")), Some(DeviceSignal::Gone));
        assert_eq!(phone.signal(&line("ringing")), None);
        assert_eq!(phone.reach(), PhoneNumber::parse("203").ok());
    }
}
