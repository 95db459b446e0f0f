//! Plain values for optional fields of the generated request builders.
//!
//! A generated builder's optional field takes anything convertible into
//! `Option<FieldType>`: `Some(value)` of the field's own type, or, since
//! `Option<T>` converts from `T`, the value itself (`"Jane".to_string()`
//! for a `String` field). A constrained field (a length, a pattern) has a
//! type of its own, which a `&str` does not convert into, so
//! `.nick_name("Min")` does not compile. [`some`] wraps the text so that
//! the builder parses it, and a refused value is reported when the request
//! is built, naming the field:
//! `error converting supplied value for nick_name: longer than 10 characters`.
//!
//! An optional value that is itself an `Option` (`Option<&str>`, or
//! `Option<String>` through `as_deref()`) takes [`optional`]: `None` leaves
//! the field unset. (`opt.map(some)` cannot work: a conversion between two
//! `Option`s, both foreign types, is not one this crate may write.)

use std::fmt::Display;
use std::str::FromStr;

/// Text for an optional field, parsed into the field's type by the builder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plain<'a>(pub &'a str);

/// `.nick_name(some("Minnie"))`: sets an optional field from text.
pub fn some(value: &str) -> Plain<'_> {
    Plain(value)
}

impl<'a, T> TryFrom<Plain<'a>> for Option<T>
where
    T: FromStr,
    T::Err: Display,
{
    type Error = String;

    fn try_from(value: Plain<'a>) -> Result<Self, Self::Error> {
        value.0.parse().map(Some).map_err(|e| format!("{e}"))
    }
}

/// Text or nothing for an optional field, parsed into the field's type by
/// the builder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionalPlain<'a>(pub Option<&'a str>);

/// `.nick_name(optional(nick.as_deref()))`: sets an optional field from
/// text when there is some, and leaves it unset for `None`.
pub fn optional(value: Option<&str>) -> OptionalPlain<'_> {
    OptionalPlain(value)
}

impl<'a, T> TryFrom<OptionalPlain<'a>> for Option<T>
where
    T: FromStr,
    T::Err: Display,
{
    type Error = String;

    fn try_from(value: OptionalPlain<'a>) -> Result<Self, Self::Error> {
        value
            .0
            .map(str::parse)
            .transpose()
            .map_err(|e| format!("{e}"))
    }
}
