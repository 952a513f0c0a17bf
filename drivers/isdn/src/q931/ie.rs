//! Q.931 information elements (codeset 0) that basic call control on a PRI needs.
//!
//! Each element has a typed struct with `decode(contents)` (the octets after the length
//! octet) and `encode(&mut Writer)` (identifier, length and contents). Decoding checks
//! the content and reports [`IeErrorKind`] so that call control can answer with cause
//! 100 (content error) per Q.931 §5.8.6.2 / §5.8.7.2; it never panics.
//!
//! Octet layouts follow ITU-T Q.931 §4.5 and the ETSI EN 300 403-1 profile.

use super::writer::{EncodeError, Writer};
use line_boundary::Cause;

/// Identifiers of the variable-length elements of codeset 0 (Q.931 Table 4-3).
pub mod id {
    pub const BEARER_CAPABILITY: u8 = 0x04;
    pub const CAUSE: u8 = 0x08;
    pub const CALL_IDENTITY: u8 = 0x10;
    pub const CALL_STATE: u8 = 0x14;
    pub const CHANNEL_IDENTIFICATION: u8 = 0x18;
    pub const FACILITY: u8 = 0x1C;
    pub const PROGRESS_INDICATOR: u8 = 0x1E;
    pub const NETWORK_SPECIFIC_FACILITIES: u8 = 0x20;
    pub const NOTIFICATION_INDICATOR: u8 = 0x27;
    pub const DISPLAY: u8 = 0x28;
    pub const DATE_TIME: u8 = 0x29;
    pub const KEYPAD_FACILITY: u8 = 0x2C;
    pub const SIGNAL: u8 = 0x34;
    pub const CONNECTED_NUMBER: u8 = 0x4C;
    pub const CONNECTED_SUBADDRESS: u8 = 0x4D;
    pub const CALLING_PARTY_NUMBER: u8 = 0x6C;
    pub const CALLING_PARTY_SUBADDRESS: u8 = 0x6D;
    pub const CALLED_PARTY_NUMBER: u8 = 0x70;
    pub const CALLED_PARTY_SUBADDRESS: u8 = 0x71;
    pub const REDIRECTING_NUMBER: u8 = 0x74;
    pub const TRANSIT_NETWORK_SELECTION: u8 = 0x78;
    pub const RESTART_INDICATOR: u8 = 0x79;
    pub const LOW_LAYER_COMPATIBILITY: u8 = 0x7C;
    pub const HIGH_LAYER_COMPATIBILITY: u8 = 0x7D;
    pub const USER_USER: u8 = 0x7E;
    /// Single-octet element (type 2): Sending complete.
    pub const SENDING_COMPLETE: u8 = 0xA1;

    /// Elements Q.931/ETSI define that this stack parses no further than skipping: they
    /// are not "unrecognized" in the sense of §5.8.7.1, so they draw no STATUS cause 99.
    pub fn is_known_ignored(ie: u8) -> bool {
        matches!(
            ie,
            CALL_IDENTITY
                | FACILITY
                | NETWORK_SPECIFIC_FACILITIES
                | NOTIFICATION_INDICATOR
                | DATE_TIME
                | KEYPAD_FACILITY
                | SIGNAL
                | CONNECTED_NUMBER
                | CONNECTED_SUBADDRESS
                | CALLING_PARTY_SUBADDRESS
                | CALLED_PARTY_SUBADDRESS
                | TRANSIT_NETWORK_SELECTION
                | LOW_LAYER_COMPATIBILITY
                | HIGH_LAYER_COMPATIBILITY
                | USER_USER
        )
    }
}

/// Why an element's content was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IeErrorKind {
    /// Fewer octets than the element's mandatory fields.
    TooShort,
    /// More octets than the element can carry (or than this stack holds).
    TooLong,
    /// The length octet points past the end of the message.
    Truncated,
    /// A field has a value that is reserved or not implemented.
    BadValue,
}

