//! The server column of the gate, on documents mutated in memory.
//!
//! Each test takes a real spec and the document the real server derives,
//! changes one of them the way a careless edit would, runs the comparison
//! the gate runs (`xtask::gate::compare_server`, with the API's real
//! allowances), and expects the failure to name the API, the JSON pointer in
//! the spec, what the spec says and what the server says. (A hand-edited
//! generated file is `gate::a_hand_edited_generated_file_is_stale`.)

use serde_json::{Value, json};
use xtask::conformance::{Allowance, parse_allowances};
use xtask::gate::{Outcome, allowances_file, compare_server};
use xtask::spec::discover;

fn root() -> std::path::PathBuf {
    xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"))
}

/// The spec document of `api`, as the gate loads it.
fn spec(api: &str) -> Value {
    let specs = discover(&root()).unwrap_or_else(|e| panic!("{e}"));
    specs
        .into_iter()
        .find(|s| s.name == api)
        .map(|s| s.doc)
        .unwrap_or_else(|| panic!("no spec/{api}.yaml"))
}

/// The document the server derives for `api`, straight from the library.
fn derived(api: &str) -> Value {
    let which = server::storage::Api::from_name(api).unwrap_or_else(|| panic!("no API {api}"));
    server::serve::derived_openapi(which).unwrap_or_else(|e| panic!("{e}"))
}

/// The API's checked-in allowances.
fn allowances(api: &str) -> Vec<Allowance> {
    let path = root().join(allowances_file(api));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_allowances(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn gate(api: &str, spec: &Value, derived: &Value, allowances: &[Allowance]) -> Outcome {
    compare_server(&root(), api, spec, derived, allowances)
}

fn at<'v>(doc: &'v mut Value, pointer: &str) -> &'v mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the document"))
}

fn object<'v>(doc: &'v mut Value, pointer: &str) -> &'v mut serde_json::Map<String, Value> {
    at(doc, pointer)
        .as_object_mut()
        .unwrap_or_else(|| panic!("{pointer} is not an object"))
}

/// Renames a property of a schema, and its `required` entry if any.
fn rename_property(doc: &mut Value, schema: &str, from: &str, to: &str) {
    let properties = object(doc, &format!("{schema}/properties"));
    let property = properties
        .remove(from)
        .unwrap_or_else(|| panic!("{schema} has no property {from}"));
    properties.insert(to.to_string(), property);
    if let Some(Value::Array(required)) = object(doc, schema).get_mut("required") {
        for name in required.iter_mut().filter(|n| n.as_str() == Some(from)) {
            *name = json!(to);
        }
    }
}

/// Renames a key of an object (a status, a media type).
fn rename_key(doc: &mut Value, pointer: &str, from: &str, to: &str) {
    let map = object(doc, pointer);
    let value = map
        .remove(from)
        .unwrap_or_else(|| panic!("{pointer} has no {from}"));
    map.insert(to.to_string(), value);
}

/// The pointer of a stale-allowance failure for `api`.
fn stale(api: &str, pointer: &str, spec: &str, server: &str) -> String {
    format!(
        "{api}: stale allowance in server/allowances/{api}.yaml: {pointer} (spec {spec}, \
         server {server}) matches no difference any more; remove it"
    )
}

#[track_caller]
fn assert_failures(outcome: &Outcome, expected: &[String]) {
    assert_eq!(
        outcome.failures,
        expected,
        "\nfailures:\n{}",
        outcome.failures.join("\n")
    );
}

// The unmutated pairs: every difference is allowed, no allowance is stale,
// and every allowance names a test that exists.

#[track_caller]
fn passes_unmutated(api: &str) {
    let allowed = allowances(api);
    let outcome = gate(api, &spec(api), &derived(api), &allowed);
    assert_failures(&outcome, &[]);
    assert_eq!(outcome.note, format!("{} allowed", allowed.len()));
}

#[test]
fn cl2c_and_its_server_differ_only_where_allowed() {
    passes_unmutated("cl2c");
}

#[test]
fn ctechnology_and_its_server_differ_only_where_allowed() {
    passes_unmutated("ctechnology");
}

#[test]
fn ctrlhub_and_its_server_differ_only_where_allowed() {
    passes_unmutated("ctrlhub");
}

#[test]
fn exante_and_its_server_differ_only_where_allowed() {
    passes_unmutated("exante");
}

