//! Exante's field rules, checked before anything is stored. Every failing
//! field is reported (one `errors` entry each, with every rule it breaks),
//! in the Laravel-like wording of the spec's error example.
//!
//! The rules, from `spec/exante.yaml`:
//! - firstname, lastname: a string of 1 to 64 characters, ASCII letters only
//!   (`^[A-Za-z]+$`);
//! - timezone: a string naming a zone of the IANA tz database (x-rule
//!   iana-time-zone);
//! - default_organization: a uuid naming an organisation the user is a
//!   member of (x-rule member-organization; the membership half needs
//!   storage, see [`check_membership`]);
//! - settings: a JSON object.
//!
//! No field is nullable in the spec, so an explicit `null` breaks the
//! field's type rule rather than clearing the field.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::types::{FieldErrors, UserProfileUpdate};
use crate::storage::Organisation;

/// The spec's length limits of firstname and lastname, in characters.
const NAME_MIN: usize = 1;
const NAME_MAX: usize = 64;

/// What a valid request changes; `None` leaves the stored value alone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub timezone: Option<String>,
    pub default_organization: Option<Uuid>,
    pub settings: Option<Map<String, Value>>,
}

fn fail(errors: &mut FieldErrors, field: &str, message: String) {
    errors.entry(field.to_string()).or_default().push(message);
}

/// firstname / lastname: a string, 1 to 64 characters, ASCII letters only.
fn name(field: &str, value: &Value, errors: &mut FieldErrors) -> Option<String> {
    let Value::String(text) = value else {
        fail(errors, field, format!("The {field} must be a string."));
        return None;
    };
    let mut valid = true;
    let length = text.chars().count();
    if !(NAME_MIN..=NAME_MAX).contains(&length) {
        fail(
            errors,
            field,
            format!("The {field} must be between {NAME_MIN} and {NAME_MAX} characters."),
        );
        valid = false;
    }
    // An empty name already failed the length rule; saying it also holds
    // something other than letters would be wrong.
    if !text.is_empty() && !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        fail(
            errors,
            field,
            format!("The {field} may only contain letters."),
        );
        valid = false;
    }
    valid.then(|| text.clone())
}

/// timezone: a zone of the IANA tz database, spelt exactly as the database
/// does (chrono-tz's table, links such as `US/Eastern` included).
fn timezone(value: &Value, errors: &mut FieldErrors) -> Option<String> {
    let Value::String(text) = value else {
        fail(errors, "timezone", "The timezone must be a string.".into());
        return None;
    };
    match text.parse::<chrono_tz::Tz>() {
        Ok(zone) => Some(zone.name().to_string()),
        Err(_) => {
            fail(
                errors,
                "timezone",
                "The timezone must be a valid IANA timezone identifier.".into(),
            );
            None
        }
    }
}

/// default_organization: a uuid in its standard hyphenated form (the form
/// `format: uuid` means; the braced, URN and unhyphenated forms the `uuid`
/// crate would also read are refused).
fn organisation_uid(value: &Value, errors: &mut FieldErrors) -> Option<Uuid> {
    let parsed = match value {
        Value::String(text) if text.len() == 36 => Uuid::try_parse(text).ok(),
        _ => None,
    };
    if parsed.is_none() {
        fail(
            errors,
            "default_organization",
            "The default_organization must be a valid UUID.".into(),
        );
    }
    parsed
}

fn settings(value: &Value, errors: &mut FieldErrors) -> Option<Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map.clone()),
        _ => {
            fail(errors, "settings", "The settings must be an object.".into());
            None
        }
    }
}

/// Checks every rule that needs no storage. Returns the changes of the
/// fields that passed and the errors of those that did not; the request is
/// valid only if `errors` stays empty after [`check_membership`].
pub fn validate(request: &UserProfileUpdate) -> (Changes, FieldErrors) {
    let mut errors = FieldErrors::new();
    let changes = Changes {
        firstname: request
            .firstname
            .as_ref()
            .and_then(|v| name("firstname", v, &mut errors)),
        lastname: request
            .lastname
            .as_ref()
            .and_then(|v| name("lastname", v, &mut errors)),
        timezone: request
            .timezone
            .as_ref()
            .and_then(|v| timezone(v, &mut errors)),
        default_organization: request
            .default_organization
            .as_ref()
            .and_then(|v| organisation_uid(v, &mut errors)),
        settings: request
            .settings
            .as_ref()
            .and_then(|v| settings(v, &mut errors)),
    };
    (changes, errors)
}

/// The member-organization rule: the new default organisation must be one
/// of `organisations` (the user's). An unknown uuid and another user's
/// organisation get the same message, so the answer does not reveal which
/// organisations exist.
pub fn check_membership(
    changes: &Changes,
    organisations: &[Organisation],
    errors: &mut FieldErrors,
) {
    if let Some(uid) = changes.default_organization
        && !organisations.iter().any(|o| o.id == uid)
    {
        fail(
            errors,
            "default_organization",
            "The default_organization must be an organization you are a member of.".into(),
        );
    }
}
