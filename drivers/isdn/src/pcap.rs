//! D-channel captures: a classic libpcap file writer for LAPD frames, link type
//! `LINKTYPE_LINUX_LAPD` (177), which Wireshark/tshark decode as LAPD and (SAPI 0) Q.931.
//!
//! A capture is taken at one end of the link, so every record says whether that end
//! sent or received the frame, and the file says which role that end plays. Each record
//! is the 16-octet Linux LAPD pseudo-header followed by the frame as Q.921 sees it:
//! address, control, information; no flags, no FCS (the HDLC layer's).
//!
//! Pseudo-header layout (all big-endian), per tcpdump.org's link-layer types page:
//!
//! | octets | field                | value here                                    |
//! |--------|----------------------|-----------------------------------------------|
//! | 0..2   | packet type          | 0 received (PACKET_HOST), 4 sent (OUTGOING)   |
//! | 2..4   | ARPHRD type          | ARPHRD_LAPD, 8445                             |
//! | 4..6   | address length       | 1                                             |
//! | 6..14  | address (padded)     | first octet 1 if we are the network side     |
//! | 14..16 | protocol             | ETH_P_LAPD, 0x0030                            |
//!
//! The role octet matters: with it the dissector turns "sent"/"received" into
//! user→network or network→user, and so reads the C/R bit right (command vs response).
//!
//! The file is written little-endian (readers detect the byte order from the magic),
//! microsecond timestamps.

use std::io::{self, Write};
use std::time::Duration;

use crate::hdlc::MAX_FRAME_LEN;
use crate::q931::Role;

/// `LINKTYPE_LINUX_LAPD`.
pub const LINKTYPE_LINUX_LAPD: u32 = 177;
/// `ARPHRD_LAPD` (mISDN).
pub const ARPHRD_LAPD: u16 = 8445;
/// `ETH_P_LAPD`.
pub const ETH_P_LAPD: u16 = 0x0030;
/// Length of the Linux LAPD pseudo-header before each frame.
pub const PSEUDO_HEADER_LEN: usize = 16;
/// Length of the pcap global (file) header.
pub const GLOBAL_HEADER_LEN: usize = 24;
/// Length of the pcap per-record header.
pub const RECORD_HEADER_LEN: usize = 16;

const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const VERSION_MAJOR: u16 = 2;
const VERSION_MINOR: u16 = 4;
/// Largest record we ever write; readers may use it to size buffers.
const SNAPLEN: u32 = (PSEUDO_HEADER_LEN + MAX_FRAME_LEN) as u32;

const PACKET_HOST: u16 = 0;
const PACKET_OUTGOING: u16 = 4;

/// Which way a frame went, seen from the end the capture is taken at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// We transmitted it.
    Sent,
    /// The peer transmitted it and we received it.
    Received,
}

#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    #[error("pcap capture: {context}: {source}")]
    Io {
        context: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("pcap capture: frame of {len} octets is longer than the {MAX_FRAME_LEN} a D-channel carries")]
    FrameTooLong { len: usize },
    #[error(
        "pcap capture: timestamp {secs} s does not fit the 32-bit seconds of a classic pcap record"
    )]
    TimestampOutOfRange { secs: u64 },
    /// An earlier write failed part-way: the file may end in a partial record, so
    /// appending more would make the rest unreadable.
    #[error("pcap capture: an earlier write failed; the capture is unusable")]
    Failed,
}

/// Writes D-channel frames to a pcap stream. Nothing is buffered here: wrap a file in a
/// [`std::io::BufWriter`] and call [`PcapWriter::flush`] when the capture should be
/// readable.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    writer: W,
    role: Role,
    frames: u64,
    failed: bool,
}

impl<W: Write> PcapWriter<W> {
    /// Starts a capture taken at an end playing `role` (our side of the span): writes the
    /// global header.
    pub fn new(mut writer: W, role: Role) -> Result<Self, PcapError> {
        writer
            .write_all(&global_header())
            .map_err(|source| PcapError::Io {
                context: "writing the file header",
                source,
            })?;
        Ok(PcapWriter {
            writer,
            role,
            frames: 0,
            failed: false,
        })
    }

