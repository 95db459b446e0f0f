//! Hostile clients, on every API alike: bodies with data after the JSON
//! document, bodies without a media type, duplicated credential headers, and
//! the malformed inputs an outside fuzzer found harmless, kept as
//! regressions. Each case asserts the status, that the body is in the API's
//! own error format, and that nothing was stored.

use serde_json::Value;
use server::storage::Api;

use crate::harness::{ApiProfile, Reply, TestApi};

/// One running API and what the cases need to know about it: its
/// descriptor (method, path, media type, credentials) and its test
/// profile (a valid body, its error format, its statuses).
struct Probe {
    t: TestApi,
    profile: &'static ApiProfile,
    media_type: &'static str,
}

impl Probe {
    async fn start(api: Api) -> Probe {
        Probe {
            t: TestApi::start(api).await,
            profile: crate::profile(api),
            media_type: api.descriptor().operation.media_type,
        }
    }

    fn body(&self, name: &str) -> String {
        (self.profile.named_body)(&self.t, name)
    }

    /// Alice's credential headers.
    fn credentials(&self) -> Vec<(&'static str, String)> {
        self.t.credential_headers(&self.t.alice)
    }

    /// Sends `body` with the caller's credentials, `extra` headers and, if
    /// given, `media_type` as the Content-Type.
    async fn send_with(
        &self,
        media_type: Option<&str>,
        extra: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let credentials = self.credentials();
        let mut headers: Vec<(&str, &str)> = credentials
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        if let Some(media_type) = media_type {
            headers.push(("content-type", media_type));
        }
        headers.extend_from_slice(extra);
        let path = self.t.path();
        self.t
            .send(self.t.method(), &path, &headers, Some(body))
            .await
    }

    /// Sends `body` as the API's media type, with the caller's credentials.
    async fn send(&self, body: &str) -> Reply {
        self.send_with(Some(self.media_type), &[], body).await
    }

    /// `reply` is `status` in the API's error format, and the caller's
    /// profile was not written.
    fn assert_refused(&self, reply: &Reply, statuses: &[u16], case: &str) {
        let api = self.t.api.name();
        assert!(
            statuses.contains(&reply.status),
            "{api}, {case}: expected one of {statuses:?}, got {reply:?}"
        );
        assert!(
            (self.profile.is_error_body)(reply),
            "{api}, {case}: not the API's error format: {reply:?}"
        );
        assert_eq!(
            self.t.stored(&self.t.alice).1,
            0,
            "{api}, {case}: nothing may be stored"
        );
    }

    /// `reply` is a 200 and the profile was written once.
    fn assert_saved(&self, reply: &Reply, case: &str) {
        let api = self.t.api.name();
        assert_eq!(reply.status, 200, "{api}, {case}: {reply:?}");
        assert_eq!(self.t.stored(&self.t.alice).1, 1, "{api}, {case}");
    }
}

/// RFC 8259: a JSON text is one value, with optional whitespace around it.
/// A second document, other text or a NUL after the value is not JSON; taking
/// the first value would store what a gateway that reads the whole body
/// considers invalid.
#[tokio::test]
async fn data_after_the_json_body_is_refused_and_nothing_is_stored() {
    for &api in Api::ALL {
        let probe = Probe::start(api).await;
        let first = probe.body("First");
        let cases = [
            (
                "a second document",
                format!("{first}{}", probe.body("Second")),
            ),
            ("trailing text", format!("{first} garbage")),
            ("a trailing NUL", format!("{first}\0")),
            ("a second value after whitespace", format!("{first}\n1")),
        ];
        for (case, body) in cases {
            let reply = probe.send(&body).await;
            probe.assert_refused(&reply, &[400], case);
        }
    }
}

#[tokio::test]
async fn whitespace_after_the_json_body_is_valid() {
    for &api in Api::ALL {
        let probe = Probe::start(api).await;
        let body = format!("{} \r\n\t\n", probe.body("First"));
        let reply = probe.send(&body).await;
        probe.assert_saved(&reply, "trailing whitespace");
    }
}

