//! 405 Method Not Allowed, made in one place (the front) for every API:
//! every method other than the operation's, on the operation's path and on
//! the two documents each API serves, is a 405 in the API's own error
//! format, the same for every method, with the `Allow` header RFC 9110
//! requires and a request id like every other answer.

use reqwest::Method;
use serde_json::Value;
use server::storage::Api;

use crate::harness::{Reply, TestApi};

/// Every method a client can send that is not the operation's: the ones
/// HTTP defines, and one it does not.
fn other_methods(operation: &Method) -> Vec<Method> {
    [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PURGE",
    ]
    .into_iter()
    .map(|m| Method::from_bytes(m.as_bytes()).unwrap_or_else(|e| panic!("{m}: {e}")))
    .filter(|m| m != operation)
    .collect()
}

/// `reply`'s body without what names the request it answers (the method
/// in a message, CL2C's `errorId`), so that two answers can be compared.
fn without_request_details(reply: &Reply, method: &Method) -> Value {
    let text = reply.body.to_string().replace(method.as_str(), "<method>");
    let mut body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if let Some(object) = body.as_object_mut() {
        object.remove("errorId");
    }
    body
}

async fn assert_every_other_method_is_405(api: Api, path_of: fn(&TestApi) -> String, allow: &str) {
    let t = TestApi::start(api).await;
    let profile = crate::profile(api);
    let path = path_of(&t);
    let mut bodies = Vec::new();
    for method in other_methods(&t.method()) {
        if method.as_str() == allow {
            continue;
        }
        let case = format!("{api}: {method} {path}");
        let reply = t.send(method.clone(), &path, &[], None).await;
        assert_eq!(reply.status, 405, "{case}: {reply:?}");
        assert_eq!(reply.allow.as_deref(), Some(allow), "{case}: {reply:?}");
        assert!(
            reply.request_id.is_some(),
            "{case}: no x-request-id: {reply:?}"
        );
        if method == Method::HEAD {
            continue;
        }
        assert!(
            (profile.is_error_body)(&reply),
            "{case}: not the API's error format: {reply:?}"
        );
        bodies.push((method.clone(), without_request_details(&reply, &method)));
    }
    let (first_method, first) = &bodies[0];
    for (method, body) in &bodies[1..] {
        assert_eq!(
            body, first,
            "{api}: {method} and {first_method} differ on {path}"
        );
    }
    assert_eq!(t.stored(&t.alice).1, 0, "{api}: nothing may be stored");
}

#[tokio::test]
async fn every_other_method_on_the_operations_path_is_405_in_the_apis_format() {
    for &api in Api::ALL {
        let allow = api.descriptor().operation.method;
        assert_every_other_method_is_405(api, TestApi::path, allow).await;
    }
}

#[tokio::test]
async fn every_other_method_on_the_documents_is_405_in_the_apis_format() {
    for &api in Api::ALL {
        assert_every_other_method_is_405(api, |_| "/openapi.json".into(), "GET").await;
        assert_every_other_method_is_405(api, |_| "/docs".into(), "GET").await;
    }
}

/// ZITADEL's gateway answers every method the path does not serve with
/// gRPC code 12, UNIMPLEMENTED (OPTIONS was 13, INTERNAL, before the 405s
/// were made in one place).
#[tokio::test]
async fn zitadel_answers_every_other_method_with_code_12_unimplemented() {
    let t = TestApi::start(Api::Zitadel).await;
    for method in other_methods(&t.method()) {
        if method == Method::HEAD {
            continue;
        }
        let reply = t.send(method.clone(), &t.path(), &[], None).await;
        assert_eq!(reply.body["code"], 12, "{method}: {reply:?}");
    }
}
