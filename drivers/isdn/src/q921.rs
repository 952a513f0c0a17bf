//! Q.921 (LAPD) data link layer, sans-IO, point-to-point on SAPI 0 / TEI 0, as used on
//! an E1 PRI D-channel. Both roles: [`Role::User`] (TE) and [`Role::Network`] (NT); the
//! role only decides the command/response bit (Q.921 §3.3.3).
//!
//! Shape (quinn-proto's `Connection`): feed [`Lapd::handle_frame`] (a frame as
//! delivered by HDLC, FCS already checked and removed), [`Lapd::handle_timeout`] and the
//! layer-3 / layer-1 requests; drain [`Lapd::poll_transmit`], [`Lapd::poll_event`] and
//! [`Lapd::poll_timeout`]. Time is the caller's `now_ms`; nothing here reads a clock.
//!
//! Procedures implemented (Q.921 §5, ETSI EN 300 125), modulo 128: establishment
//! (SABME/UA/DM), release (DISC/UA/DM), I frames with a window of `k`, RR/RNR/REJ,
//! T200 retransmission with N200 retries and timer recovery by enquiry, T203 idle
//! supervision, REJ recovery, frame rejection conditions (§5.8.5: MDL-ERROR and
//! re-establishment; FRMR is accepted but never sent), link re-establishment after
//! layer-1 loss. The link is *persistent* once layer 3 asked for it ([`Lapd::establish`]
//! or [`Lapd::send`]): after a failed establishment it retries every T200, and after a
//! layer-1 loss it re-establishes as soon as layer 1 is back. [`Lapd::release`] ends
//! that. There is no local receiver-busy condition: received data is queued as events.
//!
//! Nothing on the frame path allocates: frames and payloads are `heapless` buffers.

use heapless::{Deque, Vec};

pub use crate::hdlc::{Frame, MAX_FRAME_LEN};

/// Maximum information field (N201).
pub const N201: usize = 260;
/// SAPI of call control (Q.931).
pub const SAPI_CALL_CONTROL: u8 = 0;
/// TEI of a point-to-point link.
pub const TEI_POINT_TO_POINT: u8 = 0;
/// Largest window `k` accepted (larger values are clamped).
pub const MAX_K: u8 = 16;

const I_QUEUE: usize = 32;
const TX_QUEUE: usize = 24;
const EVENT_QUEUE: usize = 32;

/// An information field: one layer-3 message.
pub type Info = Vec<u8, N201>;

// ---------------------------------------------------------------------------------
// Frame codec
// ---------------------------------------------------------------------------------

/// Address field (2 octets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    /// Service access point identifier, 0..=63.
    pub sapi: u8,
    /// The C/R bit as transmitted.
    pub cr: bool,
    /// Terminal endpoint identifier, 0..=127.
    pub tei: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supervisory {
    Rr,
    Rnr,
    Rej,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unnumbered {
    Sabme,
    Dm,
    Ui,
    Disc,
    Ua,
    Frmr,
    Xid,
}

/// Control field, modulo 128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    I { ns: u8, nr: u8, p: bool },
    S { kind: Supervisory, nr: u8, pf: bool },
    U { kind: Unnumbered, pf: bool },
}

/// A decoded frame borrowing its information field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LapdFrame<'a> {
    pub address: Address,
    pub control: Control,
    pub info: &'a [u8],
}

/// Why a frame could not be decoded. The first two make it an *invalid frame*
/// (Q.921 §2.9: ignored); the others are *frame rejection conditions* (§5.8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("frame too short ({len} octets)")]
    TooShort { len: usize },
    #[error("address field extension bits invalid")]
    BadAddress,
    #[error("undefined control field {0:#04x}")]
    UndefinedControl(u8),
    #[error("information field not permitted in this frame")]
    InfoNotPermitted,
    #[error("supervisory frame of incorrect length ({len} octets)")]
    IncorrectLength { len: usize },
    #[error("information field of {len} octets exceeds N201 = {N201}")]
    InfoTooLong { len: usize },
}

impl DecodeError {
    /// True for frame rejection conditions (as opposed to invalid frames).
    pub fn is_rejection(&self) -> bool {
        !matches!(self, DecodeError::TooShort { .. } | DecodeError::BadAddress)
    }
}

/// Why a frame could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("field out of range (SAPI ≤ 63, TEI ≤ 127, N(S)/N(R) ≤ 127)")]
    FieldOutOfRange,
    #[error("information field of {len} octets too long")]
    InfoTooLong { len: usize },
    #[error("information field not permitted in this frame")]
    InfoNotPermitted,
}

const U_SABME: u8 = 0x6F;
const U_DM: u8 = 0x0F;
const U_UI: u8 = 0x03;
const U_DISC: u8 = 0x43;
const U_UA: u8 = 0x63;
const U_FRMR: u8 = 0x87;
const U_XID: u8 = 0xAF;
const PF_U: u8 = 0x10;