/// Defines a code field as an enum with named values and `Other` for the rest.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, mask $mask:expr, { $($(#[$vm:meta])* $var:ident = $val:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// A value this stack gives no name (kept as received, masked to the field).
            Other(u8),
        }
        impl $name {
            /// The field's value from its bits (masked to the field width).
            pub fn from_bits(bits: u8) -> Self {
                match bits & $mask {
                    $($val => Self::$var,)*
                    other => Self::Other(other),
                }
            }
            /// The field's bits.
            pub fn bits(self) -> u8 {
                match self {
                    $(Self::$var => $val,)*
                    Self::Other(v) => v & $mask,
                }
            }
        }
    };
}

code_enum!(
    /// Coding standard (2 bits) of bearer capability, cause, progress indicator.
    CodingStandard, mask 0x03, {
        Itu = 0,
        Iso = 1,
        National = 2,
        Network = 3,
    }
);

code_enum!(
    /// Information transfer capability (bearer capability octet 3, 5 bits).
    TransferCapability, mask 0x1F, {
        Speech = 0x00,
        UnrestrictedDigital = 0x08,
        RestrictedDigital = 0x09,
        Audio3k1 = 0x10,
        Audio7k = 0x11,
        Video = 0x18,
    }
);

code_enum!(
    /// User information layer 1 protocol (bearer capability octet 5, 5 bits).
    Layer1Protocol, mask 0x1F, {
        V110 = 0x01,
        MuLaw = 0x02,
        ALaw = 0x03,
        G721 = 0x04,
    }
);

code_enum!(
    /// Location (4 bits) in cause and progress indicator (Q.850 §2.2.3).
    Location, mask 0x0F, {
        User = 0,
        PrivateLocal = 1,
        PublicLocal = 2,
        Transit = 3,
        PublicRemote = 4,
        PrivateRemote = 5,
        International = 7,
        BeyondInterworking = 10,
    }
);

code_enum!(
    /// Type of number (3 bits) of calling, called and redirecting numbers.
    TypeOfNumber, mask 0x07, {
        Unknown = 0,
        International = 1,
        National = 2,
        NetworkSpecific = 3,
        Subscriber = 4,
        Abbreviated = 6,
    }
);

code_enum!(
    /// Numbering plan identification (4 bits).
    NumberingPlan, mask 0x0F, {
        Unknown = 0,
        Isdn = 1,
        Data = 3,
        Telex = 4,
        National = 8,
        Private = 9,
    }
);

code_enum!(
    /// Presentation indicator (2 bits).
    PresentationIndicator, mask 0x03, {
        Allowed = 0,
        Restricted = 1,
        NotAvailable = 2,
    }
);

code_enum!(
    /// Screening indicator (2 bits).
    Screening, mask 0x03, {
        UserNotScreened = 0,
        UserVerifiedPassed = 1,
        UserVerifiedFailed = 2,
        Network = 3,
    }
);

code_enum!(
    /// Reason for redirection (4 bits, redirecting number octet 3b).
    RedirectReason, mask 0x0F, {
        Unknown = 0,
        Busy = 1,
        NoReply = 2,
        Deflection = 10,
        OutOfOrder = 9,
        Unconditional = 15,
    }
);

code_enum!(
    /// Progress description (7 bits).
    ProgressDescription, mask 0x7F, {
        NotEndToEndIsdn = 1,
        DestinationNotIsdn = 2,
        OriginationNotIsdn = 3,
        ReturnedToIsdn = 4,
        InterworkingChange = 5,
        InBandAvailable = 8,
    }
);

fn ext(octet: u8) -> bool {
    octet & 0x80 != 0
}

// ---------------------------------------------------------------------------------------
// Bearer capability

/// Bearer capability (Q.931 §4.5.5), the fields a voice PRI uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BearerCapability {
    pub coding_standard: CodingStandard,
    pub capability: TransferCapability,
    /// Transfer mode (2 bits): 0 = circuit mode.
    pub transfer_mode: u8,
    /// Information transfer rate (5 bits): 0x10 = 64 kbit/s.
    pub transfer_rate: u8,
    /// User information layer 1 protocol (octet 5), if present.
    pub layer1: Option<Layer1Protocol>,
}

