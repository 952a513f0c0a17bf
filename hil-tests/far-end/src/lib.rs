//! Far-end simulators for the HIL rig.
//!
//! * [`TelcoLine`]: the telco side of a box FXO port. It places calls into the box (with
//!   or without ETSI FSK caller ID), feeds battery, sees the box answer and hang up, and
//!   hangs up itself with an open-loop disconnect.
//! * [`Phone`]: the phone on a box FXS port. It sees ringing and counts ring bursts,
//!   decodes FSK caller ID, goes off hook, dials DTMF, flashes and hangs up.
//! * [`Carrier`]: the carrier on a box E1 span, ISDN PRI network side, or user side
//!   facing a `pri-net` box ([`Carrier::with_role`]) (HDLC on timeslot 16, Q.921,
//!   Q.931 from the `isdn` crate). It places many calls at once,
//!   answers the box's calls, hangs up with a cause, sends LOS/AIS and sees RAI; every
//!   call has its own mouth and ear on its B-channel.
//! * They all speak through a [`Mouth`] (a queue of tones, DTMF and silence) and listen with
//!   an [`Ear`] (a Goertzel [`ToneMeter`], a DTMF detector, the last seconds of audio).
//! * [`Rig`] holds named devices with their connections to the box and steps them one
//!   20 ms block at a time, in lock-step or in real time. [`sim::Patch`] stands in for
//!   the box when simulators are tested against each other; [`sim::UserSpan`] is a
//!   box-like PRI side for the carrier (user side, or network with
//!   [`sim::UserSpan::with_role`]); [`sim::Crossover`] cables two carriers back to back.
//!
//! * [`LookupServer`]: a billing system on loopback for IVR lookups (answers, slow
//!   answers, garbage).
//!
//! Everything is driven by `now_ms` (rig time); nothing here reads a clock except the
//! real-time pacing inside [`Rig::step`].

mod audio;
mod carrier;
mod dchannel;
mod device;
mod lookup_server;
mod phone;
mod pri_user;
mod rig;
pub mod sim;
mod telco;

pub use audio::{
    Ear, Mouth, PlayItem, ReceivedDigit, ToneMeasurement, ToneMeter, DEFAULT_MIN_SHARE, HISTORY_MS,
    SILENCE_DBM0,
};
pub use carrier::{
    CallDirection, CallStage, Carrier, CarrierAlarm, CarrierError, OverlapSending, ReleasedBy,
    SpanCall, D_CHANNEL, E1_TIMESLOTS, LAPD_BACKLOG_LIMIT,
};
/// The side of a PRI a [`Carrier`] plays (`isdn::q931::Role`).
pub use isdn::q931::Role as PriRole;
pub use lookup_server::{balance_for, LookupBehaviour, LookupServer};
pub use phone::{DecodedCallerId, Phone, PhoneError, FLASH_MS};
pub use rig::{AnyDevice, FarEndDevice, Rig, RigError, DEFAULT_RECV_TIMEOUT};
pub use telco::{
    CallError, CidDelivery, TelcoLine, TelcoState, DISCONNECT_MS, RING_OFF_MS, RING_ON_MS,
};

/// Samples in one 20 ms block at 8 kHz.
pub const BLOCK_SAMPLES: usize = soft_hardware::AUDIO_OCTETS;
/// Duration of one block.
pub const BLOCK_MS: u64 = 20;