fn u_code(kind: Unnumbered) -> u8 {
    match kind {
        Unnumbered::Sabme => U_SABME,
        Unnumbered::Dm => U_DM,
        Unnumbered::Ui => U_UI,
        Unnumbered::Disc => U_DISC,
        Unnumbered::Ua => U_UA,
        Unnumbered::Frmr => U_FRMR,
        Unnumbered::Xid => U_XID,
    }
}

fn u_allows_info(kind: Unnumbered) -> bool {
    matches!(kind, Unnumbered::Ui | Unnumbered::Frmr | Unnumbered::Xid)
}

fn s_code(kind: Supervisory) -> u8 {
    match kind {
        Supervisory::Rr => 0x01,
        Supervisory::Rnr => 0x05,
        Supervisory::Rej => 0x09,
    }
}

/// Decode a frame (FCS excluded). Never panics.
pub fn decode(bytes: &[u8]) -> Result<LapdFrame<'_>, DecodeError> {
    let &[a0, a1, c0, ..] = bytes else {
        return Err(DecodeError::TooShort { len: bytes.len() });
    };
    if a0 & 1 != 0 || a1 & 1 != 1 {
        return Err(DecodeError::BadAddress);
    }
    let address = Address {
        sapi: a0 >> 2,
        cr: a0 & 2 != 0,
        tei: a1 >> 1,
    };
    if c0 & 1 == 0 {
        let Some(&c1) = bytes.get(3) else {
            return Err(DecodeError::TooShort { len: bytes.len() });
        };
        let info = &bytes[4..];
        if info.len() > N201 {
            return Err(DecodeError::InfoTooLong { len: info.len() });
        }
        let control = Control::I {
            ns: c0 >> 1,
            nr: c1 >> 1,
            p: c1 & 1 != 0,
        };
        return Ok(LapdFrame {
            address,
            control,
            info,
        });
    }
    if c0 & 3 == 1 {
        let kind = match c0 {
            0x01 => Supervisory::Rr,
            0x05 => Supervisory::Rnr,
            0x09 => Supervisory::Rej,
            other => return Err(DecodeError::UndefinedControl(other)),
        };
        let Some(&c1) = bytes.get(3) else {
            return Err(DecodeError::TooShort { len: bytes.len() });
        };
        if bytes.len() != 4 {
            return Err(DecodeError::IncorrectLength { len: bytes.len() });
        }
        let control = Control::S {
            kind,
            nr: c1 >> 1,
            pf: c1 & 1 != 0,
        };
        return Ok(LapdFrame {
            address,
            control,
            info: &[],
        });
    }
    let kind = match c0 & !PF_U {
        U_SABME => Unnumbered::Sabme,
        U_DM => Unnumbered::Dm,
        U_UI => Unnumbered::Ui,
        U_DISC => Unnumbered::Disc,
        U_UA => Unnumbered::Ua,
        U_FRMR => Unnumbered::Frmr,
        U_XID => Unnumbered::Xid,
        _ => return Err(DecodeError::UndefinedControl(c0)),
    };
    let info = &bytes[3..];
    if !u_allows_info(kind) && !info.is_empty() {
        return Err(DecodeError::InfoNotPermitted);
    }
    if info.len() > N201 {
        return Err(DecodeError::InfoTooLong { len: info.len() });
    }
    Ok(LapdFrame {
        address,
        control: Control::U {
            kind,
            pf: c0 & PF_U != 0,
        },
        info,
    })
}

impl LapdFrame<'_> {
    /// Encode (FCS excluded).
    pub fn encode(&self) -> Result<Frame, EncodeError> {
        let a = self.address;
        if a.sapi > 63 || a.tei > 127 {
            return Err(EncodeError::FieldOutOfRange);
        }
        if self.info.len() > N201 {
            return Err(EncodeError::InfoTooLong {
                len: self.info.len(),
            });
        }
        let mut out = Frame::new();
        let mut push = |b: u8| {
            out.push(b).map_err(|_| EncodeError::InfoTooLong {
                len: self.info.len(),
            })
        };
        push((a.sapi << 2) | (u8::from(a.cr) << 1))?;
        push((a.tei << 1) | 1)?;
        match self.control {
            Control::I { ns, nr, p } => {
                if ns > 127 || nr > 127 {
                    return Err(EncodeError::FieldOutOfRange);
                }
                push(ns << 1)?;
                push((nr << 1) | u8::from(p))?;
            }
            Control::S { kind, nr, pf } => {
                if nr > 127 {
                    return Err(EncodeError::FieldOutOfRange);
                }
                if !self.info.is_empty() {
                    return Err(EncodeError::InfoNotPermitted);
                }
                push(s_code(kind))?;
                push((nr << 1) | u8::from(pf))?;
            }
            Control::U { kind, pf } => {
                if !u_allows_info(kind) && !self.info.is_empty() {
                    return Err(EncodeError::InfoNotPermitted);
                }
                push(u_code(kind) | if pf { PF_U } else { 0 })?;
            }
        }
        out.extend_from_slice(self.info)
            .map_err(|_| EncodeError::InfoTooLong {
                len: self.info.len(),
            })?;
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------
// Data link state machine
// ---------------------------------------------------------------------------------

/// Which side of the user-network interface this entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// TE: commands carry C/R = 0, responses C/R = 1.
    User,
    /// NT: commands carry C/R = 1, responses C/R = 0.
    Network,
}

