//! The JSON request body of the four `application/json` APIs: one JSON text,
//! sent as JSON, or refused.
//!
//! Why this is not dropshot's `TypedBody<T>`: dropshot 0.18 decodes the first
//! JSON value of the body and never looks past it, so `{"a":1}{"a":2}`,
//! `{"a":1} garbage` and a value followed by a NUL were stored as `{"a":1}`;
//! and it reads a body without a `Content-Type` as JSON. [`JsonBody<T>`]
//! reads the body with dropshot's own reader (same size limit, same 413),
//! then requires a JSON media type and a body that is one JSON value with
//! nothing after it but whitespace (RFC 8259). It documents exactly what
//! `TypedBody<T>` documents (its metadata is delegated), so the derived
//! OpenAPI document does not change.
//!
//! Its errors are dropshot's `HttpError`s carrying the status HTTP defines
//! for each failure, so every API renders them by their status, never by
//! their wording: a body over the limit is 413 ([`read_raw`] turns
//! dropshot's plain 400 for it into one), a missing media type is the same
//! failure as a wrong one, 415 (CL2C and ZITADEL answer it with 400 as their
//! vendors' stacks do), and malformed JSON, trailing data included, is a
//! 400.

use std::future::Future;
use std::pin::Pin;

use dropshot::{
    ApiEndpointBodyContentType, Body, ClientErrorStatusCode, ExclusiveExtractor, ExtractorMetadata,
    HttpError, RequestContext, ServerContext, TypedBody, UntypedBody,
};
use http::HeaderMap;
use http::header::CONTENT_TYPE;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// A request body decoded as `T` from exactly one JSON text.
pub struct JsonBody<T> {
    inner: T,
}

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// The future type `#[async_trait]` gives dropshot's extractor methods,
/// written out because this crate does not depend on `async-trait`. Every
/// extractor of this crate (here and Ctrl-Hub's `media.rs`) uses it.
pub(crate) type ExtractorFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, HttpError>> + Send + 'a>>;

impl<T> ExclusiveExtractor for JsonBody<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    fn from_request<'life0, 'async_trait, Context>(
        rqctx: &'life0 RequestContext<Context>,
        request: http::Request<Body>,
    ) -> ExtractorFuture<'async_trait, Self>
    where
        Context: 'async_trait + ServerContext,
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            // The media type is judged before the body is read (the request
            // is consumed by the read) but its verdict is given after, as
            // dropshot does, so that an oversized body is a 413 whatever it
            // claims to be.
            let media_type = check_media_type(request.headers());
            let raw = read_raw(rqctx, request).await?;
            media_type?;
            Ok(JsonBody {
                inner: decode(raw.as_bytes())?,
            })
        })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<T> as ExclusiveExtractor>::metadata(body_content_type)
    }
}

/// The raw body, read with dropshot's own reader and its size limit.
///
/// dropshot reports a body over the limit as a plain 400 whose message is
/// the only mark of what happened. This is the one place that reads that
/// mark: the error leaves here as a 413, and every renderer decides by
/// status. The oversized-body tests of every API fail if a dropshot upgrade
/// rewords it.
pub async fn read_raw<Context: ServerContext>(
    rqctx: &RequestContext<Context>,
    request: http::Request<Body>,
) -> Result<UntypedBody, HttpError> {
    <UntypedBody as ExclusiveExtractor>::from_request(rqctx, request)
        .await
        .map_err(|error| {
            let too_large = error.status_code.as_status() == http::StatusCode::BAD_REQUEST
                && error
                    .external_message
                    .starts_with("request body exceeded maximum size");
            if too_large {
                HttpError::for_client_error(
                    error.error_code,
                    ClientErrorStatusCode::PAYLOAD_TOO_LARGE,
                    error.external_message,
                )
            } else {
                error
            }
        })
}

/// The body must be declared JSON: `application/json` or any
/// `application/<protocol>+json`, as dropshot accepts, parameters (a
/// charset) ignored. A body without a `Content-Type` is not assumed to be
/// JSON: a client that forgot the header is told so rather than having its
/// bytes guessed at.
pub fn check_media_type(headers: &HeaderMap) -> Result<(), HttpError> {
    let unsupported = |message: String| {
        HttpError::for_client_error(None, ClientErrorStatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    };
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Err(unsupported(
            "unsupported content-type: none given; send the body as application/json".to_string(),
        ));
    };
    let value = value
        .to_str()
        .map_err(|e| unsupported(format!("invalid content type: {e}")))?;
    let media_type = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let json = media_type == "application/json"
        || media_type
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json") && !subtype.contains('/'));
    if json {
        Ok(())
    } else {
        Err(unsupported(format!(
            "unsupported content-type: {media_type}; send the body as application/json"
        )))
    }
}

