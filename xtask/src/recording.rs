//! One HTTP exchange as `cargo xtask proxy --record` writes it and
//! `cargo xtask verify` reads it: one JSON object per line.
//!
//! ```json
//! {"api":"zitadel",
//!  "request":{"method":"PUT","path":"/auth/v1/users/me/profile","query":null,
//!             "headers":[["authorization","Bearer [redacted]"],["content-type","application/json"]],
//!             "body":"{\"firstName\":\"Minnie\"}"},
//!  "response":{"status":200,"headers":[["content-type","application/json"]],"body":"{…}"},
//!  "timing":{"started_unix_ms":1764866400000,"upstream_ms":12.4,"proxy_ms":0.3}}
//! ```
//!
//! Headers are in the order hyper read them (repeated values together),
//! names lower-case; the proxy passes the wire's spelling on, but hyper
//! does not show it. A body is a
//! JSON string when it is UTF-8 and `{"hex": "…"}` otherwise, so any body
//! survives the trip. Credentials never reach the file: [`redact`] replaces
//! every credential header's value (see [`credential_headers`]) before a
//! line is written, keeping only an `Authorization` value's scheme word
//! (`Bearer`, `Token`), which the credential rule needs and which is not a
//! secret.

use std::io::{BufRead, Write};
use std::path::Path;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// What replaces a credential.
pub const REDACTED: &str = "[redacted]";

/// One request and the answer it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// The spec the exchange was checked against (`spec/<api>.yaml`).
    pub api: String,
    pub request: Request,
    pub response: Response,
    pub timing: Timing,
}

/// A request as the client sent it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string as sent, without the `?`.
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// An answer as the upstream sent it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// When the exchange happened and how long it took.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// When the proxy had the request's head, in milliseconds since 1970.
    pub started_unix_ms: u64,
    /// From the request leaving the proxy to the upstream's whole answer.
    pub upstream_ms: f64,
    /// What the proxy added: reading the request, connecting, and handing
    /// the answer back (the checks run after the answer is handed back).
    pub proxy_ms: f64,
}

/// A message body, as bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body(pub Vec<u8>);

impl Serialize for Body {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => {
                let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
                serde_json::json!({ "hex": hex }).serialize(serializer)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Body(text.into_bytes())),
            Value::Object(map) => {
                let hex = map
                    .get("hex")
                    .and_then(Value::as_str)
                    .ok_or_else(|| D::Error::custom("a body object needs a \"hex\" string"))?;
                if hex.len() % 2 != 0 {
                    return Err(D::Error::custom("a hex body has an odd number of digits"));
                }
                (0..hex.len())
                    .step_by(2)
                    .map(|i| {
                        hex.get(i..i + 2)
                            .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                            .ok_or_else(|| D::Error::custom(format!("not hex at {i}")))
                    })
                    .collect::<Result<Vec<u8>, _>>()
                    .map(Body)
            }
            other => Err(D::Error::custom(format!(
                "a body is a string or {{\"hex\": …}}, not {other}"
            ))),
        }
    }
}

/// The value of header `name` (case-insensitive) in `headers`: the first
/// one, as most readers take it.
pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Every header that carries a credential, lower-cased: the fixed ones
/// (`Authorization`, `Proxy-Authorization`, `X-API-Key`, `X-Session-Token`,
/// `Cookie`, `Set-Cookie`) and each header the spec's `securitySchemes`
/// name (an `apiKey` scheme `in: header`; `Authorization` for `http`,
/// `oauth2` and `openIdConnect`, already among the fixed ones).
pub fn credential_headers(spec: &Value) -> Vec<String> {
    let mut names: Vec<String> = [
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "x-session-token",
        "cookie",
        "set-cookie",
    ]
    .map(String::from)
    .to_vec();
    for scheme in spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|schemes| schemes.values())
    {
        let scheme = openapi_walk::resolve(spec, scheme);
        if scheme["type"] == "apiKey"
            && scheme["in"] == "header"
            && let Some(name) = scheme["name"].as_str()
        {
            let name = name.to_ascii_lowercase();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Every query parameter that carries a credential: the spec's `apiKey`
/// schemes `in: query`.
fn credential_query_parameters(spec: &Value) -> Vec<String> {
    spec.pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|schemes| schemes.values())
        .map(|scheme| openapi_walk::resolve(spec, scheme))
        .filter(|scheme| scheme["type"] == "apiKey" && scheme["in"] == "query")
        .filter_map(|scheme| scheme["name"].as_str().map(str::to_string))
        .collect()
}

/// `value` with its secret replaced: an `Authorization`-style value keeps
/// its scheme word (`Bearer [redacted]`), anything else becomes
/// [`REDACTED`].
fn redacted_value(name: &str, value: &str) -> String {
    let authorization = name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("proxy-authorization");
    match value.split_once(' ') {
        Some((scheme, _))
            if authorization
                && !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            format!("{scheme} {REDACTED}")
        }
        _ => REDACTED.to_string(),
    }
}