/// System parameters (Q.921 §5.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    pub t200_ms: u64,
    pub n200: u8,
    pub t203_ms: u64,
    /// Window: maximum outstanding I frames (1..=[`MAX_K`]).
    pub k: u8,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            t200_ms: 1000,
            n200: 3,
            t203_ms: 10000,
            k: 7,
        }
    }
}

/// Data link states (Q.921 Annex B numbering in the docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LapdState {
    /// State 4: TEI assigned, no multiple-frame operation.
    TeiAssigned,
    /// State 5: SABME sent, waiting for UA.
    AwaitingEstablishment,
    /// State 6: DISC sent, waiting for UA.
    AwaitingRelease,
    /// State 7.
    MultipleFrameEstablished,
    /// State 8: T200 expired, enquiring the peer.
    TimerRecovery,
}

/// MDL-ERROR indications (Q.921 Table II.1), by error code letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MdlError {
    #[error("A: unsolicited supervisory response with F=1")]
    UnsolicitedSupervisoryResponse,
    #[error("B: unsolicited DM response with F=1")]
    UnsolicitedDmF1,
    #[error("C/D: unsolicited UA response")]
    UnsolicitedUa,
    #[error("E: DM response with F=0 while established (peer lost the link)")]
    UnsolicitedDmF0,
    #[error("F: SABME while established (peer re-established the link)")]
    PeerReestablished,
    #[error("G: no UA after N200 SABME")]
    EstablishTimeout,
    #[error("H: no UA after N200 DISC")]
    ReleaseTimeout,
    #[error("I: no answer to N200 status enquiries")]
    EnquiryTimeout,
    #[error("J: N(R) sequence error")]
    InvalidNr,
    #[error("K: FRMR received")]
    FrmrReceived,
    #[error("L: undefined control field")]
    UndefinedControl,
    #[error("M: information field not permitted")]
    InfoNotPermitted,
    #[error("N: incorrect frame length")]
    IncorrectLength,
    #[error("O: information field exceeds N201")]
    InfoTooLong,
}

impl MdlError {
    /// The Q.921 error code letter.
    pub fn code(&self) -> char {
        match self {
            MdlError::UnsolicitedSupervisoryResponse => 'A',
            MdlError::UnsolicitedDmF1 => 'B',
            MdlError::UnsolicitedUa => 'C',
            MdlError::UnsolicitedDmF0 => 'E',
            MdlError::PeerReestablished => 'F',
            MdlError::EstablishTimeout => 'G',
            MdlError::ReleaseTimeout => 'H',
            MdlError::EnquiryTimeout => 'I',
            MdlError::InvalidNr => 'J',
            MdlError::FrmrReceived => 'K',
            MdlError::UndefinedControl => 'L',
            MdlError::InfoNotPermitted => 'M',
            MdlError::IncorrectLength => 'N',
            MdlError::InfoTooLong => 'O',
        }
    }
}

/// What the data link tells layer 3 (and management).
// `Data` is large on purpose: payloads live inline, nothing on the frame path allocates.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LapdEvent {
    /// DL-ESTABLISH indication/confirm: multiple-frame operation is up. Also sent
    /// again after a re-establishment that lost unacknowledged I frames.
    Established,
    /// DL-RELEASE indication/confirm: multiple-frame operation is down.
    Released,
    /// DL-DATA indication: one received layer-3 message, in order, exactly once.
    Data(Info),
    /// MDL-ERROR indication (informational; recovery is automatic).
    Error(MdlError),
}

/// Why a DL-DATA request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LapdError {
    #[error("message of {len} octets exceeds N201 = {N201}")]
    TooLong { len: usize },
    #[error("transmit queue full ({I_QUEUE} messages)")]
    QueueFull,
    #[error("data link is being released")]
    Releasing,
}

