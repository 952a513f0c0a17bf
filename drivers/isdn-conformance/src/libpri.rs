//! Hand-written FFI to libpri 1.6 (`/usr/include/libpri.h`) and a safe wrapper,
//! [`LibPri`], whose D-channel is carried by test code through libpri's callback I/O.
//!
//! libpri's callback I/O carries two placeholder FCS octets after each frame: we strip
//! them from what libpri writes and append two zero octets to what we feed it.
//!
//! libpri reads the wall clock itself (gettimeofday), so it runs in real time: call
//! [`LibPri::check_event`] often (every few ms) to run its timers.

use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_long, c_void, CStr, CString};
use std::ptr::NonNull;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Raw declarations, named as in `libpri.h`. Event structs declare only the leading
/// fields we read; `repr(C)` keeps those at the header's offsets (checked against the
/// C compiler by `tests/libpri_layout.rs`).
#[allow(non_camel_case_types)]
pub mod ffi {
    use super::*;

    pub const PRI_NETWORK: c_int = 1;
    pub const PRI_CPE: c_int = 2;
    pub const PRI_SWITCH_EUROISDN_E1: c_int = 5;

    pub const PRI_DEBUG_Q921_RAW: c_int = 1 << 0;
    pub const PRI_DEBUG_Q921_DUMP: c_int = 1 << 1;
    pub const PRI_DEBUG_Q921_STATE: c_int = 1 << 2;
    pub const PRI_DEBUG_Q931_DUMP: c_int = 1 << 5;
    pub const PRI_DEBUG_Q931_STATE: c_int = 1 << 6;

    pub const PRI_EVENT_DCHAN_UP: c_int = 1;
    pub const PRI_EVENT_DCHAN_DOWN: c_int = 2;
    pub const PRI_EVENT_RESTART: c_int = 3;
    pub const PRI_EVENT_CONFIG_ERR: c_int = 4;
    pub const PRI_EVENT_RING: c_int = 5;
    pub const PRI_EVENT_HANGUP: c_int = 6;
    pub const PRI_EVENT_RINGING: c_int = 7;
    pub const PRI_EVENT_ANSWER: c_int = 8;
    pub const PRI_EVENT_HANGUP_ACK: c_int = 9;
    pub const PRI_EVENT_RESTART_ACK: c_int = 10;
    pub const PRI_EVENT_FACILITY: c_int = 11;
    pub const PRI_EVENT_INFO_RECEIVED: c_int = 12;
    pub const PRI_EVENT_PROCEEDING: c_int = 13;
    pub const PRI_EVENT_SETUP_ACK: c_int = 14;
    pub const PRI_EVENT_HANGUP_REQ: c_int = 15;
    pub const PRI_EVENT_NOTIFY: c_int = 16;
    pub const PRI_EVENT_PROGRESS: c_int = 17;
    pub const PRI_EVENT_KEYPAD_DIGIT: c_int = 18;
    pub const PRI_EVENT_CONNECT_ACK: c_int = 27;

    /// `enum PRI_TIMERS_AND_COUNTERS` (first entries).
    pub const PRI_TIMER_N200: c_int = 0;
    pub const PRI_TIMER_K: c_int = 3;
    pub const PRI_TIMER_T200: c_int = 4;
    pub const PRI_TIMER_T203: c_int = 7;
    pub const PRI_TIMER_T303: c_int = 11;
    pub const PRI_TIMER_T305: c_int = 13;
    pub const PRI_TIMER_T308: c_int = 16;
    pub const PRI_TIMER_T309: c_int = 17;
    pub const PRI_TIMER_T310: c_int = 18;
    pub const PRI_TIMER_T313: c_int = 19;
    pub const PRI_TIMER_T316: c_int = 21;

    pub const PRI_UNKNOWN: c_int = 0;
    pub const PRI_TRANS_CAP_SPEECH: c_int = 0;
    pub const PRI_LAYER_1_ALAW: c_int = 0x23;
    /// Numbering plan octet values: (type of number << 4) | numbering plan.
    pub const PRI_INTERNATIONAL_ISDN: c_int = 0x11;
    pub const PRI_NATIONAL_ISDN: c_int = 0x21;
    pub const PRI_LOCAL_ISDN: c_int = 0x41;
    /// Presentation values: (presentation indicator << 5) | screening.
    pub const PRES_ALLOWED_USER_NUMBER_NOT_SCREENED: c_int = 0x00;
    pub const PRES_ALLOWED_NETWORK_NUMBER: c_int = 0x03;
    pub const PRES_PROHIB_USER_NUMBER_NOT_SCREENED: c_int = 0x20;

