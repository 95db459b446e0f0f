//! Ctrl-Hub's request rules, checked on the parsed JSON before anything is
//! stored, so that every failing member is reported at once, each with its
//! JSON pointer (JSON:API's `source.pointer`).
//!
//! The rules are the spec's: `data` required; `data.id` required, a uuid,
//! equal to the path's `user_id` (x-rule id-matches-path); `data.type`
//! required, one of the enum ("users"); `attributes`, `profile` and each
//! profile section objects when present; every profile field a string;
//! `dob` and `start_date` RFC 3339 date-times. Optional members may be
//! absent but never null (the spec marks nothing nullable). Members the spec
//! does not name are ignored, as its schemas do not forbid them; they are
//! not stored.

use chrono::DateTime;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::types::UserUpdateDocument;
use super::errors::JsonApiError;

/// How a profile field is checked.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    DateTime,
}

/// The profile sections and their fields, as the spec's request schemas
/// (Address, Contact, PersonalUpdate, ProfileSettings, WorkUpdate) list them.
const SECTIONS: &[(&str, &[(&str, Kind)])] = &[
    (
        "address",
        &[
            ("area", Kind::Text),
            ("country_code", Kind::Text),
            ("county", Kind::Text),
            ("name", Kind::Text),
            ("number", Kind::Text),
            ("postcode", Kind::Text),
            ("street", Kind::Text),
            ("town", Kind::Text),
            ("what3words", Kind::Text),
        ],
    ),
    (
        "contact",
        &[("landline", Kind::Text), ("mobile", Kind::Text)],
    ),
    (
        "personal",
        &[
            ("dob", Kind::DateTime),
            ("first_name", Kind::Text),
            ("last_name", Kind::Text),
        ],
    ),
    (
        "settings",
        &[("preferred_language", Kind::Text), ("timezone", Kind::Text)],
    ),
    (
        "work",
        &[
            ("cscs", Kind::Text),
            ("eusr", Kind::Text),
            ("occupation", Kind::Text),
            ("start_date", Kind::DateTime),
        ],
    ),
];

/// The request's resource type.
pub const USERS: &str = "users";

/// A uuid in its standard (RFC 9562, hyphenated) text form, as the spec's
/// `format: uuid` means it.
fn uuid(text: &str) -> Option<Uuid> {
    (text.len() == 36)
        .then(|| Uuid::parse_str(text).ok())
        .flatten()
}

/// JSON:API's 409: the resource object names another resource than the URL
/// (`data.id` a uuid other than `user_id`) or another type than "users".
/// A missing or malformed `id` or `type` is not a conflict but invalid
/// (422, from [`validate`]).
pub fn check_identity(document: &Value, user_id: Uuid) -> Result<(), JsonApiError> {
    let mut conflicts = Vec::new();
    if let Some(id) = document.pointer("/data/id").and_then(Value::as_str)
        && uuid(id).is_some_and(|id| id != user_id)
    {
        conflicts.push((
            "/data/id".to_string(),
            format!("data.id {id} does not match the user_id {user_id} of the URL."),
        ));
    }
    if let Some(kind) = document.pointer("/data/type").and_then(Value::as_str)
        && kind != USERS
    {
        conflicts.push((
            "/data/type".to_string(),
            format!("data.type must be \"users\" at this endpoint, not \"{kind}\"."),
        ));
    }
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(JsonApiError::conflict(conflicts))
    }
}

/// Collects `(pointer, detail)` for every failing member.
struct Failures(Vec<(String, String)>);

impl Failures {
    fn add(&mut self, pointer: &str, detail: impl Into<String>) {
        self.0.push((pointer.to_string(), detail.into()));
    }

    /// The member `name` of `parent` (at `pointer`) as an object, if it is
    /// present; records a failure if it is present but not an object.
    fn object<'v>(
        &mut self,
        parent: &'v Map<String, Value>,
        name: &str,
        pointer: &str,
    ) -> Option<&'v Map<String, Value>> {
        match parent.get(name)? {
            Value::Object(map) => Some(map),
            Value::Null => {
                self.add(pointer, format!("{name} may be left out but not null."));
                None
            }
            _ => {
                self.add(pointer, format!("{name} must be an object."));
                None
            }
        }
    }
}

fn check_field(
    failures: &mut Failures,
    section: &Map<String, Value>,
    field: &str,
    kind: Kind,
    pointer: &str,
) {
    let Some(value) = section.get(field) else {
        return;
    };
    let Value::String(text) = value else {
        let found = match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
            Value::String(_) => "a string",
        };
        failures.add(pointer, format!("{field} must be a string, not {found}."));
        return;
    };
    if let Kind::DateTime = kind
        && DateTime::parse_from_rfc3339(text).is_err()
    {
        failures.add(
            pointer,
            format!("{field} must be an RFC 3339 date-time such as 1985-06-15T00:00:00Z, not \"{text}\"."),
        );
    }
}

/// Checks every rule (except the 409 ones, see [`check_identity`]) and
/// returns the typed request; 422 with one error object per failure.
pub fn validate(document: &Value) -> Result<UserUpdateDocument, JsonApiError> {
    let mut failures = Failures(Vec::new());
    let Value::Object(root) = document else {
        return Err(JsonApiError::invalid(vec![(
            String::new(),
            "The request document must be a JSON object.".to_string(),
        )]));
    };
    match root.get("data") {
        None => failures.add("/data", "data is required."),
        Some(_) => {
            if let Some(data) = failures.object(root, "data", "/data") {
                check_data(&mut failures, data);
            }
        }
    }
    if !failures.0.is_empty() {
        return Err(JsonApiError::invalid(failures.0));
    }
    // Every rule held, so the typed form cannot fail to decode; if it does,
    // the checks above missed a rule, and the request is still refused.
    serde_json::from_value(document.clone()).map_err(|e| {
        JsonApiError::invalid(vec![(String::new(), format!("Invalid document: {e}."))])
    })
}

fn check_data(failures: &mut Failures, data: &Map<String, Value>) {
    match data.get("id") {
        None => failures.add("/data/id", "data.id is required."),
        Some(Value::String(id)) if uuid(id).is_some() => {}
        Some(_) => failures.add("/data/id", "data.id must be a uuid."),
    }
    match data.get("type") {
        None => failures.add("/data/type", "data.type is required."),
        Some(Value::String(_)) => {}
        Some(_) => failures.add("/data/type", "data.type must be the string \"users\"."),
    }
    let Some(attributes) = failures.object(data, "attributes", "/data/attributes") else {
        return;
    };
    let Some(profile) = failures.object(attributes, "profile", "/data/attributes/profile") else {
        return;
    };
    for (name, fields) in SECTIONS {
        let section_pointer = format!("/data/attributes/profile/{name}");
        let Some(section) = failures.object(profile, name, &section_pointer) else {
            continue;
        };
        for (field, kind) in *fields {
            let pointer = format!("{section_pointer}/{field}");
            check_field(failures, section, field, *kind, &pointer);
        }
    }
}