/// One LAPD data link entity (SAPI 0, TEI 0).
pub struct Lapd {
    role: Role,
    timers: Timers,
    state: LapdState,
    now: u64,
    physical_up: bool,
    /// Layer 3 wants the link up: retry after failures and layer-1 loss.
    persistent: bool,
    /// The current establishment was requested by layer 3.
    l3_initiated: bool,
    /// Layer 3 was last told `Established` (and not `Released` since).
    announced: bool,
    vs: u8,
    va: u8,
    vr: u8,
    rc: u8,
    peer_busy: bool,
    reject_exception: bool,
    ack_pending: bool,
    t200: Option<u64>,
    t203: Option<u64>,
    retry: Option<u64>,
    /// I frames: the first V(S)−V(A) are sent and unacknowledged, the rest waiting.
    iqueue: Deque<Info, I_QUEUE>,
    tx: Deque<Frame, TX_QUEUE>,
    events: Deque<LapdEvent, EVENT_QUEUE>,
    lost: u64,
}

fn seq(x: u8) -> u8 {
    x & 0x7F
}

impl Lapd {
    /// A data link in state TEI-assigned with layer 1 up, not yet established.
    pub fn new(role: Role, timers: Timers) -> Self {
        let timers = Timers {
            k: timers.k.clamp(1, MAX_K),
            ..timers
        };
        Lapd {
            role,
            timers,
            state: LapdState::TeiAssigned,
            now: 0,
            physical_up: true,
            persistent: false,
            l3_initiated: false,
            announced: false,
            vs: 0,
            va: 0,
            vr: 0,
            rc: 0,
            peer_busy: false,
            reject_exception: false,
            ack_pending: false,
            t200: None,
            t203: None,
            retry: None,
            iqueue: Deque::new(),
            tx: Deque::new(),
            events: Deque::new(),
            lost: 0,
        }
    }

