//! CL2C's field rules, checked before anything is stored. Every failing
//! field is reported (ASP.NET validates the whole model before answering),
//! in the wording of the vendor's 400 example.

use super::types::UpdateProfileRequest;
use super::errors::FieldErrors;

pub const FIRST_NAME_REQUIRED: &str = "First name is required";
pub const INVALID_PHONE_NUMBER: &str = "Invalid phone number format";

/// The spec's `^\+[1-9][0-9]{1,14}$` (x-rule `e164-phone-number`): a plus
/// sign, then 2 to 15 ASCII digits, the first not zero. Written out rather
/// than as a regex so that `$` cannot match before a trailing newline, as
/// it does in some regex dialects.
pub fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Every documented rule: firstName required and non-empty (the spec's
/// `minLength: 1`; a name of spaces has length 1 and passes); phoneNumber,
/// when sent, in E.164 form. lastName, pushToken and id carry no rule in
/// the spec, so none is invented here (the body limit bounds their size).
pub fn validate(request: &UpdateProfileRequest) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if request.first_name.as_deref().is_none_or(str::is_empty) {
        errors.insert("firstName".into(), vec![FIRST_NAME_REQUIRED.into()]);
    }
    if let Some(phone_number) = &request.phone_number
        && !is_e164(phone_number)
    {
        errors.insert("phoneNumber".into(), vec![INVALID_PHONE_NUMBER.into()]);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::is_e164;

    #[test]
    fn e164_accepts_2_to_15_digits_after_a_plus_the_first_not_zero() {
        for good in ["+12", "+1234567890", "+123456789012345", "+447911123456"] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "",
            "+",
            "+1",
            "1234567890",
            "+0123456789",
            "+1234567890123456",
            "+123 456",
            "+123-456",
            "+1234567890\n",
            "++123",
            "+١٢٣",
        ] {
            assert!(!is_e164(bad), "{bad:?}");
        }
    }
}