/// A body without a Content-Type is a wrong media type, on every API: 415,
/// or 400 where the vendor's stack answers a wrong media type with 400
/// (CL2C's problem details, ZITADEL's INVALID_ARGUMENT).
#[tokio::test]
async fn a_body_without_a_content_type_is_refused_as_a_wrong_media_type() {
    for &api in Api::ALL {
        let probe = Probe::start(api).await;
        let wrong_media_type = probe.profile.wrong_media_type;
        let reply = probe.send_with(None, &[], &probe.body("First")).await;
        probe.assert_refused(&reply, &[wrong_media_type], "no Content-Type");
        let reply = probe
            .send_with(Some("text/plain"), &[], &probe.body("First"))
            .await;
        probe.assert_refused(&reply, &[wrong_media_type], "text/plain");
    }
}

/// Two copies of a credential header are refused, whichever copy is valid:
/// a gateway in front that reads the other copy would otherwise disagree
/// with the server on who is calling.
#[tokio::test]
async fn a_duplicated_credential_header_is_refused() {
    for &api in Api::ALL {
        let probe = Probe::start(api).await;
        let bobs = probe.t.credential_headers(&probe.t.bob);
        for ((name, valid), (_, other)) in probe.credentials().iter().zip(&bobs) {
            // The valid copy twice, then with another user's value before and after.
            for extra in [valid.as_str(), other.as_str()] {
                let reply = probe
                    .send_with(
                        Some(probe.media_type),
                        &[(name, extra)],
                        &probe.body("First"),
                    )
                    .await;
                probe.assert_refused(&reply, &[400, 401], &format!("two {name} headers"));
            }
            assert_eq!(probe.t.stored(&probe.t.bob).1, 0, "{}: bob", api.name());
        }
    }
}

/// The probe itself is sound: the caller's own credentials and body are
/// accepted, so every refusal above is about the one thing each case
/// changes.
#[tokio::test]
async fn the_probe_request_is_accepted_on_every_api() {
    for &api in Api::ALL {
        let probe = Probe::start(api).await;
        let reply = probe.send(&probe.body("First")).await;
        probe.assert_saved(&reply, "the probe request");
        assert!(matches!(reply.body, Value::Object(_)), "{reply:?}");
    }
}

impl Probe {
    /// Sends raw `body` bytes as the API's media type.
    async fn send_bytes(&self, body: Vec<u8>) -> Reply {
        let credentials = self.credentials();
        let mut headers: Vec<(&str, &str)> = credentials
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        headers.push(("content-type", self.media_type));
        let path = self.t.path();
        self.t
            .send_bytes(self.t.method(), &path, &headers, Some(body))
            .await
    }

    /// The probe body with `member` (raw JSON text) added as its first
    /// member: an unknown member, or the kept value it names.
    fn body_with(&self, member: &str) -> String {
        let body = self.body("First");
        format!("{{{member},{}", &body[1..])
    }
}

/// Bodies that are not one well-formed JSON text: 400 on every API.
#[tokio::test]
async fn malformed_bodies_are_refused_and_nothing_is_stored() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for &api in Api::ALL {
        let probe = Probe::start(api).await;
        let whole = probe.body("First");
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "a truncated body",
                whole.as_bytes()[..whole.len() / 2].to_vec(),
            ),
            ("an empty body", Vec::new()),
            (
                "a NUL inside a string",
                whole.replacen("First", "Fi\0rst", 1).into_bytes(),
            ),
            (
                "a lone surrogate",
                whole.replacen("First", "Fi\\ud800rst", 1).into_bytes(),
            ),
            (
                "deep nesting in an unknown member",
                probe
                    .body_with(&format!(r#""unknown":{deep}"#))
                    .into_bytes(),
            ),
        ];
        let mut invalid_utf8 = whole.clone().into_bytes();
        let at = whole.find("First").unwrap_or(0) + 2;
        invalid_utf8.splice(at..at, [0xff, 0xfe]);
        cases.push(("invalid UTF-8", invalid_utf8));
        let mut overlong = whole.clone().into_bytes();
        // An overlong encoding of '/' (0x2F).
        overlong.splice(at..at, [0xc0, 0xaf]);
        cases.push(("overlong UTF-8", overlong));
        for (case, body) in cases {
            let reply = probe.send_bytes(body).await;
            probe.assert_refused(&reply, &[400], case);
        }
    }
}