    #[repr(C)]
    pub struct pri {
        _opaque: [u8; 0],
    }
    #[repr(C)]
    pub struct pri_sr {
        _opaque: [u8; 0],
    }
    #[repr(C)]
    pub struct q931_call {
        _opaque: [u8; 0],
    }

    #[repr(C)]
    pub struct timeval {
        pub tv_sec: c_long,
        pub tv_usec: c_long,
    }

    /// `pri_event_restart`, `pri_event_restart_ack` (and the `e` of every view).
    #[repr(C)]
    pub struct pri_event_restart {
        pub e: c_int,
        pub channel: c_int,
    }

    /// `pri_event_ringing` and `pri_event_answer` share this prefix.
    #[repr(C)]
    pub struct pri_event_ringing {
        pub e: c_int,
        pub channel: c_int,
        pub cref: c_int,
        pub progress: c_int,
        pub progressmask: c_int,
        pub call: *mut q931_call,
    }

    /// `pri_event_ring` up to `call`.
    #[repr(C)]
    pub struct pri_event_ring {
        pub e: c_int,
        pub channel: c_int,
        pub callingpres: c_int,
        pub callingplanani: c_int,
        pub callingplan: c_int,
        pub callingani: [c_char; 256],
        pub callingnum: [c_char; 256],
        pub callingname: [c_char; 256],
        pub calledplan: c_int,
        pub ani2: c_int,
        pub callednum: [c_char; 256],
        pub redirectingnum: [c_char; 256],
        pub redirectingname: [c_char; 256],
        pub redirectingreason: c_int,
        pub callingplanrdnis: c_int,
        pub useruserinfo: [c_char; 260],
        pub flexible: c_int,
        pub cref: c_int,
        pub ctype: c_int,
        pub layer1: c_int,
        pub complete: c_int,
        pub call: *mut q931_call,
    }

    /// `pri_event_hangup` up to `call`.
    #[repr(C)]
    pub struct pri_event_hangup {
        pub e: c_int,
        pub channel: c_int,
        pub cause: c_int,
        pub cref: c_int,
        pub call: *mut q931_call,
    }

    /// `pri_event_proceeding` up to `call`.
    #[repr(C)]
    pub struct pri_event_proceeding {
        pub e: c_int,
        pub channel: c_int,
        pub cref: c_int,
        pub progress: c_int,
        pub progressmask: c_int,
        pub cause: c_int,
        pub call: *mut q931_call,
    }

    /// `pri_event_setup_ack` and `pri_event_connect_ack` up to `call`.
    #[repr(C)]
    pub struct pri_event_setup_ack {
        pub e: c_int,
        pub channel: c_int,
        pub call: *mut q931_call,
    }

    /// `pri_event_keypad_digit` up to `digits`.
    #[repr(C)]
    pub struct pri_event_keypad_digit {
        pub e: c_int,
        pub channel: c_int,
        pub call: *mut q931_call,
        pub digits: [c_char; 64],
    }

    /// `pri_event` is a union; we only hold pointers to it and cast to the views above.
    #[repr(C)]
    pub struct pri_event {
        pub e: c_int,
    }

    pub type pri_io_cb =
        unsafe extern "C" fn(pri: *mut pri, buf: *mut c_void, buflen: c_int) -> c_int;