/// Decodes `T` from `bytes`, which must hold one JSON value and nothing after
/// it but whitespace. The error names the path of the failing member, as
/// dropshot's does.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, HttpError> {
    let refuse = |detail: String| {
        HttpError::for_bad_request(None, format!("unable to parse JSON body: {detail}"))
    };
    unique_members(bytes).map_err(|e| refuse(e.to_string()))?;
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(|e| refuse(e.to_string()))?;
    // `end` fails on anything but whitespace after the value ("trailing
    // characters at line 1 column 22").
    reader.end().map_err(|e| refuse(e.to_string()))?;
    Ok(value)
}

/// Refuses a JSON text in which an object names one member twice, at any
/// depth. RFC 8259 leaves such a text's meaning to the reader: serde keeps
/// the last value for a map and refuses a duplicate struct field, other
/// readers keep the first; a gateway in front and this server could then
/// act on different values. So no API reads one (400).
///
/// The same pass holds every value, kept or not, to serde_json's nesting
/// limit (128 levels): serde skips an unknown member without one, so a
/// deeply nested unknown member was accepted where the same nesting in a
/// kept value was refused.
pub fn unique_members(bytes: &[u8]) -> Result<(), serde_json::Error> {
    use serde::Deserialize;
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    Unique::deserialize(&mut reader).map(|Unique| ())
}

/// A JSON value read only to check that no object repeats a member.
struct Unique;

impl<'de> serde::Deserialize<'de> for Unique {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<Unique, A::Error> {
        while items.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut members: A) -> Result<Unique, A::Error> {
        let mut names = std::collections::HashSet::new();
        while let Some(name) = members.next_key::<String>()? {
            members.next_value::<Unique>()?;
            if !names.insert(name.clone()) {
                return Err(serde::de::Error::custom(format_args!(
                    "the member \"{name}\" appears more than once in one object"
                )));
            }
        }
        Ok(Unique)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn headers(content_type: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = content_type {
            let value = http::HeaderValue::from_str(value).unwrap_or_else(|e| panic!("{e}"));
            headers.insert(CONTENT_TYPE, value);
        }
        headers
    }

    #[test]
    fn one_value_with_surrounding_whitespace_is_decoded() {
        let value: Value = decode(b" \n{\"a\": 1}\r\n\t ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value, json!({"a": 1}));
    }

    #[test]
    fn anything_after_the_value_is_refused() {
        for body in [
            &b"{\"a\":1}{\"a\":2}"[..],
            b"{\"a\":1} garbage",
            b"{\"a\":1}\0",
            b"{\"a\":1} 2",
        ] {
            let error = decode::<Value>(body).err();
            assert!(
                error.is_some_and(|e| e.external_message.contains("trailing")),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_member_named_twice_in_one_object_is_refused_at_any_depth() {
        for body in [
            r#"{"a":1,"a":2}"#,
            r#"{"a":{"b":1,"b":1}}"#,
            r#"{"x":[{"c":1},{"c":2,"c":3}]}"#,
        ] {
            let error = decode::<Value>(body.as_bytes()).err();
            assert!(
                error.is_some_and(|e| e.external_message.contains("more than once")),
                "{body}"
            );
        }
        let value: Value = decode(br#"{"a":{"b":1},"b":{"a":2},"c":[{"d":1},{"d":2}]}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value["c"][1]["d"], 2);
    }

    #[test]
    fn json_media_types_are_accepted_with_parameters() {
        for value in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(check_media_type(&headers(Some(value))).is_ok(), "{value}");
        }
    }

    #[test]
    fn a_missing_or_other_media_type_is_unsupported() {
        for value in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let error = check_media_type(&headers(value))
                .err()
                .unwrap_or_else(|| panic!("{value:?} accepted"));
            assert_eq!(
                error.status_code.as_status(),
                http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{value:?}"
            );
        }
    }
}