/// Deep nesting inside a value the API keeps (Exante's free-form
/// `settings`, Ctrl-Hub's document) is refused like any malformed body.
#[tokio::test]
async fn deep_nesting_inside_a_kept_value_is_refused() {
    let deep = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let probe = Probe::start(Api::Exante).await;
    let reply = probe
        .send(&probe.body_with(&format!(r#""settings":{deep}"#)))
        .await;
    probe.assert_refused(&reply, &[400], "deep settings");
    let probe = Probe::start(Api::Ctrlhub).await;
    let body = probe.body("First").replacen("\"First\"", &deep, 1);
    let reply = probe.send(&body).await;
    probe.assert_refused(&reply, &[400], "deep first_name");
}

/// RFC 8259 leaves a repeated member's meaning to the reader, and readers
/// differ (first or last); so no API reads one.
#[tokio::test]
async fn a_member_named_twice_is_refused_on_every_api() {
    for &api in Api::ALL {
        let probe = Probe::start(api).await;
        let body = probe.body("First");
        // The body's first member, repeated with another value.
        let first_member = &body[1..body.find(',').unwrap_or(body.len() - 1)];
        let repeated = format!("{{{first_member},{}", &body[1..]);
        let reply = probe.send(&repeated).await;
        probe.assert_refused(&reply, &[400], "a repeated member");
    }
}

/// A body far over the limit (10 MB), with a declared length and without:
/// refused as too large (ZITADEL: 400 INVALID_ARGUMENT, as its gateway).
#[tokio::test]
async fn a_10_mb_body_is_refused_with_and_without_a_length() {
    for &api in Api::ALL {
        let probe = Probe::start(api).await;
        let too_large = probe.profile.too_large;
        let huge = probe.body_with(&format!(r#""unknown":"{}""#, "x".repeat(10 << 20)));
        let reply = probe.send(&huge).await;
        probe.assert_refused(&reply, &[too_large], "10 MB with a length");
        let credentials = probe.credentials();
        let mut headers: Vec<(&str, &str)> = credentials
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        headers.push(("content-type", probe.media_type));
        let path = probe.t.path();
        let reply = probe
            .t
            .send_chunked(probe.t.method(), &path, &headers, &huge)
            .await;
        probe.assert_refused(&reply, &[too_large], "10 MB without a length");
    }
}

/// Every credential header, damaged in every way a client or an attacker
/// can damage it: refused (401, or 400 where the API says the header is
/// malformed), in the API's format, nothing stored.
#[tokio::test]
async fn a_damaged_credential_is_refused() {
    let long = "k".repeat(64 * 1024);
    for &api in Api::ALL {
        let probe = Probe::start(api).await;
        let credentials = probe.credentials();
        // Another API's credential, for the same user.
        let foreign_api = Api::ALL
            .iter()
            .copied()
            .find(|other| *other != api)
            .unwrap_or_else(|| panic!("only one API"));
        let foreign = probe
            .t
            .alice
            .tokens
            .iter()
            .find(|(a, _)| *a == foreign_api)
            .map(|(_, token)| token.clone())
            .unwrap_or_else(|| panic!("no {} token", foreign_api.name()));
        for (name, valid) in &credentials {
            let scheme = valid
                .split_once(' ')
                .map(|(scheme, _)| format!("{scheme} "))
                .unwrap_or_default();
            let truncated = &valid[..valid.len() - 1];
            let damaged = [
                ("empty", String::new()),
                ("whitespace only", "   ".to_string()),
                ("truncated", truncated.to_string()),
                ("64 KiB long", format!("{scheme}{long}")),
                ("another API's", format!("{scheme}{foreign}")),
            ];
            for (case, value) in damaged {
                // CL2C's tenant is a name, not a secret: another API's key
                // or a long name is just an unknown tenant.
                let mut headers: Vec<(&str, &str)> = credentials
                    .iter()
                    .filter(|(n, _)| n != name)
                    .map(|(n, v)| (*n, v.as_str()))
                    .collect();
                headers.push((name, value.as_str()));
                headers.push(("content-type", probe.media_type));
                let path = probe.t.path();
                let reply = probe
                    .t
                    .send(
                        probe.t.method(),
                        &path,
                        &headers,
                        Some(&probe.body("First")),
                    )
                    .await;
                probe.assert_refused(&reply, &[400, 401], &format!("{name}: {case}"));
            }
        }
    }
}
