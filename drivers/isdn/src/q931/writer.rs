//! Writing a message: octets appended to a caller's buffer (no allocation), and why an
//! encoding can fail. Shared by the message header and the information elements.

use thiserror::Error;

/// Why a message could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum EncodeError {
    #[error("buffer of {capacity} octets is too small for the message")]
    BufferTooSmall { capacity: usize },
    #[error("information element too long ({len} octets)")]
    IeTooLong { len: usize },
    #[error("call reference value {0:#x} needs more than 15 bits")]
    CallReferenceTooLarge(u16),
    #[error("invalid field: {0}")]
    InvalidField(&'static str),
}

/// Appends octets to a caller's buffer, failing cleanly when it is full.
pub struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Writer<'a> {
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn put(&mut self, octets: &[u8]) -> Result<(), EncodeError> {
        let end = self.len + octets.len();
        let capacity = self.buf.len();
        let slot = self
            .buf
            .get_mut(self.len..end)
            .ok_or(EncodeError::BufferTooSmall { capacity })?;
        slot.copy_from_slice(octets);
        self.len = end;
        Ok(())
    }

    /// A variable-length element: identifier, length, contents.
    pub fn ie(&mut self, id: u8, contents: &[u8]) -> Result<(), EncodeError> {
        let len = u8::try_from(contents.len()).map_err(|_| EncodeError::IeTooLong {
            len: contents.len(),
        })?;
        self.put(&[id, len])?;
        self.put(contents)
    }
}