impl BearerCapability {
    /// 64 kbit/s circuit-mode speech, G.711 A-law: what an E1 voice call carries.
    pub fn speech_alaw() -> Self {
        BearerCapability {
            coding_standard: CodingStandard::Itu,
            capability: TransferCapability::Speech,
            transfer_mode: 0,
            transfer_rate: 0x10,
            layer1: Some(Layer1Protocol::ALaw),
        }
    }

    /// Whether a voice box can carry this bearer: speech or 3.1 kHz audio, circuit mode,
    /// 64 kbit/s, A-law (or no layer 1 stated).
    pub fn is_voice(&self) -> bool {
        matches!(
            self.capability,
            TransferCapability::Speech | TransferCapability::Audio3k1
        ) && self.transfer_mode == 0
            && self.transfer_rate == 0x10
            && matches!(self.layer1, None | Some(Layer1Protocol::ALaw))
    }

    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        let (&o3, rest) = c.split_first().ok_or(IeErrorKind::TooShort)?;
        let (&o4, mut rest) = rest.split_first().ok_or(IeErrorKind::TooShort)?;
        if !ext(o3) {
            // Octet 3a does not exist in Q.931 (2000); reject rather than guess.
            return Err(IeErrorKind::BadValue);
        }
        let transfer_rate = o4 & 0x1F;
        if !ext(o4) || transfer_rate == 0x18 {
            // Octet 4.1 (rate multiplier) follows: skip it.
            let (_, r) = rest.split_first().ok_or(IeErrorKind::TooShort)?;
            rest = r;
        }
        let mut layer1 = None;
        if let Some((&o5, mut r)) = rest.split_first() {
            if (o5 >> 5) & 0x03 == 0x01 {
                layer1 = Some(Layer1Protocol::from_bits(o5));
                // Octets 5a..5d follow while the extension bit is 0: skipped.
                let mut last = o5;
                while !ext(last) {
                    match r.split_first() {
                        Some((&o, rr)) => {
                            last = o;
                            r = rr;
                        }
                        None => return Err(IeErrorKind::TooShort),
                    }
                }
            }
            // Layer 2 and 3 identification octets (6, 7) are accepted and ignored.
        }
        Ok(BearerCapability {
            coding_standard: CodingStandard::from_bits(o3 >> 5),
            capability: TransferCapability::from_bits(o3),
            transfer_mode: (o4 >> 5) & 0x03,
            transfer_rate,
            layer1,
        })
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let mut c: heapless::Vec<u8, 4> = heapless::Vec::new();
        let o3 = 0x80 | (self.coding_standard.bits() << 5) | self.capability.bits();
        let rate = self.transfer_rate & 0x1F;
        let o4 = 0x80 | ((self.transfer_mode & 0x03) << 5) | rate;
        let _ = c.push(o3);
        let _ = c.push(o4);
        if rate == 0x18 {
            // Multirate: a rate multiplier octet is required; we carry 1 x 64k.
            let _ = c.push(0x81);
        }
        if let Some(l1) = self.layer1 {
            let _ = c.push(0x80 | 0x20 | l1.bits());
        }
        w.ie(id::BEARER_CAPABILITY, &c)
    }
}

// ---------------------------------------------------------------------------------------
// Channel identification

/// Interface type (channel identification octet 3 bit 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterfaceType {
    Basic,
    /// Primary rate (and any other than basic).
    Primary,
}

/// Which channel the element names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelSelection {
    /// No channel.
    None,
    /// One B-channel: on a PRI the timeslot number (1..=31); on a basic interface 1 or 2.
    Channel(u8),
    /// Any channel.
    Any,
}

/// Channel identification (Q.931 §4.5.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelId {
    pub interface: InterfaceType,
    /// Explicit interface identifier (octet 3.1, 7 bits), for non-associated signalling.
    pub interface_id: Option<u8>,
    /// Exclusive (only this channel is acceptable) or preferred.
    pub exclusive: bool,
    /// The D-channel is indicated.
    pub d_channel: bool,
    pub selection: ChannelSelection,
}

