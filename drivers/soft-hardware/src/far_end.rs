//! Far end of a soft span/port: a plain blocking client (HIL rig, tests, tools).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::codec::ErrorCode;
use crate::codec::{self, FrameDecoder, Message};
use crate::error::SoftHwError;
use crate::types::{Block, ClockMode, DeviceKind, Hello, PROTOCOL_VERSION};

/// How often `connect` retries while the box has not created its socket yet.
const CONNECT_RETRY: Duration = Duration::from_millis(10);

pub struct FarEnd {
    path: PathBuf,
    stream: UnixStream,
    hello: Hello,
    decoder: Box<FrameDecoder>,
    /// Bytes read from the socket but not yet fed to the decoder.
    pending: Vec<u8>,
    pending_at: usize,
    tx_seq: u32,
    rx_seq: u32,
    out: Vec<u8>,
    rx_block: Box<Block>,
}

/// A decoded message, copied out of the decoder (the far end may allocate).
enum Incoming {
    Hello(Hello),
    /// The block was copied into `FarEnd::rx_block`.
    Block,
    Error {
        code: ErrorCode,
        text: String,
    },
}

impl FarEnd {
    /// Connects (retrying until `timeout` while the socket is missing or refusing),
    /// sends our HELLO with the given expectations (`None` = any) and waits for the
    /// box's. An ERROR from the box (e.g. code 1 on a mismatch, 3 when busy) becomes
    /// [`SoftHwError::Remote`].
    pub fn connect(
        path: &Path,
        expect_kind: Option<DeviceKind>,
        expect_clock: Option<ClockMode>,
        timeout: Duration,
    ) -> Result<(FarEnd, Hello), SoftHwError> {
        let deadline = Instant::now() + timeout;
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(s) => break s,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
                    ) && Instant::now() + CONNECT_RETRY < deadline =>
                {
                    std::thread::sleep(CONNECT_RETRY)
                }
                Err(source) => {
                    return Err(SoftHwError::Connect {
                        path: path.to_path_buf(),
                        source,
                    })
                }
            }
        };
        // Writes give up after `timeout` too, so a wedged box cannot hang the rig.
        stream
            .set_write_timeout(Some(timeout.max(Duration::from_millis(1))))
            .map_err(|source| SoftHwError::Connect {
                path: path.to_path_buf(),
                source,
            })?;
        let mut far = FarEnd {
            path: path.to_path_buf(),
            stream,
            hello: Hello::far_end(expect_kind, expect_clock),
            decoder: Box::new(FrameDecoder::new()),
            pending: Vec::new(),
            pending_at: 0,
            tx_seq: 0,
            rx_seq: 0,
            out: vec![0; codec::MAX_FRAME],
            rx_block: Box::new(Block::idle(0)),
        };
        let ours = far.hello;
        let n = codec::encode_hello(&ours, &mut far.out).map_err(SoftHwError::Encode)?;
        if let Err(error) = far.write_out(n, "sending HELLO") {
            // A busy box sends ERROR 3 and closes without waiting for our HELLO: the
            // write fails, and the reason is waiting to be read.
            return match far.next_message(deadline, timeout, "reading why the box closed") {
                Ok(Incoming::Error { code, text }) => Err(SoftHwError::Remote {
                    path: far.path,
                    code,
                    text,
                }),
                _ => Err(error),
            };
        }
        let theirs = match far.next_message(deadline, timeout, "waiting for the box's HELLO")? {
            Incoming::Hello(h) => h,
            Incoming::Block => {
                return Err(SoftHwError::Unexpected {
                    path: far.path,
                    what: "BLOCK before HELLO",
                })
            }
            Incoming::Error { code, text } => {
                return Err(SoftHwError::Remote {
                    path: far.path,
                    code,
                    text,
                })
            }
        };
        // The box should have refused us already; check anyway so a wrong box is caught here.
        let field = if theirs.version != PROTOCOL_VERSION {
            Some("version")
        } else if theirs.kind.is_none() || (expect_kind.is_some() && theirs.kind != expect_kind) {
            Some("kind")
        } else if theirs.kind.map(|k| k.channels()) != Some(theirs.channels as usize) {
            Some("channel count")
        } else if theirs.clock.is_none() || (expect_clock.is_some() && theirs.clock != expect_clock)
        {
            Some("clock")
        } else {
            None
        };
        if let Some(field) = field {
            return Err(SoftHwError::HelloMismatch {
                path: far.path,
                field,
                hello: theirs,
            });
        }
        far.hello = theirs;
        Ok((far, theirs))
    }

    /// The box's HELLO.
    pub fn hello(&self) -> Hello {
        self.hello
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Channels per block on this connection.
    pub fn channels(&self) -> usize {
        self.hello.channels as usize
    }

    /// Sends `block` with the next sequence number (the block's own `seq` is ignored).
    pub fn send_block(&mut self, block: &Block) -> Result<(), SoftHwError> {
        let mut block_seq = block.clone();
        block_seq.seq = self.tx_seq;
        let n = codec::encode_block(&block_seq, &mut self.out).map_err(SoftHwError::Encode)?;
        self.write_out(n, "sending BLOCK")?;
        self.tx_seq = self.tx_seq.wrapping_add(1);
        Ok(())
    }

    /// Sends raw bytes (for tests that break the protocol on purpose).
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), SoftHwError> {
        self.stream
            .write_all(bytes)
            .map_err(|source| self.io_err("sending raw bytes", source))
    }

    /// Waits up to `timeout` for the box's next BLOCK. An ERROR from the box becomes
    /// [`SoftHwError::Remote`]; a gap in its sequence numbers is an error too.
    pub fn recv_block(&mut self, into: &mut Block, timeout: Duration) -> Result<(), SoftHwError> {
        let deadline = Instant::now() + timeout;
        let expected_channels = self.channels();
        let expected_seq = self.rx_seq;
        let path = self.path.clone();
        match self.next_message(deadline, timeout, "waiting for a BLOCK")? {
            Incoming::Block => {
                let got = self.rx_block.channels.len();
                if got != expected_channels {
                    let source = codec::CodecError::WrongChannelCount {
                        expected: expected_channels,
                        got,
                    };
                    return Err(SoftHwError::Protocol { path, source });
                }
                if self.rx_block.seq != expected_seq {
                    return Err(SoftHwError::SequenceGap {
                        path,
                        expected: expected_seq,
                        got: self.rx_block.seq,
                    });
                }
                into.copy_from(&self.rx_block);
            }
            Incoming::Error { code, text } => return Err(SoftHwError::Remote { path, code, text }),
            Incoming::Hello(_) => {
                return Err(SoftHwError::Unexpected {
                    path,
                    what: "second HELLO",
                })
            }
        }
        self.rx_seq = self.rx_seq.wrapping_add(1);
        Ok(())
    }

    /// Sends an ERROR and closes (e.g. to test how the box handles it).
    pub fn send_error(mut self, code: ErrorCode, text: &str) -> Result<(), SoftHwError> {
        let n = codec::encode_error(code, text, &mut self.out).map_err(SoftHwError::Encode)?;
        self.write_out(n, "sending ERROR")
    }

    fn write_out(&mut self, n: usize, doing: &'static str) -> Result<(), SoftHwError> {
        self.stream
            .write_all(&self.out[..n])
            .map_err(|source| self.io_err(doing, source))
    }

    fn io_err(&self, doing: &'static str, source: io::Error) -> SoftHwError {
        if is_disconnect(&source) {
            SoftHwError::Disconnected {
                path: self.path.clone(),
                doing,
            }
        } else {
            SoftHwError::Io {
                path: self.path.clone(),
                doing,
                source,
            }
        }
    }

    /// Reads until one whole message is decoded or `deadline` passes.
    fn next_message(
        &mut self,
        deadline: Instant,
        timeout: Duration,
        doing: &'static str,
    ) -> Result<Incoming, SoftHwError> {
        loop {
            // Feed buffered bytes first; only read when the decoder wants more.
            let mut input = &self.pending[self.pending_at..];
            let before = input.len();
            let decoded = self.decoder.decode(&mut input);
            self.pending_at += before - input.len();
            match decoded {
                Ok(Some(Message::Hello(h))) => return Ok(Incoming::Hello(h)),
                Ok(Some(Message::Block(b))) => {
                    b.copy_into(&mut self.rx_block);
                    return Ok(Incoming::Block);
                }
                Ok(Some(Message::Error { code, text })) => {
                    return Ok(Incoming::Error {
                        code,
                        text: text.to_owned(),
                    })
                }
                Ok(None) => {}
                Err(source) => {
                    return Err(SoftHwError::Protocol {
                        path: self.path.clone(),
                        source,
                    })
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(self.timeout(doing, timeout));
            }
            self.stream
                .set_read_timeout(Some(deadline - now))
                .map_err(|source| self.io_err(doing, source))?;
            self.pending.resize(64 * 1024, 0);
            self.pending_at = 0;
            let read = self.stream.read(&mut self.pending);
            self.pending.truncate(*read.as_ref().unwrap_or(&0));
            match read {
                Ok(0) => {
                    return Err(SoftHwError::Disconnected {
                        path: self.path.clone(),
                        doing,
                    })
                }
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(self.timeout(doing, timeout))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => return Err(self.io_err(doing, source)),
            }
        }
    }

    fn timeout(&self, doing: &'static str, timeout: Duration) -> SoftHwError {
        SoftHwError::Timeout {
            path: self.path.clone(),
            doing,
            timeout_ms: timeout.as_millis(),
        }
    }
}

fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    )
}