    #[link(name = "pri")]
    extern "C" {
        pub fn pri_new_cb(
            fd: c_int,
            nodetype: c_int,
            switchtype: c_int,
            io_read: pri_io_cb,
            io_write: pri_io_cb,
            userdata: *mut c_void,
        ) -> *mut pri;
        pub fn pri_get_userdata(pri: *mut pri) -> *mut c_void;
        pub fn pri_set_userdata(pri: *mut pri, userdata: *mut c_void);
        pub fn pri_set_debug(pri: *mut pri, debug: c_int);
        pub fn pri_check_event(pri: *mut pri) -> *mut pri_event;
        pub fn pri_schedule_next(pri: *mut pri) -> *mut timeval;
        pub fn pri_schedule_run(pri: *mut pri) -> *mut pri_event;
        pub fn pri_set_timer(pri: *mut pri, timer: c_int, value: c_int) -> c_int;
        pub fn pri_get_timer(pri: *mut pri, timer: c_int) -> c_int;
        pub fn pri_event2str(id: c_int) -> *mut c_char;
        pub fn pri_get_version() -> *const c_char;
        pub fn pri_set_message(f: unsafe extern "C" fn(pri: *mut pri, s: *mut c_char));
        pub fn pri_set_error(f: unsafe extern "C" fn(pri: *mut pri, s: *mut c_char));

        pub fn pri_new_call(pri: *mut pri) -> *mut q931_call;
        pub fn pri_destroycall(pri: *mut pri, call: *mut q931_call);
        pub fn pri_sr_new() -> *mut pri_sr;
        pub fn pri_sr_free(sr: *mut pri_sr);
        pub fn pri_sr_set_channel(
            sr: *mut pri_sr,
            channel: c_int,
            exclusive: c_int,
            nonisdn: c_int,
        ) -> c_int;
        pub fn pri_sr_set_bearer(sr: *mut pri_sr, transmode: c_int, userl1: c_int) -> c_int;
        pub fn pri_sr_set_called(
            sr: *mut pri_sr,
            called: *mut c_char,
            calledplan: c_int,
            complete: c_int,
        ) -> c_int;
        pub fn pri_sr_set_caller(
            sr: *mut pri_sr,
            caller: *mut c_char,
            callername: *mut c_char,
            callerplan: c_int,
            callerpres: c_int,
        ) -> c_int;
        pub fn pri_setup(pri: *mut pri, call: *mut q931_call, req: *mut pri_sr) -> c_int;
        pub fn pri_acknowledge(
            pri: *mut pri,
            call: *mut q931_call,
            channel: c_int,
            info: c_int,
        ) -> c_int;
        pub fn pri_proceeding(
            pri: *mut pri,
            call: *mut q931_call,
            channel: c_int,
            info: c_int,
        ) -> c_int;
        pub fn pri_answer(
            pri: *mut pri,
            call: *mut q931_call,
            channel: c_int,
            nonisdn: c_int,
        ) -> c_int;
        pub fn pri_hangup(pri: *mut pri, call: *mut q931_call, cause: c_int) -> c_int;
        pub fn pri_need_more_info(
            pri: *mut pri,
            call: *mut q931_call,
            channel: c_int,
            nonisdn: c_int,
        ) -> c_int;
        pub fn pri_information(pri: *mut pri, call: *mut q931_call, digit: c_char) -> c_int;
        pub fn pri_reset(pri: *mut pri, channel: c_int) -> c_int;
        pub fn pri_set_overlapdial(pri: *mut pri, state: c_int);
        /// Returns a `malloc`ed string the caller frees.
        pub fn pri_dump_info_str(pri: *mut pri) -> *mut c_char;
        pub fn free(p: *mut c_void);
    }
}

/// Which side libpri plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriRole {
    /// `PRI_NETWORK` (NT): face it with our user side.
    Network,
    /// `PRI_CPE` (TE): face it with our network side.
    Cpe,
}

/// libpri timers and counters we tune in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriTimer {
    N200,
    K,
    T200,
    T203,
    T303,
    T305,
    T308,
    T309,
    T310,
    T313,
    T316,
}