#[test]
fn zitadel_and_its_server_differ_only_where_allowed() {
    passes_unmutated("zitadel");
}

// 1. A field renamed in a server type.

#[test]
fn a_field_renamed_in_a_server_type_names_its_pointer() {
    let mut server = derived("cl2c");
    rename_property(
        &mut server,
        "/components/schemas/UpdateProfileRequest",
        "firstName",
        "first_name",
    );
    let outcome = gate("cl2c", &spec("cl2c"), &server, &allowances("cl2c"));
    let body = "/paths/~1v1~1cl2c~1user/put/requestBody/content/application~1json/schema";
    assert_failures(
        &outcome,
        &[
            format!(
                "cl2c: {body}/properties/firstName: spec says \"firstName\", server says absent. \
                 The server's type has no field `firstName`."
            ),
            format!(
                "cl2c: {body}/properties/first_name: spec says absent, server says \"first_name\". \
                 The server's type has a field `first_name` the spec does not."
            ),
            format!(
                "cl2c: {body}/required: spec says [\"firstName\"], server says [\"first_name\"]. \
                 The sides differ in which fields are required."
            ),
        ],
    );
}

#[test]
fn a_field_renamed_in_a_server_response_type_names_its_pointer() {
    let mut server = derived("exante");
    rename_property(
        &mut server,
        "/components/schemas/ActiveCompany",
        "owner_id",
        "ownerId",
    );
    let outcome = gate("exante", &spec("exante"), &server, &allowances("exante"));
    let company = "/paths/~1api~1user/patch/responses/200/content/application~1json/schema\
                   /properties/data/properties/user/properties/active_company";
    assert_failures(
        &outcome,
        &[
            format!(
                "exante: {company}/properties/ownerId: spec says absent, server says \"ownerId\". \
                 The server's type has a field `ownerId` the spec does not."
            ),
            format!(
                "exante: {company}/properties/owner_id: spec says \"owner_id\", server says absent. \
                 The server's type has no field `owner_id`."
            ),
        ],
    );
}

#[test]
fn a_field_renamed_in_a_server_error_type_names_its_pointer() {
    // The spec's one `default` error body is compared with dropshot's 4XX one.
    let mut server = derived("zitadel");
    rename_property(
        &mut server,
        "/components/schemas/RpcStatus",
        "message",
        "msg",
    );
    let outcome = gate("zitadel", &spec("zitadel"), &server, &allowances("zitadel"));
    let error = "/paths/~1auth~1v1~1users~1me~1profile/put/responses/default/content\
                 /application~1json/schema";
    assert_failures(
        &outcome,
        &[
            format!(
                "zitadel: {error}/properties/message: spec says \"message\", server says absent. \
                 The server's type has no field `message`."
            ),
            format!(
                "zitadel: {error}/properties/msg: spec says absent, server says \"msg\". \
                 The server's type has a field `msg` the spec does not."
            ),
        ],
    );
}

#[test]
fn a_field_renamed_in_a_server_error_variant_names_its_pointer() {
    // CL2C's spec has two error bodies (400 and default); the server documents
    // one untagged `anyOf` of both under 4XX and 5XX. Each spec body is
    // compared with the variant it matches best.
    let mut server = derived("cl2c");
    rename_property(
        &mut server,
        "/components/schemas/ErrorResponse",
        "errorId",
        "error_id",
    );
    let outcome = gate("cl2c", &spec("cl2c"), &server, &allowances("cl2c"));
    let error = "/paths/~1v1~1cl2c~1user/put/responses/default/content/application~1json/schema";
    // (The `required` list changes too, so its allowance goes stale.)
    let failures = outcome.failures.join("\n");
    for expected in [
        format!(
            "cl2c: {error}/properties/errorId: spec says \"errorId\", server says absent. \
             The server's type has no field `errorId`."
        ),
        format!(
            "cl2c: {error}/properties/error_id: spec says absent, server says \"error_id\". \
             The server's type has a field `error_id` the spec does not."
        ),
    ] {
        assert!(
            outcome.failures.contains(&expected),
            "{expected}\nnot in\n{failures}"
        );
    }
}

