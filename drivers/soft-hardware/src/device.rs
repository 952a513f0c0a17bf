//! Box side of one soft span/port.
//!
//! Everything after [`SoftDevice::bind`] works in buffers allocated by `bind`: the frame
//! decoder, a ring of received blocks and a transmit buffer. Sockets are non-blocking.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{send, MsgFlags};

use crate::codec::ErrorCode;
use crate::codec::{self, BlockRef, CodecError, FrameDecoder, Message};
use crate::error::{DeviceName, SoftHwError};
use crate::types::{
    socket_path, Block, ClockMode, DeviceKind, Hello, LineConditions, MAX_CHANNELS,
};

/// Received blocks kept before the oldest is dropped (80 ms).
pub const RX_QUEUE_BLOCKS: usize = 4;
/// Outgoing blocks buffered (beyond the kernel's socket buffer) before new ones are dropped.
pub const TX_QUEUE_BLOCKS: usize = 4;
/// Room in the transmit buffer for a HELLO and an ERROR besides the blocks.
const TX_SLACK: usize = 256;
/// Bytes read per `read` call.
const READ_CHUNK: usize = 8192;
/// Bound on bytes read by one `receive`, so a flooding far end cannot stall a tick.
const MAX_READ_PER_CALL: usize = 8 * READ_CHUNK;
/// How long a far end may stay connected without completing HELLO before it is dropped:
/// one that never says HELLO would otherwise hold the device (everyone else is "busy").
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(5);

/// Counters for the box's status page.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct DeviceStats {
    pub blocks_rx: u64,
    pub blocks_tx: u64,
    /// Ticks with no received block waiting while connected.
    pub underruns: u64,
    /// Received blocks dropped because [`RX_QUEUE_BLOCKS`] were already waiting.
    pub overruns: u64,
    /// Outgoing blocks dropped because the transmit buffer was full.
    pub tx_dropped: u64,
    /// Far ends that completed HELLO.
    pub connects: u64,
    /// Connections closed for a protocol violation (ours or reported by the far end).
    pub protocol_errors: u64,
    /// Connections dropped for sending no HELLO within the HELLO timeout.
    pub hello_timeouts: u64,
}

/// Fixed ring of received blocks; overrun drops the oldest.
struct RxQueue {
    blocks: [Block; RX_QUEUE_BLOCKS],
    head: usize,
    len: usize,
}

impl RxQueue {
    fn new(channels: usize) -> Self {
        RxQueue {
            blocks: core::array::from_fn(|_| Block::idle(channels)),
            head: 0,
            len: 0,
        }
    }
    /// Returns true if the oldest block had to be dropped.
    fn push(&mut self, block: &BlockRef<'_>) -> bool {
        let overrun = self.len == RX_QUEUE_BLOCKS;
        if overrun {
            self.head = (self.head + 1) % RX_QUEUE_BLOCKS;
            self.len -= 1;
        }
        block.copy_into(&mut self.blocks[(self.head + self.len) % RX_QUEUE_BLOCKS]);
        self.len += 1;
        overrun
    }
    fn pop_into(&mut self, into: &mut Block) -> bool {
        if self.len == 0 {
            return false;
        }
        into.copy_from(&self.blocks[self.head]);
        self.head = (self.head + 1) % RX_QUEUE_BLOCKS;
        self.len -= 1;
        true
    }
    fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

/// Linear transmit buffer: bytes `start..end` are waiting for the socket.
struct TxBuffer {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
}

impl TxBuffer {
    fn is_empty(&self) -> bool {
        self.start == self.end
    }
    fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }
    /// Free space of at least `need` bytes at the end, compacting if that makes room.
    fn reserve(&mut self, need: usize) -> Option<&mut [u8]> {
        if self.buf.len() - self.end < need && self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < need {
            return None;
        }
        Some(&mut self.buf[self.end..])
    }
    fn commit(&mut self, n: usize) {
        self.end += n;
    }
    /// Writes as much as the socket takes. `Err` means the connection is gone.
    fn flush(&mut self, fd: RawFd) -> Result<(), Errno> {
        while !self.is_empty() {
            // MSG_NOSIGNAL: a vanished peer must be an error value, not SIGPIPE.
            match send(
                fd,
                &self.buf[self.start..self.end],
                MsgFlags::MSG_NOSIGNAL | MsgFlags::MSG_DONTWAIT,
            ) {
                Ok(n) => self.start += n,
                Err(Errno::EAGAIN) => return Ok(()),
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e),
            }
        }
        self.clear();
        Ok(())
    }
}