impl PriTimer {
    fn index(self) -> c_int {
        match self {
            PriTimer::N200 => ffi::PRI_TIMER_N200,
            PriTimer::K => ffi::PRI_TIMER_K,
            PriTimer::T200 => ffi::PRI_TIMER_T200,
            PriTimer::T203 => ffi::PRI_TIMER_T203,
            PriTimer::T303 => ffi::PRI_TIMER_T303,
            PriTimer::T305 => ffi::PRI_TIMER_T305,
            PriTimer::T308 => ffi::PRI_TIMER_T308,
            PriTimer::T309 => ffi::PRI_TIMER_T309,
            PriTimer::T310 => ffi::PRI_TIMER_T310,
            PriTimer::T313 => ffi::PRI_TIMER_T313,
            PriTimer::T316 => ffi::PRI_TIMER_T316,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LibPriError {
    #[error("pri_new_cb failed")]
    New,
    #[error("{0} failed with {1}")]
    Call(&'static str, i32),
    #[error("string contains NUL")]
    Nul,
}

/// A libpri call (`q931_call *`): valid while its [`LibPri`] lives and libpri has not
/// destroyed it (after the hangup is complete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRef(NonNull<ffi::q931_call>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriEventKind {
    DchanUp,
    DchanDown,
    Restart,
    ConfigErr,
    Ring,
    Hangup,
    Ringing,
    Answer,
    HangupAck,
    RestartAck,
    Facility,
    InfoReceived,
    Proceeding,
    SetupAck,
    HangupReq,
    Notify,
    Progress,
    KeypadDigit,
    ConnectAck,
    Other(i32),
}

impl PriEventKind {
    fn from_raw(e: c_int) -> Self {
        match e {
            ffi::PRI_EVENT_DCHAN_UP => Self::DchanUp,
            ffi::PRI_EVENT_DCHAN_DOWN => Self::DchanDown,
            ffi::PRI_EVENT_RESTART => Self::Restart,
            ffi::PRI_EVENT_CONFIG_ERR => Self::ConfigErr,
            ffi::PRI_EVENT_RING => Self::Ring,
            ffi::PRI_EVENT_HANGUP => Self::Hangup,
            ffi::PRI_EVENT_RINGING => Self::Ringing,
            ffi::PRI_EVENT_ANSWER => Self::Answer,
            ffi::PRI_EVENT_HANGUP_ACK => Self::HangupAck,
            ffi::PRI_EVENT_RESTART_ACK => Self::RestartAck,
            ffi::PRI_EVENT_FACILITY => Self::Facility,
            ffi::PRI_EVENT_INFO_RECEIVED => Self::InfoReceived,
            ffi::PRI_EVENT_PROCEEDING => Self::Proceeding,
            ffi::PRI_EVENT_SETUP_ACK => Self::SetupAck,
            ffi::PRI_EVENT_HANGUP_REQ => Self::HangupReq,
            ffi::PRI_EVENT_NOTIFY => Self::Notify,
            ffi::PRI_EVENT_PROGRESS => Self::Progress,
            ffi::PRI_EVENT_KEYPAD_DIGIT => Self::KeypadDigit,
            ffi::PRI_EVENT_CONNECT_ACK => Self::ConnectAck,
            other => Self::Other(other),
        }
    }
}

/// An event copied out of libpri (its `pri_event` is reused by the next call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriEvent {
    pub kind: PriEventKind,
    /// libpri's encoded channel (B channel in bits 0–7, span in 8–15; −1 = any).
    pub channel: Option<i32>,
    pub cause: Option<i32>,
    pub cref: Option<i32>,
    pub call: Option<CallRef>,
    pub called_number: Option<String>,
    pub calling_number: Option<String>,
    pub calling_name: Option<String>,
    /// Sending complete seen (RING, INFO_RECEIVED).
    pub complete: Option<bool>,
    pub digits: Option<String>,
    /// RING: calling number's (type of number << 4) | plan, and presentation.
    pub calling_plan: Option<i32>,
    pub calling_pres: Option<i32>,
    /// RING: called number's (type of number << 4) | plan.
    pub called_plan: Option<i32>,
    /// RING: the channel was offered as preferred, not exclusive.
    pub flexible: Option<bool>,
    /// RING: bearer transfer capability and user layer 1 (`PRI_LAYER_1_*`).
    pub bearer: Option<(i32, i32)>,
}

impl PriEvent {
    /// B channel number (1..=31) out of the encoded channel, if any.
    pub fn b_channel(&self) -> Option<i32> {
        self.channel
            .filter(|&c| c >= 0)
            .map(|c| c & 0xFF)
            .filter(|&c| c != 0xFF)
    }
}

fn c_string(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Copy what we need out of a libpri event, by its type.
///
/// # Safety
/// `ev` must be a non-null event just returned by libpri.
unsafe fn copy_event(ev: *const ffi::pri_event) -> PriEvent {
    let e = (*ev).e;
    let mut out = PriEvent {
        kind: PriEventKind::from_raw(e),
        channel: None,
        cause: None,
        cref: None,
        call: None,
        called_number: None,
        calling_number: None,
        calling_name: None,
        complete: None,
        digits: None,
        calling_plan: None,
        calling_pres: None,
        called_plan: None,
        flexible: None,
        bearer: None,
    };
    match e {
        ffi::PRI_EVENT_RESTART | ffi::PRI_EVENT_RESTART_ACK => {
            let v = &*(ev as *const ffi::pri_event_restart);
            out.channel = Some(v.channel);
        }
        ffi::PRI_EVENT_RING | ffi::PRI_EVENT_INFO_RECEIVED => {
            let v = &*(ev as *const ffi::pri_event_ring);
            out.channel = Some(v.channel);
            out.cref = Some(v.cref);
            out.call = NonNull::new(v.call).map(CallRef);
            out.called_number = Some(c_string(&v.callednum));
            out.complete = Some(v.complete != 0);
            if e == ffi::PRI_EVENT_RING {
                out.calling_number = Some(c_string(&v.callingnum));
                out.calling_name = Some(c_string(&v.callingname));
                out.calling_plan = Some(v.callingplan);
                out.calling_pres = Some(v.callingpres);
                out.called_plan = Some(v.calledplan);
                out.flexible = Some(v.flexible != 0);
                out.bearer = Some((v.ctype, v.layer1));
            }
        }
        ffi::PRI_EVENT_HANGUP | ffi::PRI_EVENT_HANGUP_REQ | ffi::PRI_EVENT_HANGUP_ACK => {
            let v = &*(ev as *const ffi::pri_event_hangup);
            out.channel = Some(v.channel);
            out.cause = Some(v.cause);
            out.cref = Some(v.cref);
            out.call = NonNull::new(v.call).map(CallRef);
        }
        ffi::PRI_EVENT_RINGING | ffi::PRI_EVENT_ANSWER => {
            let v = &*(ev as *const ffi::pri_event_ringing);
            out.channel = Some(v.channel);
            out.cref = Some(v.cref);
            out.call = NonNull::new(v.call).map(CallRef);
        }
        ffi::PRI_EVENT_PROCEEDING | ffi::PRI_EVENT_PROGRESS => {
            let v = &*(ev as *const ffi::pri_event_proceeding);
            out.channel = Some(v.channel);
            out.cref = Some(v.cref);
            out.cause = Some(v.cause);
            out.call = NonNull::new(v.call).map(CallRef);
        }
        ffi::PRI_EVENT_SETUP_ACK | ffi::PRI_EVENT_CONNECT_ACK => {
            let v = &*(ev as *const ffi::pri_event_setup_ack);
            out.channel = Some(v.channel);
            out.call = NonNull::new(v.call).map(CallRef);
        }
        ffi::PRI_EVENT_KEYPAD_DIGIT => {
            let v = &*(ev as *const ffi::pri_event_keypad_digit);
            out.channel = Some(v.channel);
            out.call = NonNull::new(v.call).map(CallRef);
            out.digits = Some(c_string(&v.digits));
        }
        _ => {}
    }
    out
}

/// The D-channel between libpri and test code.
#[derive(Default)]
struct Io {
    /// Frames for libpri to read (without FCS).
    inbox: VecDeque<Vec<u8>>,
    /// Frames libpri wrote (FCS placeholder stripped).
    written: Vec<Vec<u8>>,
}

unsafe extern "C" fn io_read(pri: *mut ffi::pri, buf: *mut c_void, buflen: c_int) -> c_int {
    let io = ffi::pri_get_userdata(pri) as *mut Io;
    if io.is_null() || buf.is_null() {
        return 0;
    }
    let Some(frame) = (*io).inbox.pop_front() else {
        return 0;
    };
    let len = frame.len() + 2;
    if len > usize::try_from(buflen).unwrap_or(0) {
        return 0;
    }
    let dst = std::slice::from_raw_parts_mut(buf as *mut u8, len);
    dst[..frame.len()].copy_from_slice(&frame);
    dst[frame.len()..].fill(0); // placeholder FCS
    len as c_int
}

unsafe extern "C" fn io_write(pri: *mut ffi::pri, buf: *mut c_void, buflen: c_int) -> c_int {
    let io = ffi::pri_get_userdata(pri) as *mut Io;
    let len = usize::try_from(buflen).unwrap_or(0);
    if !io.is_null() && !buf.is_null() && len > 2 {
        let src = std::slice::from_raw_parts(buf as *const u8, len);
        (*io).written.push(src[..len - 2].to_vec());
    }
    buflen
}

unsafe extern "C" fn log_message(_pri: *mut ffi::pri, s: *mut c_char) {
    if std::env::var_os("PRI_DEBUG").is_some() && !s.is_null() {
        eprint!("libpri: {}", CStr::from_ptr(s).to_string_lossy());
    }
}

/// What a SETUP from libpri carries (see [`LibPri::setup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSetup {
    /// B channel (1..=31, not 16).
    pub channel: i32,
    pub exclusive: bool,
    pub called: String,
    pub calling: String,
    pub calling_name: String,
    /// Sending complete.
    pub complete: bool,
}

/// How the numbers of a SETUP from libpri are marked (see [`LibPri::setup_numbered`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbering {
    /// `PRI_UNKNOWN`, `PRI_INTERNATIONAL_ISDN`, ...
    pub calling_plan: i32,
    /// `PRES_ALLOWED_USER_NUMBER_NOT_SCREENED`, ...
    pub calling_pres: i32,
    pub called_plan: i32,
}

impl Default for Numbering {
    fn default() -> Self {
        Numbering {
            calling_plan: ffi::PRI_UNKNOWN,
            calling_pres: ffi::PRES_ALLOWED_USER_NUMBER_NOT_SCREENED,
            called_plan: ffi::PRI_UNKNOWN,
        }
    }
}

/// One libpri D-channel controller (EuroISDN E1 PRI, point-to-point) with its frames
/// carried by the caller. Not `Send`: keep it on one thread.
///
/// libpri has no destructor for a controller: dropping a `LibPri` leaks libpri's
/// state (test-only code).
pub struct LibPri {
    pri: NonNull<ffi::pri>,
    io: *mut Io,
    events: VecDeque<PriEvent>,
}

impl LibPri {
    pub fn new(role: PriRole) -> Result<Self, LibPriError> {
        let nodetype = match role {
            PriRole::Network => ffi::PRI_NETWORK,
            PriRole::Cpe => ffi::PRI_CPE,
        };
        let io = Box::into_raw(Box::<Io>::default());
        // SAFETY: callbacks match `pri_io_cb`; `io` outlives the controller's use
        // (freed in Drop, after which we never call into this controller again).
        let pri = unsafe {
            ffi::pri_set_message(log_message);
            ffi::pri_set_error(log_message);
            ffi::pri_new_cb(
                -1,
                nodetype,
                ffi::PRI_SWITCH_EUROISDN_E1,
                io_read,
                io_write,
                io as *mut c_void,
            )
        };
        let Some(pri) = NonNull::new(pri) else {
            // SAFETY: from Box::into_raw above, not shared.
            drop(unsafe { Box::from_raw(io) });
            return Err(LibPriError::New);
        };
        let mut this = LibPri {
            pri,
            io,
            events: VecDeque::new(),
        };
        if std::env::var_os("PRI_DEBUG").is_some() {
            this.set_debug(
                ffi::PRI_DEBUG_Q921_STATE
                    | ffi::PRI_DEBUG_Q921_DUMP
                    | ffi::PRI_DEBUG_Q931_DUMP
                    | ffi::PRI_DEBUG_Q931_STATE,
            );
        }
        // libpri may have written (a SABME) already.
        this.pump();
        Ok(this)
    }