    pub fn state(&self) -> LapdState {
        self.state
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn timers(&self) -> Timers {
        self.timers
    }

    pub fn is_physical_up(&self) -> bool {
        self.physical_up
    }

    /// True in MultipleFrameEstablished or TimerRecovery.
    pub fn is_established(&self) -> bool {
        matches!(
            self.state,
            LapdState::MultipleFrameEstablished | LapdState::TimerRecovery
        )
    }

    /// Frames or events dropped because the caller did not drain the poll queues.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Messages queued for transmission or awaiting acknowledgement.
    pub fn queued(&self) -> usize {
        self.iqueue.len()
    }

    // ----- outputs -----

    /// Next frame to hand to HDLC (FCS excluded).
    ///
    /// An I frame received is acknowledged here rather than at once: layer 3 usually
    /// answers it first (CALL PROCEEDING after SETUP), and that I frame then carries the
    /// acknowledgement, so no RR is needed (Q.921 §5.5.2: RR only when there is no I
    /// frame to send). Nothing waits: the RR, when needed, goes out in the same poll.
    pub fn poll_transmit(&mut self) -> Option<Frame> {
        if self.tx.is_empty() && self.ack_pending {
            self.ack_pending = false;
            if self.is_established() {
                self.send_s(Supervisory::Rr, false, false);
            }
        }
        self.tx.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<LapdEvent> {
        self.events.pop_front()
    }

    /// Earliest deadline at which [`Lapd::handle_timeout`] must be called.
    pub fn poll_timeout(&self) -> Option<u64> {
        [self.t200, self.t203, self.retry]
            .into_iter()
            .flatten()
            .min()
    }

    // ----- inputs -----

    /// DL-ESTABLISH request. From an established link this resets it (I queue discarded).
    pub fn establish(&mut self, now_ms: u64) {
        self.now = now_ms;
        self.persistent = true;
        if !self.physical_up {
            return;
        }
        match self.state {
            LapdState::TeiAssigned => {
                self.l3_initiated = true;
                self.establish_data_link();
                self.state = LapdState::AwaitingEstablishment;
            }
            LapdState::AwaitingEstablishment => {
                self.l3_initiated = true;
            }
            LapdState::AwaitingRelease => {}
            LapdState::MultipleFrameEstablished | LapdState::TimerRecovery => {
                self.discard_iqueue();
                self.l3_initiated = true;
                self.establish_data_link();
                self.state = LapdState::AwaitingEstablishment;
            }
        }
    }

    /// DL-RELEASE request. Always answered by [`LapdEvent::Released`].
    pub fn release(&mut self, now_ms: u64) {
        self.now = now_ms;
        self.persistent = false;
        self.retry = None;
        match self.state {
            LapdState::TeiAssigned => {
                self.discard_iqueue();
                self.announced = false;
                self.event(LapdEvent::Released);
            }
            LapdState::AwaitingRelease => {}
            LapdState::AwaitingEstablishment
            | LapdState::MultipleFrameEstablished
            | LapdState::TimerRecovery => {
                self.discard_iqueue();
                self.rc = 0;
                self.send_u(Unnumbered::Disc, true, true);
                self.t203 = None;
                self.start_t200();
                self.state = LapdState::AwaitingRelease;
            }
        }
    }

    /// DL-DATA request: queue one layer-3 message. In TEI-assigned state this also
    /// starts establishment; it is sent once the link is up.
    pub fn send(&mut self, now_ms: u64, message: &[u8]) -> Result<(), LapdError> {
        self.now = now_ms;
        if message.len() > N201 {
            return Err(LapdError::TooLong { len: message.len() });
        }
        if self.state == LapdState::AwaitingRelease {
            return Err(LapdError::Releasing);
        }
        let mut info = Info::new();
        info.extend_from_slice(message)
            .map_err(|_| LapdError::TooLong { len: message.len() })?;
        self.iqueue
            .push_back(info)
            .map_err(|_| LapdError::QueueFull)?;
        self.persistent = true;
        if self.state == LapdState::TeiAssigned && self.physical_up {
            self.l3_initiated = true;
            self.establish_data_link();
            self.state = LapdState::AwaitingEstablishment;
        }
        self.after_input();
        Ok(())
    }

    /// Layer 1 lost (LOS/AIS on the span): the link is released and, if it was up or
    /// wanted, re-established once [`Lapd::physical_up`] is called.
    pub fn physical_down(&mut self, now_ms: u64) {
        self.now = now_ms;
        if !self.physical_up {
            return;
        }
        self.physical_up = false;
        if self.is_established() {
            self.persistent = true;
        }
        let tell = self.announced
            || (self.state == LapdState::AwaitingEstablishment && self.l3_initiated)
            || self.state == LapdState::AwaitingRelease;
        if self.state == LapdState::AwaitingRelease {
            self.persistent = false;
        }
        self.tx.clear();
        self.discard_iqueue();
        self.stop_all_timers();
        self.state = LapdState::TeiAssigned;
        self.l3_initiated = false;
        self.reset_exceptions();
        if tell {
            self.announced = false;
            self.event(LapdEvent::Released);
        }
    }

    /// Layer 1 restored.
    pub fn physical_up(&mut self, now_ms: u64) {
        self.now = now_ms;
        if self.physical_up {
            return;
        }
        self.physical_up = true;
        if self.persistent && self.state == LapdState::TeiAssigned {
            self.l3_initiated = false;
            self.establish_data_link();
            self.state = LapdState::AwaitingEstablishment;
        }
    }

    /// Run expired timers. Call at (or after) [`Lapd::poll_timeout`].
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.now = now_ms;
        if self.t200.is_some_and(|t| t <= now_ms) {
            self.t200 = None;
            self.on_t200();
        }
        if self.t203.is_some_and(|t| t <= now_ms) {
            self.t203 = None;
            self.on_t203();
        }
        if self.retry.is_some_and(|t| t <= now_ms) {
            self.retry = None;
            if self.state == LapdState::TeiAssigned && self.persistent && self.physical_up {
                self.l3_initiated = false;
                self.establish_data_link();
                self.state = LapdState::AwaitingEstablishment;
            }
        }
        self.after_input();
    }

    /// A received frame (FCS already checked and removed by HDLC). Never panics;
    /// invalid frames are ignored and frame rejection conditions handled per §5.8.5.
    pub fn handle_frame(&mut self, now_ms: u64, bytes: &[u8]) {
        self.now = now_ms;
        if !self.physical_up {
            return;
        }
        // Only our data link: SAPI 0, TEI 0 (address checked before the control field).
        match bytes {
            [a0, a1, ..] if a0 >> 2 == SAPI_CALL_CONTROL && a1 >> 1 == TEI_POINT_TO_POINT => {}
            _ => return,
        }
        let frame = match decode(bytes) {
            Ok(f) => f,
            Err(e) => {
                let code = match e {
                    DecodeError::TooShort { .. } | DecodeError::BadAddress => return,
                    DecodeError::UndefinedControl(_) => MdlError::UndefinedControl,
                    DecodeError::InfoNotPermitted => MdlError::InfoNotPermitted,
                    DecodeError::IncorrectLength { .. } => MdlError::IncorrectLength,
                    DecodeError::InfoTooLong { .. } => MdlError::InfoTooLong,
                };
                if self.is_established() {
                    self.event(LapdEvent::Error(code));
                    self.reestablish();
                }
                self.after_input();
                return;
            }
        };
        let command = match self.role {
            Role::User => frame.address.cr,
            Role::Network => !frame.address.cr,
        };
        match frame.control {
            Control::U { kind, pf } => match (kind, command) {
                (Unnumbered::Sabme, true) => self.on_sabme(pf),
                (Unnumbered::Disc, true) => self.on_disc(pf),
                (Unnumbered::Ua, false) => self.on_ua(pf),
                (Unnumbered::Dm, false) => self.on_dm(pf),
                (Unnumbered::Frmr, false) if self.is_established() => {
                    self.event(LapdEvent::Error(MdlError::FrmrReceived));
                    self.reestablish();
                }
                // UI and XID are not used on this link; wrong C/R: ignored.
                _ => {}
            },
            Control::S { kind, nr, pf } => self.on_supervisory(kind, command, nr, pf),
            Control::I { ns, nr, p } => {
                if command {
                    self.on_i(ns, nr, p, frame.info);
                }
            }
        }
        self.after_input();
    }

    // ----- frame handlers -----

    fn on_sabme(&mut self, p: bool) {
        match self.state {
            LapdState::TeiAssigned => {
                self.send_u(Unnumbered::Ua, false, p);
                self.enter_established();
                self.retry = None;
                if !self.announced {
                    self.announced = true;
                    self.event(LapdEvent::Established);
                }
            }
            LapdState::AwaitingEstablishment => self.send_u(Unnumbered::Ua, false, p),
            LapdState::AwaitingRelease => self.send_u(Unnumbered::Dm, false, p),
            LapdState::MultipleFrameEstablished | LapdState::TimerRecovery => {
                self.send_u(Unnumbered::Ua, false, p);
                self.event(LapdEvent::Error(MdlError::PeerReestablished));
                let lost = self.vs != self.va;
                if lost {
                    self.discard_iqueue();
                    self.event(LapdEvent::Established);
                }
                self.enter_established();
            }
        }
    }

    fn on_disc(&mut self, p: bool) {
        match self.state {
            LapdState::TeiAssigned | LapdState::AwaitingEstablishment => {
                self.send_u(Unnumbered::Dm, false, p)
            }
            LapdState::AwaitingRelease => self.send_u(Unnumbered::Ua, false, p),
            LapdState::MultipleFrameEstablished | LapdState::TimerRecovery => {
                self.discard_iqueue();
                self.send_u(Unnumbered::Ua, false, p);
                self.stop_all_timers();
                self.state = LapdState::TeiAssigned;
                self.announce_released();
            }
        }
    }

    fn on_ua(&mut self, f: bool) {
        match self.state {
            LapdState::AwaitingEstablishment if f => {
                let lost = self.vs != self.va;
                if lost {
                    self.discard_iqueue();
                }
                let tell = lost || self.l3_initiated || !self.announced;
                self.enter_established();
                self.l3_initiated = false;
                if tell {
                    self.announced = true;
                    self.event(LapdEvent::Established);
                }
            }
            LapdState::AwaitingRelease if f => {
                self.stop_all_timers();
                self.state = LapdState::TeiAssigned;
                self.announced = false;
                self.event(LapdEvent::Released);
            }
            _ => self.event(LapdEvent::Error(MdlError::UnsolicitedUa)),
        }
    }

    fn on_dm(&mut self, f: bool) {
        match self.state {
            LapdState::TeiAssigned => {
                if !f && self.persistent {
                    self.l3_initiated = false;
                    self.establish_data_link();
                    self.state = LapdState::AwaitingEstablishment;
                }
            }
            LapdState::AwaitingEstablishment => {
                if f {
                    self.discard_iqueue();
                    self.stop_all_timers();
                    self.state = LapdState::TeiAssigned;
                    let tell = self.announced || self.l3_initiated;
                    self.l3_initiated = false;
                    if tell {
                        self.announced = false;
                        self.event(LapdEvent::Released);
                    }
                    self.schedule_retry();
                }
            }
            LapdState::AwaitingRelease => {
                if f {
                    self.stop_all_timers();
                    self.state = LapdState::TeiAssigned;
                    self.announced = false;
                    self.event(LapdEvent::Released);
                }
            }
            LapdState::MultipleFrameEstablished | LapdState::TimerRecovery => {
                let code = if f {
                    MdlError::UnsolicitedDmF1
                } else {
                    MdlError::UnsolicitedDmF0
                };
                self.event(LapdEvent::Error(code));
                self.reestablish();
            }
        }
    }

    fn on_supervisory(&mut self, kind: Supervisory, command: bool, nr: u8, pf: bool) {
        match self.state {
            LapdState::TeiAssigned => {
                if command && pf {
                    self.send_u(Unnumbered::Dm, false, true);
                }
                return;
            }
            LapdState::AwaitingEstablishment | LapdState::AwaitingRelease => return,
            LapdState::MultipleFrameEstablished | LapdState::TimerRecovery => {}
        }
        self.peer_busy = kind == Supervisory::Rnr;
        if command && pf {
            self.enquiry_response();
        }
        if !self.nr_valid(nr) {
            self.nr_error_recovery();
            return;
        }
        if self.state == LapdState::MultipleFrameEstablished {
            if !command && pf {
                self.event(LapdEvent::Error(MdlError::UnsolicitedSupervisoryResponse));
            }
            match kind {
                Supervisory::Rr => self.ack_to(nr),
                Supervisory::Rnr => {
                    self.set_va(nr);
                    self.t203 = None;
                    self.start_t200();
                }
                Supervisory::Rej => {
                    self.set_va(nr);
                    self.t200 = None;
                    self.start_t203();
                    self.invoke_retransmission();
                }
            }
        } else if !command && pf {
            // Answer to our enquiry: leave timer recovery.
            self.set_va(nr);
            if kind == Supervisory::Rnr {
                self.start_t200();
            } else {
                self.t200 = None;
                self.start_t203();
            }
            self.invoke_retransmission();
            self.state = LapdState::MultipleFrameEstablished;
        } else {
            self.set_va(nr);
        }
    }

    fn on_i(&mut self, ns: u8, nr: u8, p: bool, info: &[u8]) {
        match self.state {
            LapdState::TeiAssigned => {
                if p {
                    self.send_u(Unnumbered::Dm, false, true);
                }
                return;
            }
            LapdState::AwaitingEstablishment | LapdState::AwaitingRelease => return,
            LapdState::MultipleFrameEstablished | LapdState::TimerRecovery => {}
        }
        if ns == self.vr {
            self.vr = seq(self.vr + 1);
            self.reject_exception = false;
            let mut data = Info::new();
            // Cannot fail: decode bounds info to N201.
            let _ = data.extend_from_slice(info);
            self.event(LapdEvent::Data(data));
            if p {
                self.enquiry_response();
            } else {
                self.ack_pending = true;
            }
        } else if self.reject_exception {
            if p {
                self.enquiry_response();
            }
        } else {
            self.reject_exception = true;
            self.send_s(Supervisory::Rej, false, p);
        }
        if !self.nr_valid(nr) {
            self.nr_error_recovery();
            return;
        }
        if self.state == LapdState::MultipleFrameEstablished && !self.peer_busy {
            self.ack_to(nr);
        } else {
            self.set_va(nr);
        }
    }

    // ----- timers -----

    fn on_t200(&mut self) {
        match self.state {
            LapdState::TeiAssigned => {}
            LapdState::AwaitingEstablishment => {
                if self.rc >= self.timers.n200 {
                    self.discard_iqueue();
                    self.event(LapdEvent::Error(MdlError::EstablishTimeout));
                    self.stop_all_timers();
                    self.state = LapdState::TeiAssigned;
                    let tell = self.announced || self.l3_initiated;
                    self.l3_initiated = false;
                    if tell {
                        self.announced = false;
                        self.event(LapdEvent::Released);
                    }
                    self.schedule_retry();
                } else {
                    self.rc += 1;
                    self.send_u(Unnumbered::Sabme, true, true);
                    self.start_t200();
                }
            }
            LapdState::AwaitingRelease => {
                if self.rc >= self.timers.n200 {
                    self.event(LapdEvent::Error(MdlError::ReleaseTimeout));
                    self.stop_all_timers();
                    self.state = LapdState::TeiAssigned;
                    self.announced = false;
                    self.event(LapdEvent::Released);
                } else {
                    self.rc += 1;
                    self.send_u(Unnumbered::Disc, true, true);
                    self.start_t200();
                }
            }
            LapdState::MultipleFrameEstablished => {
                self.transmit_enquiry();
                self.rc = 1;
                self.state = LapdState::TimerRecovery;
            }
            LapdState::TimerRecovery => {
                if self.rc >= self.timers.n200 {
                    self.event(LapdEvent::Error(MdlError::EnquiryTimeout));
                    self.reestablish();
                } else {
                    self.transmit_enquiry();
                    self.rc += 1;
                }
            }
        }
    }

    fn on_t203(&mut self) {
        if self.state == LapdState::MultipleFrameEstablished {
            self.transmit_enquiry();
            self.rc = 0;
            self.state = LapdState::TimerRecovery;
        }
    }

    // ----- procedures -----

    /// Send SABME and wait (the caller sets the state).
    fn establish_data_link(&mut self) {
        self.reset_exceptions();
        self.rc = 0;
        self.retry = None;
        self.send_u(Unnumbered::Sabme, true, true);
        self.t203 = None;
        self.start_t200();
    }

    /// Data-link-initiated re-establishment (errors while established).
    fn reestablish(&mut self) {
        self.l3_initiated = false;
        self.establish_data_link();
        self.state = LapdState::AwaitingEstablishment;
    }

    fn nr_error_recovery(&mut self) {
        self.event(LapdEvent::Error(MdlError::InvalidNr));
        self.reestablish();
    }

    fn enter_established(&mut self) {
        self.reset_exceptions();
        self.vs = 0;
        self.va = 0;
        self.vr = 0;
        self.rc = 0;
        self.t200 = None;
        self.retry = None;
        self.start_t203();
        self.state = LapdState::MultipleFrameEstablished;
    }

    fn announce_released(&mut self) {
        if self.announced {
            self.announced = false;
            self.event(LapdEvent::Released);
        }
    }

    fn schedule_retry(&mut self) {
        if self.persistent {
            self.retry = Some(self.now + self.timers.t200_ms);
        }
    }

    fn reset_exceptions(&mut self) {
        self.peer_busy = false;
        self.reject_exception = false;
        self.ack_pending = false;
    }

    fn nr_valid(&self, nr: u8) -> bool {
        seq(nr.wrapping_sub(self.va)) <= seq(self.vs.wrapping_sub(self.va))
    }

    /// N(R) acknowledgement in multiple-frame-established state with T200/T203 upkeep.
    fn ack_to(&mut self, nr: u8) {
        if nr == self.vs {
            self.set_va(nr);
            self.t200 = None;
            self.start_t203();
        } else if nr != self.va {
            self.set_va(nr);
            self.start_t200();
        }
    }

    fn set_va(&mut self, nr: u8) {
        let acked = seq(nr.wrapping_sub(self.va));
        for _ in 0..acked {
            self.iqueue.pop_front();
        }
        self.va = nr;
    }

    fn outstanding(&self) -> usize {
        usize::from(seq(self.vs.wrapping_sub(self.va)))
    }

    fn invoke_retransmission(&mut self) {
        self.vs = self.va;
    }

    fn discard_iqueue(&mut self) {
        self.iqueue.clear();
        self.vs = self.va;
    }

    fn stop_all_timers(&mut self) {
        self.t200 = None;
        self.t203 = None;
        self.retry = None;
    }

    fn start_t200(&mut self) {
        self.t200 = Some(self.now + self.timers.t200_ms);
    }

    fn start_t203(&mut self) {
        self.t203 = Some(self.now + self.timers.t203_ms);
    }

    fn after_input(&mut self) {
        if self.state == LapdState::MultipleFrameEstablished {
            self.transmit_pending();
        }
        // A pending acknowledgement waits for `poll_transmit`, so an I frame layer 3
        // sends before then can carry it.
    }

    /// Send queued I frames while the window is open and the peer not busy.
    fn transmit_pending(&mut self) {
        while !self.peer_busy
            && self.outstanding() < usize::from(self.timers.k)
            && self.outstanding() < self.iqueue.len()
        {
            let Some(info) = self.iqueue.iter().nth(self.outstanding()) else {
                break;
            };
            let frame = LapdFrame {
                address: self.address(true),
                control: Control::I {
                    ns: self.vs,
                    nr: self.vr,
                    p: false,
                },
                info,
            };
            let Ok(bytes) = frame.encode() else {
                break;
            };
            self.transmit(bytes);
            self.vs = seq(self.vs + 1);
            self.ack_pending = false;
            if self.t200.is_none() {
                self.t203 = None;
                self.start_t200();
            }
        }
    }

    fn transmit_enquiry(&mut self) {
        self.send_s(Supervisory::Rr, true, true);
        self.start_t200();
    }

    fn enquiry_response(&mut self) {
        self.send_s(Supervisory::Rr, false, true);
    }

    fn address(&self, command: bool) -> Address {
        let cr = match self.role {
            Role::User => !command,
            Role::Network => command,
        };
        Address {
            sapi: SAPI_CALL_CONTROL,
            cr,
            tei: TEI_POINT_TO_POINT,
        }
    }

    fn send_s(&mut self, kind: Supervisory, command: bool, pf: bool) {
        let frame = LapdFrame {
            address: self.address(command),
            control: Control::S {
                kind,
                nr: self.vr,
                pf,
            },
            info: &[],
        };
        if let Ok(bytes) = frame.encode() {
            self.transmit(bytes);
        }
        self.ack_pending = false;
    }

    fn send_u(&mut self, kind: Unnumbered, command: bool, pf: bool) {
        let frame = LapdFrame {
            address: self.address(command),
            control: Control::U { kind, pf },
            info: &[],
        };
        if let Ok(bytes) = frame.encode() {
            self.transmit(bytes);
        }
    }

    fn transmit(&mut self, frame: Frame) {
        if !self.physical_up {
            return;
        }
        if self.tx.push_back(frame).is_err() {
            self.lost += 1;
        }
    }

    fn event(&mut self, event: LapdEvent) {
        if let Err(event) = self.events.push_back(event) {
            self.events.pop_front();
            self.lost += 1;
            let _ = self.events.push_back(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sabme_from_user_is_command_with_cr_0() {
        let mut te = Lapd::new(Role::User, Timers::default());
        te.establish(0);
        let f = te.poll_transmit().expect("SABME");
        assert_eq!(&f[..], &[0x00, 0x01, 0x7F]);
        let mut nt = Lapd::new(Role::Network, Timers::default());
        nt.establish(0);
        let f = nt.poll_transmit().expect("SABME");
        assert_eq!(&f[..], &[0x02, 0x01, 0x7F]);
    }
}