impl ChannelId {
    /// One B-channel on this PRI.
    pub fn pri(channel: u8, exclusive: bool) -> Self {
        ChannelId {
            interface: InterfaceType::Primary,
            interface_id: None,
            exclusive,
            d_channel: false,
            selection: ChannelSelection::Channel(channel),
        }
    }

    /// The B-channel number, if exactly one is named.
    pub fn channel(&self) -> Option<u8> {
        match self.selection {
            ChannelSelection::Channel(n) => Some(n),
            _ => None,
        }
    }

    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        let (&o3, mut rest) = c.split_first().ok_or(IeErrorKind::TooShort)?;
        if !ext(o3) {
            return Err(IeErrorKind::BadValue);
        }
        let interface = if o3 & 0x20 != 0 {
            InterfaceType::Primary
        } else {
            InterfaceType::Basic
        };
        let mut interface_id = None;
        if o3 & 0x40 != 0 {
            let (&o31, r) = rest.split_first().ok_or(IeErrorKind::TooShort)?;
            if !ext(o31) {
                // Multi-octet interface identifiers are not supported.
                return Err(IeErrorKind::BadValue);
            }
            interface_id = Some(o31 & 0x7F);
            rest = r;
        }
        let sel = o3 & 0x03;
        let selection = match (interface, sel) {
            (_, 0) => ChannelSelection::None,
            (_, 3) => ChannelSelection::Any,
            (InterfaceType::Basic, n) => ChannelSelection::Channel(n),
            (InterfaceType::Primary, 1) => {
                let (&o32, r) = rest.split_first().ok_or(IeErrorKind::TooShort)?;
                // Octet 3.2: ITU coding, channel number (not map), B-channel units.
                if !ext(o32) || (o32 >> 5) & 0x03 != 0 || o32 & 0x10 != 0 || o32 & 0x0F != 0x03 {
                    return Err(IeErrorKind::BadValue);
                }
                let (&o33, r) = r.split_first().ok_or(IeErrorKind::TooShort)?;
                if !ext(o33) || !r.is_empty() {
                    // More than one channel number: not used for basic call.
                    return Err(IeErrorKind::BadValue);
                }
                rest = r;
                ChannelSelection::Channel(o33 & 0x7F)
            }
            (InterfaceType::Primary, _) => return Err(IeErrorKind::BadValue),
        };
        let _ = rest;
        Ok(ChannelId {
            interface,
            interface_id,
            exclusive: o3 & 0x08 != 0,
            d_channel: o3 & 0x04 != 0,
            selection,
        })
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let mut c: heapless::Vec<u8, 4> = heapless::Vec::new();
        let sel = match (self.interface, self.selection) {
            (_, ChannelSelection::None) => 0,
            (_, ChannelSelection::Any) => 3,
            (InterfaceType::Basic, ChannelSelection::Channel(n @ 1..=2)) => n,
            (InterfaceType::Basic, ChannelSelection::Channel(_)) => {
                return Err(EncodeError::InvalidField(
                    "basic-rate channel must be 1 or 2",
                ))
            }
            (InterfaceType::Primary, ChannelSelection::Channel(n)) if n & 0x80 == 0 => 1,
            (InterfaceType::Primary, ChannelSelection::Channel(_)) => {
                return Err(EncodeError::InvalidField("channel number above 127"))
            }
        };
        let mut o3 = 0x80 | sel;
        if self.interface_id.is_some() {
            o3 |= 0x40;
        }
        if self.interface == InterfaceType::Primary {
            o3 |= 0x20;
        }
        if self.exclusive {
            o3 |= 0x08;
        }
        if self.d_channel {
            o3 |= 0x04;
        }
        let _ = c.push(o3);
        if let Some(iid) = self.interface_id {
            let _ = c.push(0x80 | (iid & 0x7F));
        }
        if let (InterfaceType::Primary, ChannelSelection::Channel(n)) =
            (self.interface, self.selection)
        {
            let _ = c.push(0x83);
            let _ = c.push(0x80 | n);
        }
        w.ie(id::CHANNEL_IDENTIFICATION, &c)
    }
}

// ---------------------------------------------------------------------------------------
// Numbers