    /// libpri's version string.
    pub fn version() -> String {
        // SAFETY: returns a static NUL-terminated string.
        unsafe {
            CStr::from_ptr(ffi::pri_get_version())
                .to_string_lossy()
                .into_owned()
        }
    }

    /// `pri_set_debug` (output goes to stderr when `PRI_DEBUG` is set).
    pub fn set_debug(&mut self, flags: i32) {
        // SAFETY: valid controller.
        unsafe { ffi::pri_set_debug(self.pri.as_ptr(), flags) }
    }

    pub fn set_timer(&mut self, timer: PriTimer, value: i32) -> Result<(), LibPriError> {
        // SAFETY: valid controller.
        let r = unsafe { ffi::pri_set_timer(self.pri.as_ptr(), timer.index(), value) };
        if r < 0 {
            return Err(LibPriError::Call("pri_set_timer", r));
        }
        Ok(())
    }

    pub fn get_timer(&self, timer: PriTimer) -> i32 {
        // SAFETY: valid controller.
        unsafe { ffi::pri_get_timer(self.pri.as_ptr(), timer.index()) }
    }

    /// Hand libpri one frame (FCS excluded) and let it process it.
    pub fn feed(&mut self, frame: &[u8]) {
        // SAFETY: no other reference to *io is live.
        unsafe { (*self.io).inbox.push_back(frame.to_vec()) };
        self.pump();
    }