#[test]
fn a_field_renamed_behind_an_allowed_media_type_names_its_pointer() {
    // The allowed media-type difference (application/vnd.api+json against
    // dropshot's application/json) does not hide the body behind it.
    let mut server = derived("ctrlhub");
    rename_property(
        &mut server,
        "/components/schemas/ErrorObject",
        "detail",
        "details",
    );
    let outcome = gate("ctrlhub", &spec("ctrlhub"), &server, &allowances("ctrlhub"));
    let error = "/paths/~1v3~1users~1{user_id}/put/responses/default/content\
                 /application~1vnd.api+json/schema/properties/errors/items";
    assert_failures(
        &outcome,
        &[
            format!(
                "ctrlhub: {error}/properties/detail: spec says \"detail\", server says absent. \
                 The server's type has no field `detail`."
            ),
            format!(
                "ctrlhub: {error}/properties/details: spec says absent, server says \"details\". \
                 The server's type has a field `details` the spec does not."
            ),
        ],
    );
}

#[test]
fn a_5xx_error_body_unlike_the_spec_default_names_its_pointer() {
    // dropshot documents 4XX and 5XX separately; the spec's `default` body is
    // compared with both.
    let mut server = derived("zitadel");
    *at(
        &mut server,
        "/paths/~1auth~1v1~1users~1me~1profile/put/responses/5XX",
    ) = json!({
        "description": "plain text",
        "content": { "application/json": { "schema": { "type": "string" } } }
    });
    let outcome = gate("zitadel", &spec("zitadel"), &server, &allowances("zitadel"));
    let error = "/paths/~1auth~1v1~1users~1me~1profile/put/responses/default/content\
                 /application~1json/schema";
    let failures = outcome.failures.join("\n");
    for expected in [
        format!(
            "zitadel: {error}/properties/code: spec says \"code\", server says absent. \
             The server's type has no field `code`."
        ),
        format!(
            "zitadel: {error}/type: spec says \"object\", server says \"string\". \
             The schemas differ in `type`."
        ),
    ] {
        assert!(
            outcome.failures.contains(&expected),
            "{expected}\nnot in\n{failures}"
        );
    }
}

// 2. A `maxLength` changed in the spec.

#[test]
fn a_max_length_changed_in_the_spec_names_its_pointer() {
    let mut doc = spec("zitadel");
    let limit = at(
        &mut doc,
        "/components/schemas/UpdateMyProfileRequest/properties/firstName/maxLength",
    );
    // The spec's own limit, whatever it is today: the server says the same
    // (see zitadel_and_its_server_differ_only_where_allowed).
    let server_says = limit
        .as_u64()
        .unwrap_or_else(|| panic!("{limit} is no limit"));
    *limit = json!(server_says - 1);
    let outcome = gate("zitadel", &doc, &derived("zitadel"), &allowances("zitadel"));
    assert_failures(
        &outcome,
        &[format!(
            "zitadel: /paths/~1auth~1v1~1users~1me~1profile/put/requestBody/content\
             /application~1json/schema/properties/firstName/maxLength: spec says {}, \
             server says {server_says}. The schemas differ in `maxLength`.",
            server_says - 1
        )],
    );
}

#[test]
fn a_max_length_removed_from_the_spec_names_its_pointer() {
    let mut doc = spec("exante");
    // The spec's own limit, whatever it is today: the server says the same
    // (see exante_and_its_server_differ_only_where_allowed).
    let server_says = object(
        &mut doc,
        "/components/schemas/UserProfileUpdate/properties/lastname",
    )
    .remove("maxLength")
    .unwrap_or_else(|| panic!("lastname has no maxLength"));
    let outcome = gate("exante", &doc, &derived("exante"), &allowances("exante"));
    assert_failures(
        &outcome,
        &[format!(
            "exante: /paths/~1api~1user/patch/requestBody/content/application~1json/schema\
             /properties/lastname/maxLength: spec says absent, server says {server_says}. \
             The schemas differ in `maxLength`."
        )],
    );
}

// 3. An enum value dropped on the server.