    /// Appends one frame (address, control, information; no FCS). `timestamp` is time
    /// since the UNIX epoch, or engine time when wall time is not wanted (tshark then
    /// shows dates in 1970, which is harmless).
    pub fn write_frame(
        &mut self,
        timestamp: Duration,
        direction: Direction,
        frame: &[u8],
    ) -> Result<(), PcapError> {
        if self.failed {
            return Err(PcapError::Failed);
        }
        if frame.len() > MAX_FRAME_LEN {
            return Err(PcapError::FrameTooLong { len: frame.len() });
        }
        let secs =
            u32::try_from(timestamp.as_secs()).map_err(|_| PcapError::TimestampOutOfRange {
                secs: timestamp.as_secs(),
            })?;
        // One write per record so a failing writer leaves at most one partial record.
        let mut record = [0u8; RECORD_HEADER_LEN + PSEUDO_HEADER_LEN + MAX_FRAME_LEN];
        let len = PSEUDO_HEADER_LEN + frame.len();
        record[..RECORD_HEADER_LEN].copy_from_slice(&record_header(
            secs,
            timestamp.subsec_micros(),
            len as u32,
        ));
        let body = &mut record[RECORD_HEADER_LEN..];
        body[..PSEUDO_HEADER_LEN].copy_from_slice(&pseudo_header(self.role, direction));
        body[PSEUDO_HEADER_LEN..len].copy_from_slice(frame);
        if let Err(source) = self.writer.write_all(&record[..RECORD_HEADER_LEN + len]) {
            self.failed = true;
            return Err(PcapError::Io {
                context: "writing a frame record",
                source,
            });
        }
        self.frames += 1;
        Ok(())
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> Result<(), PcapError> {
        self.writer.flush().map_err(|source| PcapError::Io {
            context: "flushing the capture",
            source,
        })
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The underlying writer (not flushed).
    pub fn into_inner(self) -> W {
        self.writer
    }
}

fn global_header() -> [u8; GLOBAL_HEADER_LEN] {
    let mut h = [0u8; GLOBAL_HEADER_LEN];
    h[0..4].copy_from_slice(&MAGIC_MICROS.to_le_bytes());
    h[4..6].copy_from_slice(&VERSION_MAJOR.to_le_bytes());
    h[6..8].copy_from_slice(&VERSION_MINOR.to_le_bytes());
    // 8..12 thiszone and 12..16 sigfigs stay 0: timestamps are UTC.
    h[16..20].copy_from_slice(&SNAPLEN.to_le_bytes());
    h[20..24].copy_from_slice(&LINKTYPE_LINUX_LAPD.to_le_bytes());
    h
}

fn record_header(secs: u32, micros: u32, len: u32) -> [u8; RECORD_HEADER_LEN] {
    let mut h = [0u8; RECORD_HEADER_LEN];
    h[0..4].copy_from_slice(&secs.to_le_bytes());
    h[4..8].copy_from_slice(&micros.to_le_bytes());
    // Captured and original length: we never truncate.
    h[8..12].copy_from_slice(&len.to_le_bytes());
    h[12..16].copy_from_slice(&len.to_le_bytes());
    h
}

fn pseudo_header(role: Role, direction: Direction) -> [u8; PSEUDO_HEADER_LEN] {
    let mut h = [0u8; PSEUDO_HEADER_LEN];
    let packet_type = match direction {
        Direction::Sent => PACKET_OUTGOING,
        Direction::Received => PACKET_HOST,
    };
    h[0..2].copy_from_slice(&packet_type.to_be_bytes());
    h[2..4].copy_from_slice(&ARPHRD_LAPD.to_be_bytes());
    h[4..6].copy_from_slice(&1u16.to_be_bytes());
    h[6] = u8::from(role == Role::Network);
    h[14..16].copy_from_slice(&ETH_P_LAPD.to_be_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const SABME: [u8; 3] = [0x00, 0x01, 0x7f];

    fn capture(role: Role, direction: Direction, at: Duration, frame: &[u8]) -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new(), role).expect("header");
        w.write_frame(at, direction, frame).expect("frame");
        assert_eq!(w.frames(), 1);
        w.into_inner()
    }

    #[test]
    fn global_header_is_classic_pcap_with_linux_lapd_link_type() {
        let bytes = PcapWriter::new(Vec::new(), Role::User)
            .expect("header")
            .into_inner();
        assert_eq!(
            bytes,
            [
                0xd4, 0xc3, 0xb2, 0xa1, // magic, little-endian, microseconds
                0x02, 0x00, 0x04, 0x00, // version 2.4
                0, 0, 0, 0, // thiszone
                0, 0, 0, 0, // sigfigs
                0x18, 0x01, 0x00, 0x00, // snaplen 280 = 16 + 264
                177, 0, 0, 0, // LINKTYPE_LINUX_LAPD
            ]
        );
    }

    #[test]
    fn sent_frame_record_from_the_user_side() {
        let bytes = capture(
            Role::User,
            Direction::Sent,
            Duration::new(0x0102_0304, 5_000_999),
            &SABME,
        );
        let record = &bytes[GLOBAL_HEADER_LEN..];
        assert_eq!(
            record,
            [
                0x04, 0x03, 0x02, 0x01, // seconds
                0x88, 0x13, 0x00, 0x00, // 5000 µs (sub-µs truncated)
                19, 0, 0, 0, // captured length: 16 + 3
                19, 0, 0, 0, // original length
                0x00, 0x04, // PACKET_OUTGOING
                0x20, 0xfd, // ARPHRD_LAPD 8445
                0x00, 0x01, // address length
                0, 0, 0, 0, 0, 0, 0, 0, // address: user side
                0x00, 0x30, // ETH_P_LAPD
                0x00, 0x01, 0x7f, // the frame
            ]
        );
    }

    #[test]
    fn received_frame_on_the_network_side_sets_host_type_and_network_flag() {
        let bytes = capture(Role::Network, Direction::Received, Duration::ZERO, &SABME);
        let pseudo = &bytes[GLOBAL_HEADER_LEN + RECORD_HEADER_LEN..][..PSEUDO_HEADER_LEN];
        assert_eq!(
            pseudo,
            [0x00, 0x00, 0x20, 0xfd, 0x00, 0x01, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x30]
        );
    }

    #[test]
    fn longest_frame_is_accepted_and_a_longer_one_refused_without_writing() {
        let mut w = PcapWriter::new(Vec::new(), Role::User).expect("header");
        w.write_frame(Duration::ZERO, Direction::Sent, &[0u8; MAX_FRAME_LEN])
            .expect("264 octets");
        let err = w
            .write_frame(Duration::ZERO, Direction::Sent, &[0u8; MAX_FRAME_LEN + 1])
            .unwrap_err();
        assert!(matches!(err, PcapError::FrameTooLong { len: 265 }), "{err}");
        assert_eq!(w.frames(), 1);
        let bytes = w.into_inner();
        assert_eq!(
            bytes.len(),
            GLOBAL_HEADER_LEN + RECORD_HEADER_LEN + PSEUDO_HEADER_LEN + MAX_FRAME_LEN
        );
    }

    #[test]
    fn timestamp_beyond_32_bit_seconds_is_refused() {
        let mut w = PcapWriter::new(Vec::new(), Role::User).expect("header");
        let at = Duration::from_secs(u64::from(u32::MAX) + 1);
        let err = w.write_frame(at, Direction::Sent, &SABME).unwrap_err();
        assert!(
            matches!(
                err,
                PcapError::TimestampOutOfRange {
                    secs: 4_294_967_296
                }
            ),
            "{err}"
        );
    }

    /// Accepts `room` octets, then fails.
    #[derive(Debug)]
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn io_errors_carry_context_and_a_failed_capture_refuses_more() {
        let err = PcapWriter::new(Full { room: 10 }, Role::User).unwrap_err();
        assert_eq!(
            err.to_string(),
            "pcap capture: writing the file header: disk full"
        );

        let mut w = PcapWriter::new(
            Full {
                room: GLOBAL_HEADER_LEN + 20,
            },
            Role::User,
        )
        .expect("header fits");
        let err = w
            .write_frame(Duration::ZERO, Direction::Sent, &SABME)
            .unwrap_err();
        assert!(
            matches!(
                &err,
                PcapError::Io {
                    context: "writing a frame record",
                    ..
                }
            ),
            "{err}"
        );
        // Even though the writer would now take nothing at all, the verdict is the
        // capture's own, not another I/O error.
        let err = w
            .write_frame(Duration::ZERO, Direction::Sent, &SABME)
            .unwrap_err();
        assert!(matches!(err, PcapError::Failed), "{err}");
        assert_eq!(w.frames(), 0);
    }
}
