//! How the box's dialled digits map to a number's type on the wire and back: a carrier
//! wants "national 201234", a user dials and sees "0201234". Per span, like any PBX's
//! national and international prefixes.

use super::ie::TypeOfNumber;
use line_boundary::PhoneNumber;

/// The prefixes of the country the span is in. Empty prefixes (the default) send every
/// number as type *unknown*, digits as dialled, with `+` marking international ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Numbering {
    /// Dialled before a national number (`0` in most of Europe and China).
    pub national_prefix: String,
    /// Dialled before an international number (`00` in Europe and China).
    pub international_prefix: String,
}

impl Numbering {
    /// The type of number and the digits to send for `number`.
    pub fn to_wire<'n>(&self, number: &'n PhoneNumber) -> (TypeOfNumber, &'n str) {
        let digits = number.as_str();
        if let Some(rest) = digits.strip_prefix('+') {
            return (TypeOfNumber::International, rest);
        }
        // The international prefix is tested first: it usually starts with the national one.
        if let Some(rest) = strip_nonempty(digits, &self.international_prefix) {
            return (TypeOfNumber::International, rest);
        }
        if let Some(rest) = strip_nonempty(digits, &self.national_prefix) {
            return (TypeOfNumber::National, rest);
        }
        (TypeOfNumber::Unknown, digits)
    }

    /// A received calling number as a user would dial it back.
    pub fn calling_from_wire(
        &self,
        type_of_number: TypeOfNumber,
        digits: &str,
    ) -> Option<PhoneNumber> {
        if digits.is_empty() {
            return None;
        }
        let prefix = match type_of_number {
            TypeOfNumber::International if self.international_prefix.is_empty() => "+",
            TypeOfNumber::International => self.international_prefix.as_str(),
            TypeOfNumber::National => self.national_prefix.as_str(),
            _ => "",
        };
        PhoneNumber::parse(&format!("{prefix}{digits}")).ok()
    }

    /// A received called number (the DDI routes match on): digits as sent, `+` before an
    /// international one.
    pub fn called_from_wire(
        &self,
        type_of_number: TypeOfNumber,
        digits: &str,
    ) -> Option<PhoneNumber> {
        if digits.is_empty() {
            return None;
        }
        match type_of_number {
            TypeOfNumber::International => PhoneNumber::parse(&format!("+{digits}")).ok(),
            _ => PhoneNumber::parse(digits).ok(),
        }
    }
}

fn strip_nonempty<'a>(digits: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        return None;
    }
    digits.strip_prefix(prefix).filter(|rest| !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> PhoneNumber {
        PhoneNumber::parse(text).expect("valid number")
    }

    #[test]
    fn without_prefixes_numbers_go_as_dialled() {
        let plain = Numbering::default();
        assert_eq!(
            plain.to_wire(&number("0201234")),
            (TypeOfNumber::Unknown, "0201234")
        );
        assert_eq!(
            plain.to_wire(&number("+442071234567")),
            (TypeOfNumber::International, "442071234567")
        );
        assert_eq!(
            plain.calling_from_wire(TypeOfNumber::National, "201234"),
            Some(number("201234"))
        );
        assert_eq!(
            plain.calling_from_wire(TypeOfNumber::International, "4420"),
            Some(number("+4420"))
        );
    }

    #[test]
    fn prefixes_set_the_type_of_number_both_ways() {
        let europe = Numbering {
            national_prefix: "0".into(),
            international_prefix: "00".into(),
        };
        assert_eq!(
            europe.to_wire(&number("00442071234567")),
            (TypeOfNumber::International, "442071234567")
        );
        assert_eq!(
            europe.to_wire(&number("0201234")),
            (TypeOfNumber::National, "201234")
        );
        assert_eq!(
            europe.to_wire(&number("5550123")),
            (TypeOfNumber::Unknown, "5550123")
        );
        assert_eq!(
            europe.to_wire(&number("0")),
            (TypeOfNumber::Unknown, "0"),
            "a bare prefix is no number"
        );
        assert_eq!(
            europe.calling_from_wire(TypeOfNumber::National, "201234"),
            Some(number("0201234"))
        );
        assert_eq!(
            europe.calling_from_wire(TypeOfNumber::International, "4420"),
            Some(number("004420"))
        );
        assert_eq!(
            europe.calling_from_wire(TypeOfNumber::Subscriber, "1234"),
            Some(number("1234"))
        );
        assert_eq!(
            europe.called_from_wire(TypeOfNumber::National, "201234"),
            Some(number("201234"))
        );
        assert_eq!(europe.calling_from_wire(TypeOfNumber::National, ""), None);
    }
}