#[test]
fn an_enum_value_dropped_on_the_server_names_its_pointer() {
    let mut server = derived("zitadel");
    *at(&mut server, "/components/schemas/Gender/enum") =
        json!(["GENDER_UNSPECIFIED", "GENDER_FEMALE", "GENDER_MALE"]);
    let outcome = gate("zitadel", &spec("zitadel"), &server, &allowances("zitadel"));
    assert_failures(
        &outcome,
        &[
            "zitadel: /paths/~1auth~1v1~1users~1me~1profile/put/requestBody/content\
           /application~1json/schema/properties/gender/enum: spec says \
           [\"GENDER_UNSPECIFIED\",\"GENDER_FEMALE\",\"GENDER_MALE\",\"GENDER_DIVERSE\"], \
           server says [\"GENDER_UNSPECIFIED\",\"GENDER_FEMALE\",\"GENDER_MALE\"]. \
           The sides allow different enum values."
                .to_string(),
        ],
    );
}

#[test]
fn an_enum_value_dropped_on_the_server_is_named_in_request_and_response() {
    let mut server = derived("ctechnology");
    *at(&mut server, "/components/schemas/TimeFormat/enum") = json!(["24H"]);
    let outcome = gate(
        "ctechnology",
        &spec("ctechnology"),
        &server,
        &allowances("ctechnology"),
    );
    let line = |pointer: &str| {
        format!(
            "ctechnology: /paths/~1api~1v2.2~1me/put/{pointer}/time_format/enum: spec says [\"24H\",\"AMPM\"], server says [\"24H\"]. \
             The sides allow different enum values."
        )
    };
    assert_failures(
        &outcome,
        &[
            line("requestBody/content/application~1json/schema/properties"),
            line("responses/200/content/application~1json/schema/properties/data/properties"),
        ],
    );
}

// 4. A status code changed.

#[test]
fn a_status_code_changed_on_the_server_names_the_responses() {
    let mut server = derived("ctechnology");
    rename_key(
        &mut server,
        "/paths/~1api~1v2.2~1me/put/responses",
        "200",
        "201",
    );
    let outcome = gate(
        "ctechnology",
        &spec("ctechnology"),
        &server,
        &allowances("ctechnology"),
    );
    let responses = "/paths/~1api~1v2.2~1me/put/responses";
    assert_failures(
        &outcome,
        &[
            format!(
                "ctechnology: {responses}: spec says [\"200\",\"default\"], server says \
                 [\"201\",\"4XX\",\"5XX\"]. The documented response statuses differ."
            ),
            // The allowance for dropshot's 4XX/5XX named the old statuses.
            stale(
                "ctechnology",
                responses,
                "[\"200\",\"default\"]",
                "[\"200\",\"4XX\",\"5XX\"]",
            ),
        ],
    );
}

#[test]
fn a_status_code_changed_in_the_spec_names_the_responses() {
    let mut doc = spec("exante");
    rename_key(&mut doc, "/paths/~1api~1user/patch/responses", "200", "202");
    let outcome = gate("exante", &doc, &derived("exante"), &allowances("exante"));
    let responses = "/paths/~1api~1user/patch/responses";
    assert_failures(
        &outcome,
        &[
            format!(
                "exante: {responses}: spec says [\"202\",\"default\"], server says \
                 [\"200\",\"4XX\",\"5XX\"]. The documented response statuses differ."
            ),
            stale(
                "exante",
                responses,
                "[\"200\",\"default\"]",
                "[\"200\",\"4XX\",\"5XX\"]",
            ),
        ],
    );
}

// 5. A header parameter renamed.

#[test]
fn a_header_parameter_renamed_on_the_server_names_its_pointer() {
    let mut server = derived("cl2c");
    let parameters = "/paths/~1v1~1cl2c~1user/put/parameters";
    let index = at(&mut server, parameters)
        .as_array()
        .and_then(|ps| ps.iter().position(|p| p["name"] == "tenant"))
        .unwrap_or_else(|| panic!("the server takes no tenant header"));
    *at(&mut server, &format!("{parameters}/{index}/name")) = json!("tenant-id");
    let outcome = gate("cl2c", &spec("cl2c"), &server, &allowances("cl2c"));
    assert_failures(
        &outcome,
        &[
            format!(
                "cl2c: {parameters}: spec says absent, server says \"header parameter tenant-id\". \
                 The server takes a parameter the spec does not have."
            ),
            // The spec lists `tenant` first.
            format!(
                "cl2c: {parameters}/0: spec says \"header parameter tenant\", server says absent. \
                 The server does not take this parameter."
            ),
        ],
    );
}