    /// Frames libpri has written since the last call (FCS placeholder stripped).
    pub fn take_written(&mut self) -> Vec<Vec<u8>> {
        self.pump();
        // SAFETY: no other reference to *io is live.
        unsafe { std::mem::take(&mut (*self.io).written) }
    }

    /// Run libpri's due timers and return the next event, if any.
    pub fn check_event(&mut self) -> Option<PriEvent> {
        self.pump();
        self.events.pop_front()
    }

    /// Time until libpri's next timer, if one is scheduled.
    pub fn next_timeout(&self) -> Option<Duration> {
        // SAFETY: valid controller; the timeval is read immediately.
        let tv = unsafe { ffi::pri_schedule_next(self.pri.as_ptr()).as_ref() }?;
        let at = Duration::new(
            u64::try_from(tv.tv_sec).ok()?,
            u32::try_from(tv.tv_usec).ok()? * 1000,
        );
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
        Some(at.saturating_sub(now))
    }

    fn pump(&mut self) {
        // SAFETY: valid controller; events are copied before the next libpri call.
        unsafe {
            while !(*self.io).inbox.is_empty() {
                let ev = ffi::pri_check_event(self.pri.as_ptr());
                if !ev.is_null() {
                    self.events.push_back(copy_event(ev));
                }
            }
            for _ in 0..64 {
                let ev = ffi::pri_schedule_run(self.pri.as_ptr());
                if ev.is_null() {
                    break;
                }
                self.events.push_back(copy_event(ev));
            }
        }
    }