/// Longest digit string carried in a number element.
pub const MAX_DIGITS: usize = 32;

/// The IA5 digits of a number: 0-9, `*`, `#`.
pub type Digits = heapless::String<MAX_DIGITS>;

/// Presentation and screening (octet 3a of calling and redirecting numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presentation {
    pub indicator: PresentationIndicator,
    pub screening: Screening,
}

fn decode_digits(c: &[u8]) -> Result<Digits, IeErrorKind> {
    let mut digits = Digits::new();
    for &o in c {
        let ch = o as char;
        if !(ch.is_ascii_digit() || ch == '*' || ch == '#') {
            return Err(IeErrorKind::BadValue);
        }
        digits.push(ch).map_err(|_| IeErrorKind::TooLong)?;
    }
    Ok(digits)
}

fn check_digits(d: &str) -> Result<(), EncodeError> {
    if d.chars()
        .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
    {
        Ok(())
    } else {
        Err(EncodeError::InvalidField("number digit outside 0-9 * #"))
    }
}

/// Calling party number (Q.931 §4.5.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallingNumber {
    pub type_of_number: TypeOfNumber,
    pub plan: NumberingPlan,
    /// Octet 3a, when present.
    pub presentation: Option<Presentation>,
    pub digits: Digits,
}

impl CallingNumber {
    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        let (&o3, mut rest) = c.split_first().ok_or(IeErrorKind::TooShort)?;
        let mut presentation = None;
        if !ext(o3) {
            let (&o3a, r) = rest.split_first().ok_or(IeErrorKind::TooShort)?;
            if !ext(o3a) {
                return Err(IeErrorKind::BadValue);
            }
            presentation = Some(Presentation {
                indicator: PresentationIndicator::from_bits(o3a >> 5),
                screening: Screening::from_bits(o3a),
            });
            rest = r;
        }
        Ok(CallingNumber {
            type_of_number: TypeOfNumber::from_bits(o3 >> 4),
            plan: NumberingPlan::from_bits(o3),
            presentation,
            digits: decode_digits(rest)?,
        })
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        check_digits(&self.digits)?;
        let mut c: heapless::Vec<u8, { MAX_DIGITS + 2 }> = heapless::Vec::new();
        let o3 = (self.type_of_number.bits() << 4) | self.plan.bits();
        match self.presentation {
            Some(p) => {
                let _ = c.push(o3);
                let _ = c.push(0x80 | (p.indicator.bits() << 5) | p.screening.bits());
            }
            None => {
                let _ = c.push(0x80 | o3);
            }
        }
        let _ = c.extend_from_slice(self.digits.as_bytes());
        w.ie(id::CALLING_PARTY_NUMBER, &c)
    }
}

/// Called party number (Q.931 §4.5.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalledNumber {
    pub type_of_number: TypeOfNumber,
    pub plan: NumberingPlan,
    pub digits: Digits,
}

impl CalledNumber {
    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        let (&o3, rest) = c.split_first().ok_or(IeErrorKind::TooShort)?;
        if !ext(o3) {
            return Err(IeErrorKind::BadValue);
        }
        Ok(CalledNumber {
            type_of_number: TypeOfNumber::from_bits(o3 >> 4),
            plan: NumberingPlan::from_bits(o3),
            digits: decode_digits(rest)?,
        })
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        check_digits(&self.digits)?;
        let mut c: heapless::Vec<u8, { MAX_DIGITS + 1 }> = heapless::Vec::new();
        let _ = c.push(0x80 | (self.type_of_number.bits() << 4) | self.plan.bits());
        let _ = c.extend_from_slice(self.digits.as_bytes());
        w.ie(id::CALLED_PARTY_NUMBER, &c)
    }
}

/// Redirecting number (ITU-T Q.951, ETSI EN 300 207-1): who forwarded the call, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectingNumber {
    pub type_of_number: TypeOfNumber,
    pub plan: NumberingPlan,
    /// Octet 3a, when present.
    pub presentation: Option<Presentation>,
    /// Octet 3b, when present. Encoded only together with `presentation` (3b follows 3a).
    pub reason: Option<RedirectReason>,
    pub digits: Digits,
}

