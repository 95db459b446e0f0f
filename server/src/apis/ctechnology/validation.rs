//! c.technology's field rules. The spec states no lengths, patterns or
//! cross-field rules; everything it does state is a matter of types, so it
//! is enforced while the body is decoded, by the helpers here (named in
//! `deserialize_with` attributes in `api.rs`) and by the enums. A value they
//! refuse fails decoding, which dropshot reports with the field's path
//! (`settings_webapp.main_role: unknown variant ...`); `errors.rs` turns that
//! into a 400 in the vendor's shape. Nothing is loaded or stored before the
//! body has decoded.

use chrono::{DateTime, Utc};
use serde::de::{Error as _, Visitor};
use serde::{Deserialize, Deserializer};

/// A deserializer that reads a struct only from a JSON object.
///
/// serde's derived struct decoding also accepts an array, assigning its
/// elements to the fields in declaration order (`["Ada"]` would set
/// `first_name`), and `[]` would decode as an empty update. The spec's
/// objects are objects, so the types in `api.rs` decode through this
/// adapter (see the `object_only!` macro below), which asks for a map where the derived
/// code asks for a struct; everything else is passed through unchanged.
pub struct ObjectOnly<D>(pub D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// Gives a struct derived with `#[serde(remote = "Self")]` (whose derived
/// code then becomes the inherent `deserialize` / `serialize`) its serde
/// trait impls: decoding goes through [`ObjectOnly`], encoding is the
/// derived one.
macro_rules! object_only {
    ($($name:ident),+ $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $name::deserialize($crate::apis::ctechnology::validation::ObjectOnly(deserializer))
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $name::serialize(self, serializer)
            }
        }
    )+};
}
pub(crate) use object_only;

/// A field the spec marks nullable: absent is `None` (through the field's
/// `default`), null is `Some(None)`, a value is `Some(Some(value))`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A `format: date-time` field: an RFC 3339 date-time, never null.
///
/// chrono's own decoding is more lenient than RFC 3339 (it also takes a
/// space between date and time), so the text is checked here: RFC 3339's
/// `date-time` production separates them with `T` (or `t`). The value is
/// kept in UTC, which is how it is stored and answered.
pub fn date_time<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Err(D::Error::custom(
            "null is not allowed here; leave the field out to keep its value",
        ));
    };
    let refuse = || {
        D::Error::custom(format!(
            "`{text}` is not an RFC 3339 date-time (e.g. 2023-11-07T05:31:56Z)"
        ))
    };
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return Err(refuse());
    }
    DateTime::parse_from_rfc3339(&text)
        .map(|parsed| Some(parsed.with_timezone(&Utc)))
        .map_err(|_| refuse())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "date_time")]
        at: Option<DateTime<Utc>>,
    }

    fn decode(json: &str) -> Result<Probe, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn a_date_time_must_follow_rfc_3339() {
        for bad in [
            r#"{"at": "2023-11-07 05:31:56Z"}"#,
            r#"{"at": "2023-11-07"}"#,
            r#"{"at": "2023-11-07T05:31:56"}"#,
            r#"{"at": "yesterday"}"#,
            r#"{"at": null}"#,
            r#"{"at": 1699335116}"#,
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
        let offset = decode(r#"{"at": "2023-11-07T07:31:56+02:00"}"#)
            .unwrap_or_else(|e| panic!("{e}"))
            .at
            .map(|at| at.to_rfc3339());
        assert_eq!(offset.as_deref(), Some("2023-11-07T05:31:56+00:00"));
        assert!(decode("{}").is_ok_and(|p| p.at.is_none()));
    }
}