#[test]
fn a_header_parameter_renamed_in_the_spec_names_its_pointer() {
    let mut doc = spec("cl2c");
    let parameters = "/paths/~1v1~1cl2c~1user/put/parameters";
    *at(&mut doc, &format!("{parameters}/1/name")) = json!("X-Api-Token");
    let outcome = gate("cl2c", &doc, &derived("cl2c"), &allowances("cl2c"));
    assert_failures(
        &outcome,
        &[
            // Header names are compared case-folded.
            format!(
                "cl2c: {parameters}: spec says absent, server says \"header parameter x-api-key\". \
                 The server takes a parameter the spec does not have."
            ),
            format!(
                "cl2c: {parameters}/1: spec says \"header parameter x-api-token\", server says \
                 absent. The server does not take this parameter."
            ),
        ],
    );
}

#[test]
fn a_header_name_differing_only_in_case_is_no_difference() {
    let mut server = derived("cl2c");
    let parameters = "/paths/~1v1~1cl2c~1user/put/parameters";
    for parameter in at(&mut server, parameters)
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if let Some(name) = parameter["name"].as_str() {
            parameter["name"] = json!(name.to_ascii_uppercase());
        }
    }
    let outcome = gate("cl2c", &spec("cl2c"), &server, &allowances("cl2c"));
    assert_failures(&outcome, &[]);
}

// 6. A field made required.

#[test]
fn a_field_made_required_in_the_spec_names_its_pointer() {
    let mut doc = spec("ctrlhub");
    *at(&mut doc, "/components/schemas/UserUpdateResource/required") =
        json!(["id", "type", "attributes"]);
    let outcome = gate("ctrlhub", &doc, &derived("ctrlhub"), &allowances("ctrlhub"));
    assert_failures(
        &outcome,
        &[
            "ctrlhub: /paths/~1v3~1users~1{user_id}/put/requestBody/content\
           /application~1vnd.api+json/schema/properties/data/required: spec says \
           [\"id\",\"type\",\"attributes\"], server says [\"id\",\"type\"]. \
           The sides differ in which fields are required."
                .to_string(),
        ],
    );
}

#[test]
fn a_field_made_required_on_the_server_names_its_pointer() {
    let mut server = derived("exante");
    object(&mut server, "/components/schemas/UserProfileUpdate")
        .insert("required".to_string(), json!(["firstname"]));
    let outcome = gate("exante", &spec("exante"), &server, &allowances("exante"));
    assert_failures(
        &outcome,
        &[
            "exante: /paths/~1api~1user/patch/requestBody/content/application~1json/schema\
           /required: spec says absent, server says [\"firstname\"]. \
           The sides differ in which fields are required."
                .to_string(),
        ],
    );
}

#[test]
fn a_field_made_nullable_on_the_server_names_its_pointer() {
    // "May be absent" and "may be null" are different things.
    let mut server = derived("zitadel");
    object(
        &mut server,
        "/components/schemas/UpdateMyProfileRequest/properties/nickName",
    )
    .insert("nullable".to_string(), json!(true));
    let outcome = gate("zitadel", &spec("zitadel"), &server, &allowances("zitadel"));
    assert_failures(
        &outcome,
        &[
            "zitadel: /paths/~1auth~1v1~1users~1me~1profile/put/requestBody/content\
           /application~1json/schema/properties/nickName/nullable: spec says absent, \
           server says true. The schemas differ in `nullable`."
                .to_string(),
        ],
    );
}

// 7. A media type changed.

#[test]
fn a_media_type_changed_on_the_server_names_its_pointer() {
    let mut server = derived("exante");
    rename_key(
        &mut server,
        "/paths/~1api~1user/patch/responses/200/content",
        "application/json",
        "application/hal+json",
    );
    let outcome = gate("exante", &spec("exante"), &server, &allowances("exante"));
    assert_failures(
        &outcome,
        &[
            "exante: /paths/~1api~1user/patch/responses/200/content: spec says \
           [\"application/json\"], server says [\"application/hal+json\"]. \
           The media types differ."
                .to_string(),
        ],
    );
}