impl RedirectingNumber {
    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        let (&o3, mut rest) = c.split_first().ok_or(IeErrorKind::TooShort)?;
        let mut presentation = None;
        let mut reason = None;
        if !ext(o3) {
            let (&o3a, r) = rest.split_first().ok_or(IeErrorKind::TooShort)?;
            presentation = Some(Presentation {
                indicator: PresentationIndicator::from_bits(o3a >> 5),
                screening: Screening::from_bits(o3a),
            });
            rest = r;
            if !ext(o3a) {
                let (&o3b, r) = rest.split_first().ok_or(IeErrorKind::TooShort)?;
                if !ext(o3b) {
                    return Err(IeErrorKind::BadValue);
                }
                reason = Some(RedirectReason::from_bits(o3b));
                rest = r;
            }
        }
        Ok(RedirectingNumber {
            type_of_number: TypeOfNumber::from_bits(o3 >> 4),
            plan: NumberingPlan::from_bits(o3),
            presentation,
            reason,
            digits: decode_digits(rest)?,
        })
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        check_digits(&self.digits)?;
        let mut c: heapless::Vec<u8, { MAX_DIGITS + 3 }> = heapless::Vec::new();
        let o3 = (self.type_of_number.bits() << 4) | self.plan.bits();
        match (self.presentation, self.reason) {
            (None, _) => {
                let _ = c.push(0x80 | o3);
            }
            (Some(p), reason) => {
                let _ = c.push(o3);
                let o3a = (p.indicator.bits() << 5) | p.screening.bits();
                match reason {
                    None => {
                        let _ = c.push(0x80 | o3a);
                    }
                    Some(r) => {
                        let _ = c.push(o3a);
                        let _ = c.push(0x80 | r.bits());
                    }
                }
            }
        }
        let _ = c.extend_from_slice(self.digits.as_bytes());
        w.ie(id::REDIRECTING_NUMBER, &c)
    }
}

// ---------------------------------------------------------------------------------------
// Cause

/// Most diagnostic octets a cause element carries here.
pub const MAX_DIAGNOSTICS: usize = 28;

/// Cause (Q.931 §4.5.12, Q.850).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CauseIe {
    pub coding_standard: CodingStandard,
    pub location: Location,
    /// Octet 3a (recommendation), when present.
    pub recommendation: Option<u8>,
    /// The Q.850 value (1..=127).
    pub value: Cause,
    pub diagnostics: heapless::Vec<u8, MAX_DIAGNOSTICS>,
}

impl CauseIe {
    pub fn new(location: Location, value: Cause) -> Self {
        CauseIe {
            coding_standard: CodingStandard::Itu,
            location,
            recommendation: None,
            value,
            diagnostics: heapless::Vec::new(),
        }
    }

    /// With diagnostic octets (truncated to what fits).
    pub fn with_diagnostics(mut self, diagnostics: &[u8]) -> Self {
        for &d in diagnostics.iter().take(MAX_DIAGNOSTICS) {
            let _ = self.diagnostics.push(d);
        }
        self
    }

    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        let (&o3, mut rest) = c.split_first().ok_or(IeErrorKind::TooShort)?;
        let mut recommendation = None;
        if !ext(o3) {
            let (&o3a, r) = rest.split_first().ok_or(IeErrorKind::TooShort)?;
            if !ext(o3a) {
                return Err(IeErrorKind::BadValue);
            }
            recommendation = Some(o3a & 0x7F);
            rest = r;
        }
        let (&o4, rest) = rest.split_first().ok_or(IeErrorKind::TooShort)?;
        if !ext(o4) || o4 & 0x7F == 0 {
            return Err(IeErrorKind::BadValue);
        }
        let mut diagnostics = heapless::Vec::new();
        diagnostics
            .extend_from_slice(rest)
            .map_err(|_| IeErrorKind::TooLong)?;
        Ok(CauseIe {
            coding_standard: CodingStandard::from_bits(o3 >> 5),
            location: Location::from_bits(o3),
            recommendation,
            value: Cause(o4 & 0x7F),
            diagnostics,
        })
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.value.0 == 0 || self.value.0 > 127 {
            return Err(EncodeError::InvalidField("cause value outside 1..=127"));
        }
        let mut c: heapless::Vec<u8, { MAX_DIAGNOSTICS + 3 }> = heapless::Vec::new();
        let o3 = (self.coding_standard.bits() << 5) | self.location.bits();
        match self.recommendation {
            None => {
                let _ = c.push(0x80 | o3);
            }
            Some(r) => {
                let _ = c.push(o3);
                let _ = c.push(0x80 | (r & 0x7F));
            }
        }
        let _ = c.push(0x80 | self.value.0);
        let _ = c.extend_from_slice(&self.diagnostics);
        w.ie(id::CAUSE, &c)
    }
}