    fn check(name: &'static str, r: c_int) -> Result<(), LibPriError> {
        if r < 0 {
            Err(LibPriError::Call(name, r))
        } else {
            Ok(())
        }
    }

    /// `pri_new_call`.
    pub fn new_call(&mut self) -> Result<CallRef, LibPriError> {
        // SAFETY: valid controller.
        let c = unsafe { ffi::pri_new_call(self.pri.as_ptr()) };
        NonNull::new(c)
            .map(CallRef)
            .ok_or(LibPriError::Call("pri_new_call", 0))
    }

    /// `pri_sr_new` + `pri_sr_set_channel/bearer/called/caller` + `pri_setup`: send a
    /// SETUP for speech (A-law) on `setup.channel`.
    pub fn setup(&mut self, call: CallRef, setup: &CallSetup) -> Result<(), LibPriError> {
        self.setup_numbered(call, setup, Numbering::default())
    }

    /// [`LibPri::setup`] with the numbers' type, plan and presentation given.
    pub fn setup_numbered(
        &mut self,
        call: CallRef,
        setup: &CallSetup,
        numbering: Numbering,
    ) -> Result<(), LibPriError> {
        let called = CString::new(setup.called.as_str()).map_err(|_| LibPriError::Nul)?;
        let calling = CString::new(setup.calling.as_str()).map_err(|_| LibPriError::Nul)?;
        let name = CString::new(setup.calling_name.as_str()).map_err(|_| LibPriError::Nul)?;
        // SAFETY: sr is freshly allocated and freed below; libpri copies the strings.
        let r = unsafe {
            let sr = ffi::pri_sr_new();
            if sr.is_null() {
                return Err(LibPriError::Call("pri_sr_new", 0));
            }
            ffi::pri_sr_set_channel(sr, setup.channel, c_int::from(setup.exclusive), 0);
            ffi::pri_sr_set_bearer(sr, ffi::PRI_TRANS_CAP_SPEECH, ffi::PRI_LAYER_1_ALAW);
            ffi::pri_sr_set_called(
                sr,
                called.as_ptr() as *mut c_char,
                numbering.called_plan,
                c_int::from(setup.complete),
            );
            ffi::pri_sr_set_caller(
                sr,
                calling.as_ptr() as *mut c_char,
                name.as_ptr() as *mut c_char,
                numbering.calling_plan,
                numbering.calling_pres,
            );
            let r = ffi::pri_setup(self.pri.as_ptr(), call.0.as_ptr(), sr);
            ffi::pri_sr_free(sr);
            r
        };
        self.pump();
        Self::check("pri_setup", r)
    }

    /// `pri_proceeding` (CALL PROCEEDING); `inband` adds a progress indicator.
    pub fn proceeding(
        &mut self,
        call: CallRef,
        channel: i32,
        inband: bool,
    ) -> Result<(), LibPriError> {
        // SAFETY: valid controller and call.
        let r = unsafe {
            ffi::pri_proceeding(
                self.pri.as_ptr(),
                call.0.as_ptr(),
                channel,
                c_int::from(inband),
            )
        };
        self.pump();
        Self::check("pri_proceeding", r)
    }

    /// `pri_acknowledge` (ALERTING); `inband` adds a progress indicator.
    pub fn acknowledge(
        &mut self,
        call: CallRef,
        channel: i32,
        inband: bool,
    ) -> Result<(), LibPriError> {
        // SAFETY: valid controller and call.
        let r = unsafe {
            ffi::pri_acknowledge(
                self.pri.as_ptr(),
                call.0.as_ptr(),
                channel,
                c_int::from(inband),
            )
        };
        self.pump();
        Self::check("pri_acknowledge", r)
    }