#[test]
fn a_media_type_changed_beside_an_allowance_is_not_covered_by_it() {
    // The allowance names the exact media types dropshot documents.
    let mut server = derived("ctrlhub");
    rename_key(
        &mut server,
        "/paths/~1v3~1users~1{user_id}/put/requestBody/content",
        "application/json",
        "text/plain",
    );
    let outcome = gate("ctrlhub", &spec("ctrlhub"), &server, &allowances("ctrlhub"));
    let content = "/paths/~1v3~1users~1{user_id}/put/requestBody/content";
    assert_failures(
        &outcome,
        &[
            format!(
                "ctrlhub: {content}: spec says [\"application/vnd.api+json\"], server says \
                 [\"text/plain\"]. The media types differ."
            ),
            stale(
                "ctrlhub",
                content,
                "[\"application/vnd.api+json\"]",
                "[\"application/json\"]",
            ),
        ],
    );
}

// 8. A generated file edited: `gate::a_hand_edited_generated_file_is_stale`.

// 9. An allowance that no longer applies.

#[test]
fn an_allowance_whose_values_changed_is_stale_and_its_difference_uncovered() {
    let mut allowed = allowances("zitadel");
    let pointer = "/paths/~1auth~1v1~1users~1me~1profile/put/security";
    let entry = allowed
        .iter_mut()
        .find(|a| a.pointer == pointer)
        .unwrap_or_else(|| panic!("no allowance for {pointer}"));
    entry.spec = "[{\"OAuth2\":[\"openid\",\"profile\"]}]".to_string();
    let outcome = gate("zitadel", &spec("zitadel"), &derived("zitadel"), &allowed);
    assert_failures(
        &outcome,
        &[
            format!(
                "zitadel: {pointer}: spec says [{{\"OAuth2\":[\"openid\"]}}], server says absent. \
                 The operation's security requirement differs."
            ),
            stale(
                "zitadel",
                pointer,
                "[{\"OAuth2\":[\"openid\",\"profile\"]}]",
                "absent",
            ),
        ],
    );
}

#[test]
fn an_allowance_whose_difference_is_gone_is_stale() {
    // The server starts documenting the operation's security: the difference
    // the allowance covered is gone, and the allowance must go too.
    let spec_doc = spec("ctechnology");
    let mut server = derived("ctechnology");
    let security = spec_doc
        .pointer("/paths/~1api~1v2.2~1me/put/security")
        .cloned()
        .unwrap_or_else(|| panic!("the spec's operation has no security"));
    object(&mut server, "/paths/~1api~1v2.2~1me/put").insert("security".to_string(), security);
    let outcome = gate(
        "ctechnology",
        &spec_doc,
        &server,
        &allowances("ctechnology"),
    );
    assert_failures(
        &outcome,
        &[stale(
            "ctechnology",
            "/paths/~1api~1v2.2~1me/put/security",
            "[{\"TokenAuth\":[]}]",
            "absent",
        )],
    );
}

#[test]
fn an_allowance_naming_a_missing_test_fails_the_server_column() {
    let mut allowed = allowances("exante");
    let pointer = "/paths/~1api~1user/patch/security";
    let cases = [
        (
            "server/tests/api/exante.rs::no_such_test",
            "server/tests/api/exante.rs has no `fn no_such_test(`",
        ),
        (
            "server/tests/api/nowhere.rs::a_missing_token_is_unauthenticated",
            "it is not in exante's own test file server/tests/api/exante.rs",
        ),
        (
            "../outside.rs::a_missing_token_is_unauthenticated",
            "it is not in exante's own test file server/tests/api/exante.rs",
        ),
        (
            "a_missing_token_is_unauthenticated",
            "it is not in exante's own test file server/tests/api/exante.rs",
        ),
        (
            "server/tests/api/exante.rs::a missing token",
            "\"a missing token\" is not a function name",
        ),
    ];
    for (test, why) in cases {
        for entry in allowed.iter_mut().filter(|a| a.pointer == pointer) {
            entry.test = test.to_string();
        }
        let outcome = gate("exante", &spec("exante"), &derived("exante"), &allowed);
        let [failure] = outcome.failures.as_slice() else {
            panic!("{test}: one failure expected, got {:?}", outcome.failures);
        };
        let expected = format!(
            "exante: allowance {pointer} in server/allowances/exante.yaml names the test \
             {test}, which cannot prove it: {why}"
        );
        assert!(
            failure.starts_with(&expected),
            "{failure}\n  expected {expected}"
        );
    }
}

// False alarms: a spec that says the same thing in other words.