// ---------------------------------------------------------------------------------------
// Progress indicator, call state, restart indicator, display

/// Progress indicator (Q.931 §4.5.23).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressIndicator {
    pub coding_standard: CodingStandard,
    pub location: Location,
    pub description: ProgressDescription,
}

impl ProgressIndicator {
    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        match c {
            [o3, o4, ..] if ext(*o3) && ext(*o4) => Ok(ProgressIndicator {
                coding_standard: CodingStandard::from_bits(o3 >> 5),
                location: Location::from_bits(*o3),
                description: ProgressDescription::from_bits(*o4),
            }),
            [_, _, ..] => Err(IeErrorKind::BadValue),
            _ => Err(IeErrorKind::TooShort),
        }
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let o3 = 0x80 | (self.coding_standard.bits() << 5) | self.location.bits();
        let o4 = 0x80 | self.description.bits();
        w.ie(id::PROGRESS_INDICATOR, &[o3, o4])
    }
}

/// Call state (Q.931 §4.5.7): the 6-bit call state value (coding standard ITU).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallStateIe(pub u8);

impl CallStateIe {
    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        let (&o3, _) = c.split_first().ok_or(IeErrorKind::TooShort)?;
        Ok(CallStateIe(o3 & 0x3F))
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.ie(id::CALL_STATE, &[self.0 & 0x3F])
    }
}

/// Restart class (restart indicator, Q.931 §4.5.25).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartClass {
    /// The channels named in the channel identification element.
    Indicated,
    /// The whole interface the D-channel controls.
    SingleInterface,
    /// All interfaces.
    AllInterfaces,
}

impl RestartClass {
    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        let (&o3, _) = c.split_first().ok_or(IeErrorKind::TooShort)?;
        match o3 & 0x07 {
            0 => Ok(RestartClass::Indicated),
            6 => Ok(RestartClass::SingleInterface),
            7 => Ok(RestartClass::AllInterfaces),
            _ => Err(IeErrorKind::BadValue),
        }
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let class = match self {
            RestartClass::Indicated => 0,
            RestartClass::SingleInterface => 6,
            RestartClass::AllInterfaces => 7,
        };
        w.ie(id::RESTART_INDICATOR, &[0x80 | class])
    }
}

/// Longest display text (ETSI: 82 IA5 characters).
pub const MAX_DISPLAY: usize = 82;

/// Display (Q.931 §4.5.16): printable IA5 text, e.g. the caller's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Display(pub heapless::String<MAX_DISPLAY>);

impl Display {
    pub fn decode(c: &[u8]) -> Result<Self, IeErrorKind> {
        // Some networks put a character-set octet (bit 8 set) first: skip it.
        let c = match c.split_first() {
            Some((&first, rest)) if ext(first) => rest,
            _ => c,
        };
        let mut text = heapless::String::new();
        for &o in c {
            if !(0x20..=0x7E).contains(&o) {
                return Err(IeErrorKind::BadValue);
            }
            text.push(o as char).map_err(|_| IeErrorKind::TooLong)?;
        }
        Ok(Display(text))
    }

    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if !self.0.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
            return Err(EncodeError::InvalidField("display text not printable IA5"));
        }
        w.ie(id::DISPLAY, self.0.as_bytes())
    }
}
