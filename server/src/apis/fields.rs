//! How request fields that may be absent are read, shared by the APIs.
//!
//! serde reads an explicit `null` into an `Option` as `None`, the same as a
//! missing field. A spec that does not mark a field nullable allows a value
//! or no field at all, so a null must be refused (in the API's error
//! format, naming the field) rather than quietly read as "absent".

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// A field that may be absent but is never null (the spec marks it neither
/// nullable nor required): absent decodes as `None` through the field's
/// `default`, a value as `Some`, and an explicit null is refused, so that a
/// client that means "clear it" learns that it cannot, instead of the null
/// being quietly read as "leave it out".
///
/// Use as `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(D::Error::custom(
            "null is not allowed here; send a value or leave the field out",
        )),
    }
}