#[test]
fn nullable_false_written_out_in_the_spec_is_no_difference() {
    let mut spec = spec("zitadel");
    object(
        &mut spec,
        "/components/schemas/UpdateMyProfileRequest/properties/nickName",
    )
    .insert("nullable".to_string(), json!(false));
    let outcome = gate(
        "zitadel",
        &spec,
        &derived("zitadel"),
        &allowances("zitadel"),
    );
    assert_failures(&outcome, &[]);
}

#[test]
fn a_pattern_with_its_character_class_reordered_is_no_difference() {
    let mut spec = spec("exante");
    let pattern = "/components/schemas/UserProfileUpdate/properties/firstname/pattern";
    assert_eq!(at(&mut spec, pattern), &json!("^[A-Za-z]+$"));
    *at(&mut spec, pattern) = json!("^[a-zA-Z]+$");
    let outcome = gate("exante", &spec, &derived("exante"), &allowances("exante"));
    assert_failures(&outcome, &[]);
}

#[test]
fn an_allowance_proved_by_another_apis_test_fails_the_server_column() {
    // Ctrl-Hub's 415 test swapped for ZITADEL's malformed-JSON test: the test
    // exists, but it shows nothing about Ctrl-Hub's server.
    let mut allowed = allowances("ctrlhub");
    let pointer = "/paths/~1v3~1users~1{user_id}/put/requestBody/content";
    let other = "server/tests/api/zitadel.rs::malformed_json_is_invalid_argument";
    for entry in allowed.iter_mut().filter(|a| a.pointer == pointer) {
        entry.test = other.to_string();
    }
    let outcome = gate("ctrlhub", &spec("ctrlhub"), &derived("ctrlhub"), &allowed);
    assert_failures(
        &outcome,
        &[format!(
            "ctrlhub: allowance {pointer} in server/allowances/ctrlhub.yaml names the test \
             {other}, which cannot prove it: it is not in ctrlhub's own test file \
             server/tests/api/ctrlhub.rs: a test of another API cannot show what this server does"
        )],
    );
}

#[test]
fn an_allowance_that_does_not_say_what_its_test_shows_fails_the_server_column() {
    let mut allowed = allowances("ctrlhub");
    for entry in &mut allowed {
        entry.shows = " ".to_string();
    }
    let outcome = gate("ctrlhub", &spec("ctrlhub"), &derived("ctrlhub"), &allowed);
    assert_eq!(
        outcome.failures.len(),
        allowed.len(),
        "{:#?}",
        outcome.failures
    );
    assert!(
        outcome
            .failures
            .iter()
            .all(|f| f.ends_with("its `shows` is empty: say what the test shows")),
        "{:#?}",
        outcome.failures
    );
}

#[test]
fn a_media_type_dropped_from_cl2cs_400_in_the_spec_is_not_covered_by_its_allowance() {
    // The server still sends application/problem+json for a 400.
    let mut spec = spec("cl2c");
    let content = "/paths/~1v1~1cl2c~1user/put/responses/400/content";
    object(&mut spec, content).remove("application/problem+json");
    let outcome = gate("cl2c", &spec, &derived("cl2c"), &allowances("cl2c"));
    // The allowance states both lists, so it no longer matches: stale.
    assert_failures(
        &outcome,
        &[stale(
            "cl2c",
            content,
            "[\"application/json\",\"application/problem+json\"]",
            "[\"application/json\"]",
        )],
    );
}

// x-rules: each one the spec states is enforced, tested, and listed in
// server/rules/<api>.yaml; each one listed is stated.