    /// `pri_answer` (CONNECT).
    pub fn answer(&mut self, call: CallRef, channel: i32) -> Result<(), LibPriError> {
        // SAFETY: valid controller and call.
        let r = unsafe { ffi::pri_answer(self.pri.as_ptr(), call.0.as_ptr(), channel, 0) };
        self.pump();
        Self::check("pri_answer", r)
    }

    /// `pri_hangup` with a Q.850 cause.
    pub fn hangup(&mut self, call: CallRef, cause: i32) -> Result<(), LibPriError> {
        // SAFETY: valid controller and call.
        let r = unsafe { ffi::pri_hangup(self.pri.as_ptr(), call.0.as_ptr(), cause) };
        self.pump();
        Self::check("pri_hangup", r)
    }

    /// `pri_need_more_info` (SETUP ACKNOWLEDGE: overlap receiving).
    pub fn need_more_info(&mut self, call: CallRef, channel: i32) -> Result<(), LibPriError> {
        // SAFETY: valid controller and call.
        let r = unsafe { ffi::pri_need_more_info(self.pri.as_ptr(), call.0.as_ptr(), channel, 0) };
        self.pump();
        Self::check("pri_need_more_info", r)
    }

    /// `pri_information` for each digit: one INFORMATION per digit (overlap sending).
    /// libpri never marks these Sending complete.
    pub fn information(&mut self, call: CallRef, digits: &str) -> Result<(), LibPriError> {
        for d in digits.bytes() {
            // SAFETY: valid controller and call.
            let r =
                unsafe { ffi::pri_information(self.pri.as_ptr(), call.0.as_ptr(), d as c_char) };
            self.pump();
            Self::check("pri_information", r)?;
        }
        Ok(())
    }

    /// `pri_reset`: RESTART of one B-channel. libpri cannot restart a whole interface:
    /// it refuses channel 0 and always sends restart class "indicated channels".
    pub fn reset(&mut self, channel: i32) -> Result<(), LibPriError> {
        // SAFETY: valid controller.
        let r = unsafe { ffi::pri_reset(self.pri.as_ptr(), channel) };
        self.pump();
        Self::check("pri_reset", r)
    }

    /// `pri_set_overlapdial`: with it, SETUPs without `complete` leave out Sending
    /// complete (for EuroISDN libpri otherwise always includes it).
    pub fn set_overlap_dial(&mut self, on: bool) {
        // SAFETY: valid controller.
        unsafe { ffi::pri_set_overlapdial(self.pri.as_ptr(), c_int::from(on)) }
    }

    /// `pri_destroycall`: what an application does with the call on a restarted channel.
    pub fn destroy_call(&mut self, call: CallRef) {
        // SAFETY: libpri checks the call is still one of its own before freeing it.
        unsafe { ffi::pri_destroycall(self.pri.as_ptr(), call.0.as_ptr()) };
        self.pump();
    }

    /// `pri_dump_info_str`: libpri's own summary (timers, counters, call records).
    pub fn info(&self) -> String {
        // SAFETY: valid controller; the string is copied, then freed as libpri documents.
        unsafe {
            let p = ffi::pri_dump_info_str(self.pri.as_ptr());
            if p.is_null() {
                return String::new();
            }
            let s = CStr::from_ptr(p).to_string_lossy().into_owned();
            ffi::free(p as *mut c_void);
            s
        }
    }

    /// Call records libpri still holds (its "Total active-calls"): a call is gone from
    /// libpri only once this drops.
    pub fn call_records(&self) -> Option<usize> {
        let info = self.info();
        let rest = info.split("Total active-calls:").nth(1)?;
        rest.split_whitespace().next()?.parse().ok()
    }

    /// `pri_event2str`.
    pub fn event_name(kind: i32) -> String {
        // SAFETY: returns a static string.
        unsafe {
            let p = ffi::pri_event2str(kind);
            if p.is_null() {
                return String::new();
            }
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

impl Drop for LibPri {
    fn drop(&mut self) {
        // libpri keeps `io` as userdata but is never called again through this
        // controller, so the I/O state can go. (The controller itself leaks.)
        // SAFETY: from Box::into_raw in `new`.
        unsafe {
            ffi::pri_set_userdata(self.pri.as_ptr(), std::ptr::null_mut());
            drop(Box::from_raw(self.io));
        }
    }
}
