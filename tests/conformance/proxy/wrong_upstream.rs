//! The proxy in front of an upstream that breaks a spec on purpose. Each
//! violation is reported with its rule, at the spec pointer where the
//! broken schema is written and at that pointer's line and column in
//! `spec/<api>.yaml` (found here by reading the YAML text, not by the
//! checker's own locator); and the answer reaches the client byte for
//! byte as the upstream sent it, while the upstream gets the client's
//! request unchanged except for `Host`.

use conformance::recording_server::{RecordingServer, Reply};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Proxied;

/// Sends `request` on a fresh connection to `address` and reads the whole
/// answer (the upstream closes after it).
async fn raw_round_trip(address: &str, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("connect {address}: {e}"));
    stream
        .write_all(request)
        .await
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(20),
        stream.read_to_end(&mut answer),
    )
    .await
    .unwrap_or_else(|_| panic!("{address} did not close the connection"))
    .unwrap_or_else(|e| panic!("read: {e}"));
    answer
}

/// The request bytes: `method path`, the headers as given (spelling and
/// order kept), the body with its length, one request per connection.
fn raw_request(method: &str, path: &str, headers: &[(&str, &str)], body: &Value) -> Vec<u8> {
    let body = body.to_string();
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: vendor.example\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    text.into_bytes()
}

/// `spec/<api>.yaml:LINE:COLUMN` of the key found by following `anchors`
/// through the file's lines: the first line containing the first anchor,
/// then the first line after it containing the next, and so on.
fn location(api: &str, anchors: &[&str]) -> String {
    let root = xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"));
    let file = format!("spec/{api}.yaml");
    let text = std::fs::read_to_string(root.join(&file)).unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut found = (0, 0);
    for anchor in anchors {
        let index = (from..lines.len())
            .find(|&i| lines[i].contains(anchor))
            .unwrap_or_else(|| panic!("{file}: no {anchor:?} after line {from}"));
        let column = lines[index].find(anchor.trim_start()).unwrap_or_default();
        found = (index + 1, column + 1);
        from = index + 1;
    }
    format!("{file}:{}:{}", found.0, found.1)
}

/// One broken answer and the violations it must produce.
struct Broken {
    api: &'static str,
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    /// The spec example sent as the body.
    request_example: &'static str,
    reply: Reply,
    /// `(rule, where in the message, spec pointer, location)`.
    expected: Vec<(&'static str, &'static str, &'static str, String)>,
}

/// Sends `broken`'s request straight to its upstream and through the
/// proxy; compares the two answers byte for byte, the two requests the
/// upstream got, and the violations with the expected ones.
async fn reported_and_passed_through(broken: Broken) {
    let upstream = RecordingServer::start(broken.reply.clone()).await;
    let mut proxy = Proxied::start(broken.api, upstream.url(), None).await;
    let body = {
        let root = xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"));
        let checker = xtask::exchange_check::Checker::load(&root, broken.api)
            .unwrap_or_else(|e| panic!("{e}"));
        checker
            .spec()
            .doc
            .pointer(broken.request_example)
            .cloned()
            .unwrap_or_else(|| panic!("no {}", broken.request_example))
    };
    let request = raw_request(broken.method, broken.path, &broken.headers, &body);
    let direct = raw_round_trip(upstream.url().trim_start_matches("http://"), &request).await;
    let proxied = raw_round_trip(&proxy.running.address.to_string(), &request).await;
    assert_eq!(
        String::from_utf8_lossy(&proxied),
        String::from_utf8_lossy(&direct),
        "the answer through the proxy differs from the upstream's"
    );
    assert_eq!(proxied, direct);

    let received = upstream.requests();
    assert_eq!(received.len(), 2, "{received:?}");
    let (straight, forwarded) = (&received[0], &received[1]);
    assert_eq!(forwarded.method, straight.method);
    assert_eq!(forwarded.path, straight.path);
    assert_eq!(forwarded.body, straight.body);
    let without_host = |headers: &[(String, String)]| -> Vec<(String, String)> {
        headers
            .iter()
            .filter(|(n, _)| n != "host")
            .cloned()
            .collect()
    };
    assert_eq!(
        without_host(&forwarded.headers),
        without_host(&straight.headers),
        "the upstream got other headers through the proxy"
    );
    assert_eq!(
        forwarded.header("host"),
        upstream.url().trim_start_matches("http://")
    );

    let (_, verdict) = proxy.next().await;
    let found: Vec<(&str, &str, &str, &str)> = verdict
        .violations()
        .map(|f| {
            (
                f.rule,
                f.at.as_str(),
                f.pointer.as_str(),
                f.location.as_str(),
            )
        })
        .collect();
    let expected: Vec<(&str, &str, &str, &str)> = broken
        .expected
        .iter()
        .map(|(rule, at, pointer, location)| (*rule, *at, *pointer, location.as_str()))
        .collect();
    assert_eq!(
        found,
        expected,
        "{}",
        verdict
            .findings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    // What a person reads: the violation as printed, with what came.
    for finding in verdict.violations() {
        println!("{} {}: {finding}", broken.api, broken.path);
    }
}

const ZITADEL_PATH: &str = "/auth/v1/users/me/profile";
const ZITADEL_REQUEST: &str =
    "/paths/~1auth~1v1~1users~1me~1profile/put/requestBody/content/application~1json/example";

fn zitadel_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Authorization", "Bearer not-a-real-token"),
        ("Content-Type", "application/json"),
    ]
}