/// Large state, boxed once in `bind` so `SoftDevice` is cheap to move.
struct Buffers {
    decoder: FrameDecoder,
    scratch: [u8; READ_CHUNK],
    rx: RxQueue,
    tx: TxBuffer,
}

struct Conn {
    stream: UnixStream,
    /// HELLO exchanged.
    ready: bool,
    /// Next sequence number expected from the far end.
    rx_seq: u32,
    /// Sequence number of our next BLOCK.
    tx_seq: u32,
    /// When [`SoftDevice::drop_silent`] first saw this connection (HELLO timeout start).
    seen_at: Option<Instant>,
}

/// Why a connection must end after processing input. The text is inline on purpose:
/// boxing it would allocate on the hot path.
#[allow(clippy::large_enum_variant)]
enum Close {
    /// The far end broke the protocol: tell it with an ERROR.
    Violation {
        code: ErrorCode,
        text: heapless::String<200>,
    },
    /// The far end reported an error itself.
    Remote,
}

impl Close {
    fn violation(code: ErrorCode, args: std::fmt::Arguments<'_>) -> Close {
        let mut text = heapless::String::new();
        // A too-long text is merely cut short.
        let _ = text.write_fmt(args);
        Close::Violation { code, text }
    }
}

/// Box side of one soft span/port. Everything after `bind` is allocation-free and
/// non-blocking.
pub struct SoftDevice {
    name: DeviceName,
    clock: ClockMode,
    path: PathBuf,
    /// (dev, inode) of our socket file, so `Drop` never removes a successor's socket.
    inode: Option<(u64, u64)>,
    listener: UnixListener,
    conn: Option<Conn>,
    bufs: Box<Buffers>,
    last_signal: [u8; MAX_CHANNELS],
    last_conditions: LineConditions,
    stats: DeviceStats,
    hello_timeout: Duration,
}

impl SoftDevice {
    /// Listens on `<dir>/<kind><id>.sock`, creating `dir` and replacing a stale socket.
    pub fn bind(
        dir: &Path,
        kind: DeviceKind,
        id: u16,
        clock: ClockMode,
    ) -> Result<SoftDevice, SoftHwError> {
        fs::create_dir_all(dir).map_err(|source| SoftHwError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = socket_path(dir, kind, id);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_socket() => {
                fs::remove_file(&path).map_err(|source| SoftHwError::RemoveStale {
                    path: path.clone(),
                    source,
                })?
            }
            Ok(_) => return Err(SoftHwError::NotASocket { path }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(SoftHwError::RemoveStale { path, source }),
        }
        let listener = UnixListener::bind(&path).map_err(|source| SoftHwError::Bind {
            path: path.clone(),
            source,
        })?;
        listener
            .set_nonblocking(true)
            .map_err(|source| SoftHwError::Bind {
                path: path.clone(),
                source,
            })?;
        let inode = fs::symlink_metadata(&path).ok().map(|m| (m.dev(), m.ino()));
        let channels = kind.channels();
        let tx_len = TX_QUEUE_BLOCKS * codec::block_frame_len(channels) + TX_SLACK;
        let bufs = Box::new(Buffers {
            decoder: FrameDecoder::new(),
            scratch: [0; READ_CHUNK],
            rx: RxQueue::new(channels),
            tx: TxBuffer {
                buf: vec![0; tx_len].into_boxed_slice(),
                start: 0,
                end: 0,
            },
        });
        tracing::info!(device = %DeviceName { kind, id }, path = %path.display(), %clock, "soft device listening");
        let mut dev = SoftDevice {
            name: DeviceName { kind, id },
            clock,
            path,
            inode,
            listener,
            conn: None,
            bufs,
            last_signal: [0; MAX_CHANNELS],
            last_conditions: LineConditions::NONE,
            stats: DeviceStats::default(),
            hello_timeout: HELLO_TIMEOUT,
        };
        dev.unplug_state();
        Ok(dev)
    }

    pub fn kind(&self) -> DeviceKind {
        self.name.kind
    }
    pub fn id(&self) -> u16 {
        self.name.id
    }
    pub fn name(&self) -> DeviceName {
        self.name
    }
    pub fn clock(&self) -> ClockMode {
        self.clock
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The HELLO this device announces.
    pub fn hello(&self) -> Hello {
        Hello::for_device(self.name.kind, self.name.id, self.clock)
    }
    pub fn stats(&self) -> DeviceStats {
        self.stats
    }

    /// How long a far end may take to complete HELLO ([`HELLO_TIMEOUT`] unless set).
    pub fn hello_timeout(&self) -> Duration {
        self.hello_timeout
    }
    pub fn set_hello_timeout(&mut self, timeout: Duration) {
        self.hello_timeout = timeout;
    }

    /// A far end completed HELLO.
    pub fn is_connected(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.ready)
    }

    /// A received block is waiting.
    pub fn has_block(&self) -> bool {
        self.bufs.rx.len > 0
    }

    /// Listener fd, and the connection's fd if any (for the caller's own poll set).
    pub fn poll_fds(&self) -> (RawFd, Option<RawFd>) {
        (
            self.listener.as_raw_fd(),
            self.conn.as_ref().map(|c| c.stream.as_raw_fd()),
        )
    }

    /// Listener, connection, and whether the connection has bytes waiting to be sent.
    pub(crate) fn poll_interest(&self) -> (BorrowedFd<'_>, Option<(BorrowedFd<'_>, bool)>) {
        (
            self.listener.as_fd(),
            self.conn
                .as_ref()
                .map(|c| (c.stream.as_fd(), !self.bufs.tx.is_empty())),
        )
    }

