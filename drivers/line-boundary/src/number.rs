use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest number we carry: E.164 allows 15 digits; Q.931 and R2 carry a few more.
const MAX_DIGITS: usize = 32;

/// A dialled or presented number: digits 0-9, `*`, `#`, and a leading `+`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(heapless::String<MAX_DIGITS>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    Empty,
    TooLong { len: usize },
    BadCharacter { ch: char, at: usize },
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::Empty => write!(f, "number is empty"),
            NumberError::TooLong { len } => {
                write!(
                    f,
                    "number has {len} characters, at most {MAX_DIGITS} allowed"
                )
            }
            NumberError::BadCharacter { ch, at } => {
                write!(f, "number has {ch:?} at position {at}; only 0-9, *, # and a leading + are allowed")
            }
        }
    }
}

impl std::error::Error for NumberError {}

impl PhoneNumber {
    pub fn parse(text: &str) -> Result<Self, NumberError> {
        if text.is_empty() {
            return Err(NumberError::Empty);
        }
        for (at, ch) in text.chars().enumerate() {
            let ok = ch.is_ascii_digit() || ch == '*' || ch == '#' || (ch == '+' && at == 0);
            if !ok {
                return Err(NumberError::BadCharacter { ch, at });
            }
        }
        let mut digits = heapless::String::new();
        digits
            .push_str(text)
            .map_err(|_| NumberError::TooLong { len: text.len() })?;
        Ok(PhoneNumber(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = NumberError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&text)
    }
}

impl From<PhoneNumber> for String {
    fn from(number: PhoneNumber) -> String {
        number.0.as_str().to_owned()
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_digits_star_hash_and_leading_plus() {
        assert_eq!(PhoneNumber::parse("+86*10#2").unwrap().as_str(), "+86*10#2");
    }

    #[test]
    fn rejects_bad_input_with_position() {
        assert_eq!(PhoneNumber::parse(""), Err(NumberError::Empty));
        assert_eq!(
            PhoneNumber::parse("12a"),
            Err(NumberError::BadCharacter { ch: 'a', at: 2 })
        );
        assert_eq!(
            PhoneNumber::parse("1+2"),
            Err(NumberError::BadCharacter { ch: '+', at: 1 })
        );
        let long = "1".repeat(40);
        assert_eq!(
            PhoneNumber::parse(&long),
            Err(NumberError::TooLong { len: 40 })
        );
    }
}