#[tokio::test]
async fn a_zitadel_sequence_sent_as_a_number_is_a_type_violation_at_the_sequence_schema() {
    let body = json!({ "details": {
        "sequence": 2,
        "creationDate": "2024-05-06T07:08:09.123Z",
        "changeDate": "2024-05-06T07:08:09.123Z",
        "resourceOwner": "69629023906488334"
    } });
    reported_and_passed_through(Broken {
        api: "zitadel",
        method: "PUT",
        path: ZITADEL_PATH,
        headers: zitadel_headers(),
        request_example: ZITADEL_REQUEST,
        reply: Reply::json(200, "application/json", body),
        expected: vec![(
            "response-body",
            "/details/sequence",
            "/components/schemas/ObjectDetails/properties/sequence/type",
            location(
                "zitadel",
                &["  ObjectDetails:", "        sequence:", "type:"],
            ),
        )],
    })
    .await;
}

#[tokio::test]
async fn a_cl2c_400_in_the_wrong_shape_is_a_violation_at_each_broken_member() {
    // `status` as text and `errors` as a list, where the spec's
    // ValidationProblemDetails has an integer and a map of lists.
    let body = json!({
        "title": "Invalid Request",
        "status": "400",
        "errors": ["First name is required"]
    });
    reported_and_passed_through(Broken {
        api: "cl2c",
        method: "PUT",
        path: "/v1/cl2c/user",
        headers: vec![
            ("tenant", "tenant-a"),
            ("X-API-Key", "not-a-real-key"),
            ("Content-Type", "application/json"),
        ],
        request_example: "/paths/~1v1~1cl2c~1user/put/requestBody/content/application~1json/examples/example-request-body/value",
        reply: Reply::json(400, "application/problem+json", body),
        expected: vec![
            (
                "response-body",
                "/errors",
                "/components/schemas/ValidationProblemDetails/properties/errors/type",
                location(
                    "cl2c",
                    &["  ValidationProblemDetails:", "        errors:", "type:"],
                ),
            ),
            (
                "response-body",
                "/status",
                "/components/schemas/ValidationProblemDetails/properties/status/type",
                location(
                    "cl2c",
                    &["  ValidationProblemDetails:", "        status:", "type:"],
                ),
            ),
        ],
    })
    .await;
}

#[tokio::test]
async fn an_undocumented_success_status_is_a_status_violation_at_the_operations_responses() {
    let body = json!({ "details": { "sequence": "2" } });
    reported_and_passed_through(Broken {
        api: "zitadel",
        method: "PUT",
        path: ZITADEL_PATH,
        headers: zitadel_headers(),
        request_example: ZITADEL_REQUEST,
        reply: Reply::json(201, "application/json", body),
        expected: vec![(
            "status",
            "",
            "/paths/~1auth~1v1~1users~1me~1profile/put/responses",
            location(
                "zitadel",
                &["  /auth/v1/users/me/profile:", "      responses:"],
            ),
        )],
    })
    .await;
}

#[tokio::test]
async fn an_html_answer_is_a_media_type_violation_at_the_statuss_content() {
    reported_and_passed_through(Broken {
        api: "exante",
        method: "PATCH",
        path: "/api/user",
        headers: vec![
            ("Authorization", "Bearer not-a-real-token"),
            ("Content-Type", "application/json"),
        ],
        request_example: "/paths/~1api~1user/patch/requestBody/content/application~1json/example",
        reply: Reply::text(
            200,
            "text/html; charset=utf-8",
            "<html><body>OK</body></html>",
        ),
        expected: vec![(
            "response-media-type",
            "Content-Type",
            "/paths/~1api~1user/patch/responses/200/content",
            location("exante", &["  /api/user:", "        '200':", "content:"]),
        )],
    })
    .await;
}

#[tokio::test]
async fn an_error_body_without_a_required_field_is_a_violation_at_required() {
    reported_and_passed_through(Broken {
        api: "exante",
        method: "PATCH",
        path: "/api/user",
        headers: vec![
            ("Authorization", "Bearer not-a-real-token"),
            ("Content-Type", "application/json"),
        ],
        request_example: "/paths/~1api~1user/patch/requestBody/content/application~1json/example",
        reply: Reply::json(
            401,
            "application/json",
            json!({ "status": "error", "status_code": 401 }),
        )
        .with_header("WWW-Authenticate", "Bearer"),
        expected: vec![(
            "response-body",
            "",
            "/components/schemas/ErrorResponse/required",
            location("exante", &["  ErrorResponse:", "required:"]),
        )],
    })
    .await;
}