    /// Accepts pending far ends. The first becomes the connection (HELLO is exchanged by
    /// [`receive`](Self::receive) as bytes arrive); any other gets ERROR 3 and is closed.
    /// Returns whether a new connection was taken. `Err` only if the listener is broken.
    pub fn poll_accept(&mut self) -> Result<bool, SoftHwError> {
        let mut accepted = false;
        loop {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(accepted),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_transient_accept_error(&e) => {
                    tracing::warn!(device = %self.name, error = %e, "accept failed, will retry");
                    return Ok(accepted);
                }
                Err(source) => {
                    return Err(SoftHwError::Accept {
                        device: self.name,
                        source,
                    })
                }
            };
            if self.conn.is_some() {
                self.reject_busy(stream);
                continue;
            }
            if let Err(e) = stream.set_nonblocking(true) {
                tracing::warn!(device = %self.name, error = %e, "cannot make far end socket non-blocking; dropped");
                continue;
            }
            tracing::debug!(device = %self.name, "far end connected, awaiting HELLO");
            self.bufs.decoder.reset();
            self.bufs.rx.clear();
            self.bufs.tx.clear();
            self.conn = Some(Conn {
                stream,
                ready: false,
                rx_seq: 0,
                tx_seq: 0,
                seen_at: None,
            });
            accepted = true;
        }
    }

    fn reject_busy(&mut self, stream: UnixStream) {
        let mut text = heapless::String::<96>::new();
        let _ = write!(text, "{} is busy: another far end is connected", self.name);
        let mut frame = [0u8; 128];
        if let Ok(n) = codec::encode_error(ErrorCode::Busy, &text, &mut frame) {
            // Best effort: a fresh socket's buffer is empty, so this fits unless the peer is gone.
            let _ = send(
                stream.as_raw_fd(),
                &frame[..n],
                MsgFlags::MSG_NOSIGNAL | MsgFlags::MSG_DONTWAIT,
            );
        }
        tracing::info!(device = %self.name, "second far end rejected: busy");
    }

    /// Drops a far end that has not completed HELLO within the HELLO timeout: it gets
    /// ERROR 5 and the device is free for the next one. `now` is the caller's clock (this
    /// crate reads none but [`RealTimeClock`](crate::RealTimeClock)); the timeout runs
    /// from the first call that sees the connection, so call this right after
    /// [`poll_accept`](Self::poll_accept), and at least every few hundred milliseconds.
    /// Returns whether a connection was dropped.
    pub fn drop_silent(&mut self, now: Instant) -> bool {
        let timeout = self.hello_timeout;
        let Some(conn) = self.conn.as_mut().filter(|c| !c.ready) else {
            return false;
        };
        let since = *conn.seen_at.get_or_insert(now);
        let waited = now.saturating_duration_since(since);
        if waited < timeout {
            return false;
        }
        self.stats.hello_timeouts += 1;
        let mut text = heapless::String::<96>::new();
        let _ = write!(
            text,
            "{}: no HELLO within {} ms of connecting",
            self.name,
            timeout.as_millis()
        );
        tracing::warn!(device = %self.name, waited_ms = waited.as_millis() as u64, "far end sent no HELLO in time; dropped");
        if let Some(out) = self.bufs.tx.reserve(5 + text.len()) {
            if let Ok(n) = codec::encode_error(ErrorCode::HelloTimeout, &text, out) {
                self.bufs.tx.commit(n);
            }
        }
        self.flush();
        self.disconnect(format_args!("no HELLO in time"));
        true
    }

    /// Sends what is left in the transmit buffer. Done by `receive` and `send_block` too.
    pub fn flush(&mut self) {
        let Some(conn) = &self.conn else { return };
        if let Err(e) = self.bufs.tx.flush(conn.stream.as_raw_fd()) {
            self.disconnect(format_args!("send failed: {e}"));
        }
    }

    /// Reads whatever is available: completes the HELLO exchange, queues BLOCKs and
    /// handles violations (ERROR to the far end, then close). A vanished far end just
    /// leaves the device disconnected; this returns `Ok` in all those cases.
    pub fn receive(&mut self) -> Result<(), SoftHwError> {
        self.flush();
        let mut budget = MAX_READ_PER_CALL;
        while budget > 0 {
            let Some(conn) = &self.conn else {
                return Ok(());
            };
            let n = match (&conn.stream).read(&mut self.bufs.scratch) {
                Ok(0) => {
                    self.disconnect(format_args!("far end closed the connection"));
                    return Ok(());
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.disconnect(format_args!("read failed: {e}"));
                    return Ok(());
                }
            };
            budget = budget.saturating_sub(n);
            if let Err(close) = self.process(n) {
                self.close_with(close);
                return Ok(());
            }
        }
        self.flush();
        Ok(())
    }

    /// Handles `scratch[..n]`.
    #[allow(clippy::result_large_err)] // see `Close`
    fn process(&mut self, n: usize) -> Result<(), Close> {
        let name = self.name;
        let own = self.hello();
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        let Buffers {
            decoder,
            scratch,
            rx,
            tx,
        } = &mut *self.bufs;
        let mut input = &scratch[..n];
        loop {
            let msg = match decoder.decode(&mut input) {
                Ok(Some(msg)) => msg,
                Ok(None) => return Ok(()),
                Err(e) => {
                    return Err(Close::violation(
                        ErrorCode::Malformed,
                        format_args!("{name}: {e}"),
                    ))
                }
            };
            match msg {
                Message::Hello(_) if conn.ready => {
                    return Err(Close::violation(
                        ErrorCode::Malformed,
                        format_args!("{name}: HELLO sent twice"),
                    ));
                }
                Message::Hello(theirs) => {
                    if let Some(field) = theirs.mismatch_with(&own) {
                        return Err(Close::violation(
                            ErrorCode::HelloMismatch,
                            format_args!(
                                "{name}: {field} mismatch: box is {} v{}, {} ch, {}; far end asked for {:?}",
                                name.kind,
                                own.version,
                                own.channels,
                                self.clock,
                                theirs
                            ),
                        ));
                    }
                    let encoded = tx
                        .reserve(codec::HELLO_FRAME_LEN)
                        .map(|out| codec::encode_hello(&own, out));
                    match encoded {
                        Some(Ok(len)) => tx.commit(len),
                        // Cannot happen: tx is empty until HELLO and sized well above it.
                        _ => return Err(Close::Remote),
                    }
                    conn.ready = true;
                    self.stats.connects += 1;
                    tracing::info!(device = %name, far_end = ?theirs, "far end connected");
                }
                Message::Block(_) if !conn.ready => {
                    return Err(Close::violation(
                        ErrorCode::Malformed,
                        format_args!("{name}: BLOCK before HELLO"),
                    ));
                }
                Message::Block(block) => {
                    if block.channel_count() != name.kind.channels() {
                        let e = CodecError::WrongChannelCount {
                            expected: name.kind.channels(),
                            got: block.channel_count(),
                        };
                        return Err(Close::violation(
                            ErrorCode::Malformed,
                            format_args!("{name}: {e}"),
                        ));
                    }
                    if block.seq() != conn.rx_seq {
                        return Err(Close::violation(
                            ErrorCode::SequenceGap,
                            format_args!(
                                "{name}: expected BLOCK {}, got {}",
                                conn.rx_seq,
                                block.seq()
                            ),
                        ));
                    }
                    conn.rx_seq = conn.rx_seq.wrapping_add(1);
                    self.stats.blocks_rx += 1;
                    if rx.push(&block) {
                        self.stats.overruns += 1;
                    }
                }
                Message::Error { code, text } => {
                    tracing::warn!(device = %name, %code, text, "far end sent ERROR");
                    return Err(Close::Remote);
                }
            }
        }
    }

    fn close_with(&mut self, close: Close) {
        self.stats.protocol_errors += 1;
        match close {
            Close::Remote => self.disconnect(format_args!("closed after far end ERROR")),
            Close::Violation { code, text } => {
                tracing::warn!(device = %self.name, %code, text = %text, "protocol violation, closing");
                if let Some(out) = self.bufs.tx.reserve(5 + text.len()) {
                    if let Ok(n) = codec::encode_error(code, &text, out) {
                        self.bufs.tx.commit(n);
                    }
                }
                self.flush();
                self.disconnect(format_args!("protocol violation"));
            }
        }
    }

    /// Drops the connection and makes the line look unplugged.
    fn disconnect(&mut self, why: std::fmt::Arguments<'_>) {
        if let Some(conn) = self.conn.take() {
            tracing::info!(device = %self.name, was_ready = conn.ready, reason = %why, "far end disconnected");
        }
        self.bufs.decoder.reset();
        self.bufs.rx.clear();
        self.bufs.tx.clear();
        self.unplug_state();
    }

    /// Unplugged: LOS on a span; no battery / on hook (all bits 0) on a port.
    fn unplug_state(&mut self) {
        self.last_signal = [0; MAX_CHANNELS];
        self.last_conditions = if self.name.kind == DeviceKind::E1 {
            LineConditions::LOS
        } else {
            LineConditions::NONE
        };
    }

    /// Takes the oldest received block into `into` and returns true. Otherwise (underrun,
    /// or nothing connected) fills `into` with silence, the last received signalling bytes
    /// and line conditions (unplugged values when disconnected) and returns false.
    pub fn take_block(&mut self, into: &mut Block) -> bool {
        if self.bufs.rx.pop_into(into) {
            for (last, rec) in self.last_signal.iter_mut().zip(into.channels.iter()) {
                *last = rec.signal;
            }
            self.last_conditions = into.conditions;
            return true;
        }
        let connected = self.is_connected();
        if connected {
            self.stats.underruns += 1;
        }
        into.fill_idle(self.name.kind.channels());
        for (rec, &signal) in into.channels.iter_mut().zip(self.last_signal.iter()) {
            rec.signal = signal;
        }
        into.conditions = self.last_conditions;
        into.seq = self.conn.as_ref().map_or(0, |c| c.rx_seq);
        false
    }

    /// Queues `block` (its `seq` is replaced by this connection's count) and sends what
    /// the socket takes. Without a connected far end the block goes nowhere. If the
    /// transmit buffer is full the block is dropped and counted. `Err` only for a block
    /// with the wrong channel count (a caller bug).
    pub fn send_block(&mut self, block: &Block) -> Result<(), SoftHwError> {
        let expected = self.name.kind.channels();
        if block.channels.len() != expected {
            return Err(SoftHwError::ChannelCount {
                device: self.name,
                expected,
                got: block.channels.len(),
            });
        }
        self.flush();
        let Some(conn) = self.conn.as_mut().filter(|c| c.ready) else {
            return Ok(());
        };
        let need = codec::block_frame_len(expected);
        let Some(out) = self.bufs.tx.reserve(need) else {
            self.stats.tx_dropped += 1;
            return Ok(());
        };
        match codec::encode_block(block, out) {
            Ok(n) => {
                // Sequence numbers count blocks actually sent on this connection.
                out[3..7].copy_from_slice(&conn.tx_seq.to_le_bytes());
                self.bufs.tx.commit(n);
                conn.tx_seq = conn.tx_seq.wrapping_add(1);
                self.stats.blocks_tx += 1;
            }
            // Cannot happen: `reserve` guaranteed the room.
            Err(_) => self.stats.tx_dropped += 1,
        }
        self.flush();
        Ok(())
    }
}

fn is_transient_accept_error(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error().map(Errno::from_raw),
        Some(
            Errno::ECONNABORTED
                | Errno::EMFILE
                | Errno::ENFILE
                | Errno::ENOBUFS
                | Errno::ENOMEM
                | Errno::EPROTO
        )
    )
}

impl Drop for SoftDevice {
    fn drop(&mut self) {
        let ours = fs::symlink_metadata(&self.path)
            .ok()
            .map(|m| (m.dev(), m.ino()));
        if ours.is_some() && ours == self.inode {
            let _ = fs::remove_file(&self.path);
        }
    }
}