/// `exchange` with every credential replaced (see the module's comment):
/// what may be written to a file.
pub fn redact(spec: &Value, exchange: &Exchange) -> Exchange {
    let names = credential_headers(spec);
    let scrub = |headers: &[(String, String)]| -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(name, value)| {
                if names.contains(&name.to_ascii_lowercase()) {
                    (name.clone(), redacted_value(name, value))
                } else {
                    (name.clone(), value.clone())
                }
            })
            .collect()
    };
    let secret_parameters = credential_query_parameters(spec);
    let query = exchange.request.query.as_ref().map(|query| {
        query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if secret_parameters.iter().any(|s| s == name) => {
                    format!("{name}={REDACTED}")
                }
                _ => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    let mut redacted = exchange.clone();
    redacted.request.headers = scrub(&exchange.request.headers);
    redacted.request.query = query;
    redacted.response.headers = scrub(&exchange.response.headers);
    redacted
}

/// True when `value` is what [`redact`] left of a credential: only its
/// presence (and scheme word) can be checked.
pub fn is_redacted(value: &str) -> bool {
    value == REDACTED || value.ends_with(&format!(" {REDACTED}"))
}

/// Appends `exchange` to `file` as one line. The line is written with one
/// `write_all` on a file opened for appending, so lines of concurrent
/// exchanges do not interleave.
pub fn append(file: &Path, exchange: &Exchange) -> Result<(), String> {
    let mut line = serde_json::to_vec(exchange)
        .map_err(|e| format!("cannot encode the exchange for {}: {e}", file.display()))?;
    line.push(b'\n');
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .and_then(|mut f| f.write_all(&line))
        .map_err(|e| format!("cannot append to {}: {e}", file.display()))
}

/// Every exchange in a recording; an unreadable line is an error naming
/// its line number.
pub fn read(file: &Path) -> Result<Vec<Exchange>, String> {
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?,
    );
    let mut exchanges = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("{}:{}: {e}", file.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let exchange = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: not an exchange: {e}", file.display(), i + 1))?;
        exchanges.push(exchange);
    }
    Ok(exchanges)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Body, Exchange, Request, Response, Timing, redact};

    fn exchange(headers: Vec<(&str, &str)>, query: Option<&str>) -> Exchange {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Exchange {
            api: "t".into(),
            request: Request {
                method: "PUT".into(),
                path: "/p".into(),
                query: query.map(str::to_string),
                headers: headers.clone(),
                body: Body(b"{}".to_vec()),
            },
            response: Response {
                status: 200,
                headers,
                body: Body(vec![0xff, 0x00, b'a']),
            },
            timing: Timing::default(),
        }
    }

    #[test]
    fn a_body_that_is_not_utf8_survives_a_line_as_hex() {
        let original = exchange(vec![], None);
        let line = serde_json::to_string(&original).unwrap_or_default();
        assert!(line.contains(r#"{"hex":"ff0061"}"#), "{line}");
        let read: Exchange = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, original);
    }

    #[test]
    fn every_credential_header_and_query_key_is_redacted_keeping_the_scheme_word() {
        let spec = json!({ "components": { "securitySchemes": {
            "Tenant": { "type": "apiKey", "in": "header", "name": "tenant" },
            "Query": { "type": "apiKey", "in": "query", "name": "key" },
        } } });
        let sent = exchange(
            vec![
                ("Authorization", "Bearer s3cret"),
                ("X-Api-Key", "s3cret"),
                ("Tenant", "s3cret"),
                ("Cookie", "a=s3cret"),
                ("Set-Cookie", "a=s3cret; HttpOnly"),
                ("X-Session-Token", "s3cret"),
                ("Content-Type", "application/json"),
            ],
            Some("a=1&key=s3cret"),
        );
        let line = serde_json::to_string(&redact(&spec, &sent)).unwrap_or_default();
        assert!(!line.contains("s3cret"), "{line}");
        assert!(
            line.contains(r#"["Authorization","Bearer [redacted]"]"#),
            "{line}"
        );
        assert!(
            line.contains(r#"["Content-Type","application/json"]"#),
            "{line}"
        );
        assert!(line.contains(r#""query":"a=1&key=[redacted]""#), "{line}");
    }
}