fn enforced_rules(api: &str) -> Vec<xtask::rules::EnforcedRule> {
    let path = root().join(xtask::rules::rules_file(api));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    xtask::rules::parse_rules(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_x_rule_of_every_spec_names_its_enforcing_test() {
    for api in ["cl2c", "ctechnology", "ctrlhub", "exante", "zitadel"] {
        let failures = xtask::rules::check_rules(&root(), api, &spec(api), &enforced_rules(api));
        assert!(failures.is_empty(), "{failures:#?}");
    }
    assert_eq!(enforced_rules("exante").len(), 2);
}

#[test]
fn an_x_rule_removed_from_the_spec_while_the_server_enforces_it_fails() {
    // Exante's "User must be a member of this organization." deleted from
    // the spec (with a minor bump, which the classifier allows: a removed
    // rule widens the request), while the server still refuses.
    let mut spec = spec("exante");
    let property = "/components/schemas/UserProfileUpdate/properties/default_organization";
    object(&mut spec, property).remove("x-rule");
    let failures = xtask::rules::check_rules(&root(), "exante", &spec, &enforced_rules("exante"));
    assert_eq!(
        failures,
        [format!(
            "exante: server/rules/exante.yaml lists x-rule member-organization at {property}, \
             which the spec no longer states, but the server enforces it \
             (server/tests/api/exante.rs::alice_cannot_set_bobs_organisation_as_her_default \
             shows that): a rule is part of the contract; restore it in the spec, or stop \
             enforcing it and remove its test and this entry"
        )]
    );
}

#[test]
fn an_x_rule_added_to_the_spec_without_an_enforcing_test_fails() {
    let mut spec = spec("zitadel");
    object(
        &mut spec,
        "/components/schemas/UpdateMyProfileRequest/properties/nickName",
    )
    .insert("x-rule".to_string(), json!("unique-nickname"));
    let failures = xtask::rules::check_rules(&root(), "zitadel", &spec, &[]);
    assert_eq!(
        failures,
        ["zitadel: x-rule unique-nickname at \
          /components/schemas/UpdateMyProfileRequest/properties/nickName names no enforcing \
          server test: add it to server/rules/zitadel.yaml with the test in \
          server/tests/api/zitadel.rs that shows the server enforcing it"]
    );
}

#[test]
fn an_x_rule_proved_by_another_apis_test_fails() {
    let mut enforced = enforced_rules("exante");
    enforced[0].test = "server/tests/api/cl2c.rs::phone_number_is_e164".to_string();
    let failures = xtask::rules::check_rules(&root(), "exante", &spec("exante"), &enforced);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(
        failures[0].contains("it is not in exante's own test file server/tests/api/exante.rs"),
        "{}",
        failures[0]
    );
}

// schemars overrides: `with` / `schema_with` document the field's own type.

#[test]
fn every_schemars_override_documents_its_fields_own_type() {
    let sources =
        xtask::schema_types::read_server_sources(&root()).unwrap_or_else(|e| panic!("{e}"));
    assert!(sources.len() >= 5, "{} server sources", sources.len());
    let failures = xtask::schema_types::check_sources(&sources);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_type_changed_behind_schema_with_fails_the_server_column() {
    // Exante's max_documents sent as a string while `plain_integer` still
    // documents an integer: the derived document is unchanged, so only this
    // check sees it.
    let mut sources =
        xtask::schema_types::read_server_sources(&root()).unwrap_or_else(|e| panic!("{e}"));
    let api = sources
        .iter_mut()
        .find(|s| s.path == "server/src/apis/exante/types.rs")
        .unwrap_or_else(|| panic!("no exante types.rs"));
    let before = api.text.clone();
    api.text = before.replacen(
        "pub max_documents: Option<i64>,",
        "pub max_documents: Option<String>,",
        1,
    );
    assert_ne!(api.text, before);
    let failures = xtask::schema_types::check_sources(&sources);
    let [failure] = failures.as_slice() else {
        panic!("one failure expected: {failures:#?}");
    };
    assert!(
        failure.starts_with("server/src/apis/exante/types.rs:")
            && failure.contains(
                "`ActiveCompany.max_documents` is `Option<String>` but \
                 `#[schemars(schema_with = \"plain_integer\")]` documents integer"
            )
            && failure.contains("what the server sends"),
        "{failure}"
    );
}

#[test]
fn a_type_changed_behind_with_fails_the_server_column() {
    let mut sources =
        xtask::schema_types::read_server_sources(&root()).unwrap_or_else(|e| panic!("{e}"));
    let api = sources
        .iter_mut()
        .find(|s| s.path == "server/src/apis/cl2c/types.rs")
        .unwrap_or_else(|| panic!("no cl2c types.rs"));
    api.text = api.text.replacen(
        "pub email_confirmed: Option<bool>,",
        "pub email_confirmed: Option<String>,",
        1,
    );
    let failures = xtask::schema_types::check_sources(&sources);
    let [failure] = failures.as_slice() else {
        panic!("one failure expected: {failures:#?}");
    };
    assert!(
        failure.contains(
            "`UserProfile.email_confirmed` is `Option<String>` but \
             `#[schemars(with = \"bool\")]` documents `bool`"
        ),
        "{failure}"
    );
}
