//! Ctrl-Hub: `PUT /v3/users/{user_id}`, a JSON:API endpoint: the session
//! token in `X-Session-Token`, `application/vnd.api+json` both ways, and a
//! JSON:API error document for every error status.

use conformance::recording_server::{RecordingServer, Reply};
use ctrlhub_sdk::{Client, Credentials, Error, types};
use serde_json::json;

use crate::seed_requests::ctrlhub::seed;

const JSON_API: &str = "application/vnd.api+json";
const USER_ID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
const TEAM_ID: &str = "5b1f7e2a-9c3d-4e8f-a0b1-c2d3e4f5a6b7";

fn user_id() -> uuid::Uuid {
    USER_ID.parse().unwrap_or_else(|e| panic!("{e}"))
}

async fn send(reply: Reply) -> (RecordingServer, Result<types::UserDocument, Error>) {
    let server = RecordingServer::start(reply).await;
    let credentials =
        Credentials::session_token("session-token-123").unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new(server.url(), credentials.into());
    let result = client
        .update_user()
        .user_id(user_id())
        .body(seed(user_id()))
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(Error::from);
    (server, result)
}

fn identifiers() -> serde_json::Value {
    json!({ "data": [{ "id": USER_ID, "type": "<string>" }] })
}

/// The spec's 200 example, with a team added to `included`.
fn seed_response() -> serde_json::Value {
    json!({
        "data": {
            "id": USER_ID,
            "type": "users",
            "attributes": {
                "email": "charlotte.thompson@example.com",
                "identities": [{ "id": USER_ID, "platform": "<string>", "meta": {} }],
                "profile": {
                    "work": {
                        "occupation": "<string>",
                        "cscs": "<string>",
                        "eusr": "<string>",
                        "start_date": "2023-12-25"
                    },
                    "personal": {
                        "first_name": "<string>",
                        "last_name": "<string>",
                        "dob": "2023-12-25",
                        "username": "<string>"
                    },
                    "contact": { "mobile": "<string>", "landline": "<string>" },
                    "address": {
                        "number": "",
                        "street": "<string>",
                        "area": "<string>",
                        "town": "<string>",
                        "county": "<string>",
                        "postcode": "<string>",
                        "country_code": "<string>",
                        "what3words": "<string>"
                    },
                    "settings": { "preferred_language": "en-GB", "timezone": "<string>" }
                }
            },
            "meta": { "grants": ["<string>"] },
            "relationships": { "organisations": identifiers(), "teams": identifiers() }
        },
        "jsonapi": { "version": "<string>" },
        "included": [
            {
                "id": USER_ID,
                "type": "organisations",
                "attributes": {
                    "name": "<string>",
                    "slug": "<string>",
                    "sandbox": true,
                    "settings": {
                        "nomenclature": {
                            "governance": {
                                "schemes": [{ "singular": "<string>", "plural": "<string>", "language": "<string>" }],
                                "work_orders": [{ "singular": "<string>", "plural": "<string>", "language": "<string>" }],
                                "operations": [{ "singular": "<string>", "plural": "<string>", "language": "<string>" }]
                            }
                        }
                    },
                    "description": "<string>"
                },
                "meta": {
                    "v3": true,
                    "status": "active",
                    "created_at": "2023-11-07T05:31:56Z",
                    "updated_at": "2023-11-07T05:31:56Z",
                    "features": [{ "name": "<string>", "enabled": true, "limit": 123 }]
                },
                "relationships": {
                    "users": identifiers(),
                    "service_accounts": identifiers(),
                    "groups": identifiers(),
                    "teams": identifiers()
                }
            },
            { "id": TEAM_ID, "type": "teams", "attributes": { "name": "Cable Jointers" } }
        ]
    })
}

/// The spec's error example.
fn error_document() -> serde_json::Value {
    json!({
        "errors": [{
            "status": "422",
            "title": "Invalid attribute",
            "detail": "dob must be a date-time",
            "source": { "pointer": "/data/attributes/profile/personal/dob" }
        }],
        "jsonapi": { "version": "1.0" }
    })
}

fn ok() -> Reply {
    Reply::json(200, JSON_API, seed_response())
}

#[tokio::test]
async fn update_user_is_a_put_to_v3_users_user_id_with_the_seed_document() {
    let (server, result) = send(ok()).await;
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("PUT", format!("/v3/users/{USER_ID}").as_str())
    );
    // The example's "…T00:00:00.000Z" date-times are sent in chrono's
    // RFC 3339 form, without the zero milliseconds: the same instants.
    assert_eq!(
        sent.json(),
        json!({
            "data": {
                "id": USER_ID,
                "type": "users",
                "attributes": {
                    "profile": {
                        "address": {
                            "area": "Central London",
                            "country_code": "GB",
                            "county": "Greater London",
                            "name": "The Shard",
                            "number": "32A",
                            "postcode": "SE1 9SG",
                            "street": "London Bridge Street",
                            "town": "London",
                            "what3words": "spark.dizzy.ramp"
                        },
                        "contact": { "landline": "020 3728 5000", "mobile": "07700 900456" },
                        "personal": {
                            "dob": "1985-06-15T00:00:00Z",
                            "first_name": "Charlotte",
                            "last_name": "Thompson"
                        },
                        "settings": { "preferred_language": "en-GB", "timezone": "Europe/London" },
                        "work": {
                            "cscs": "GBCSCS789",
                            "eusr": "GBEUSR012",
                            "occupation": "Senior Software Engineer",
                            "start_date": "2018-03-15T00:00:00Z"
                        }
                    }
                }
            }
        })
    );
    result.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn content_type_and_accept_are_each_the_json_api_media_type_once() {
    let (server, _) = send(ok()).await;
    let sent = server.only_request();
    assert_eq!(sent.header("content-type"), JSON_API);
    assert_eq!(sent.header("accept"), JSON_API);
}

#[tokio::test]
async fn the_session_token_is_sent_once_as_x_session_token() {
    let (server, _) = send(ok()).await;
    let sent = server.only_request();
    assert_eq!(sent.header("x-session-token"), "session-token-123");
    assert!(sent.header_values("authorization").is_empty());
}

#[tokio::test]
async fn the_seed_response_served_as_json_api_decodes_with_the_user() {
    let (_, result) = send(ok()).await;
    let document = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(document.data.id, user_id());
    assert_eq!(document.data.type_, types::UserType::Users);
    assert_eq!(document.jsonapi.version.as_deref(), Some("<string>"));
    let attributes = document
        .data
        .attributes
        .unwrap_or_else(|| panic!("attributes missing"));
    assert_eq!(
        attributes.email.as_deref(),
        Some("charlotte.thompson@example.com")
    );
    assert_eq!(attributes.identities.len(), 1);
    let profile = attributes
        .profile
        .unwrap_or_else(|| panic!("profile missing"));
    let personal = profile
        .personal
        .unwrap_or_else(|| panic!("personal missing"));
    assert_eq!(
        personal.dob.map(|d| d.to_string()).as_deref(),
        Some("2023-12-25")
    );
    let work = profile.work.unwrap_or_else(|| panic!("work missing"));
    assert_eq!(
        work.start_date.map(|d| d.to_string()).as_deref(),
        Some("2023-12-25")
    );
    let address = profile.address.unwrap_or_else(|| panic!("address missing"));
    assert_eq!(address.number.as_deref(), Some(""));
    let settings = profile
        .settings
        .unwrap_or_else(|| panic!("settings missing"));
    assert_eq!(settings.preferred_language.as_deref(), Some("en-GB"));
    let meta = document.data.meta.unwrap_or_else(|| panic!("meta missing"));
    assert_eq!(meta.grants, ["<string>"]);
    let relationships = document
        .data
        .relationships
        .unwrap_or_else(|| panic!("relationships missing"));
    let teams = relationships
        .teams
        .unwrap_or_else(|| panic!("teams missing"));
    assert_eq!(teams.data[0].id, user_id());
}

#[tokio::test]
async fn included_decodes_an_organisation_and_a_team_by_their_type() {
    let (_, result) = send(ok()).await;
    let document = result.unwrap_or_else(|e| panic!("{e}"));
    match document.included.as_slice() {
        [
            types::IncludedResource::Organisation(organisation),
            types::IncludedResource::Team(team),
        ] => {
            assert_eq!(organisation.id, user_id());
            assert_eq!(organisation.type_, types::OrganisationType::Organisations);
            let attributes = organisation
                .attributes
                .as_ref()
                .unwrap_or_else(|| panic!("attributes missing"));
            assert_eq!(attributes.sandbox, Some(true));
            let governance = attributes
                .settings
                .as_ref()
                .and_then(|s| s.nomenclature.as_ref())
                .and_then(|n| n.governance.as_ref())
                .unwrap_or_else(|| panic!("governance missing"));
            assert_eq!(
                governance.work_orders[0].plural.as_deref(),
                Some("<string>")
            );
            let meta = organisation
                .meta
                .as_ref()
                .unwrap_or_else(|| panic!("meta missing"));
            assert_eq!(meta.status.as_deref(), Some("active"));
            assert_eq!(meta.features[0].limit, Some(123));
            assert_eq!(meta.features[0].enabled, Some(true));

            assert_eq!(team.id.to_string(), TEAM_ID);
            assert_eq!(team.type_, types::TeamType::Teams);
            let name = team.attributes.as_ref().and_then(|a| a.name.as_deref());
            assert_eq!(name, Some("Cable Jointers"));
        }
        other => panic!("expected [Organisation, Team], got {other:?}"),
    }
}

#[tokio::test]
async fn every_error_status_is_a_json_api_error_document() {
    for status in [401, 404, 422, 500] {
        let (_, result) = send(Reply::json(status, JSON_API, error_document())).await;
        match result {
            Err(Error::Api {
                status: got, body, ..
            }) => {
                assert_eq!(got.as_u16(), status);
                assert_eq!(body.errors.len(), 1);
                let error = &body.errors[0];
                assert_eq!(error.status.as_deref(), Some("422"));
                assert_eq!(error.title.as_deref(), Some("Invalid attribute"));
                assert_eq!(error.detail.as_deref(), Some("dob must be a date-time"));
                let pointer = error.source.as_ref().and_then(|s| s.pointer.as_deref());
                assert_eq!(pointer, Some("/data/attributes/profile/personal/dob"));
                assert_eq!(body.jsonapi.and_then(|j| j.version).as_deref(), Some("1.0"));
            }
            other => panic!("{status}: expected Error::Api, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_user_id_that_is_not_a_uuid_is_refused_before_sending() {
    let server = RecordingServer::start(ok()).await;
    let credentials = Credentials::session_token("t").unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new(server.url(), credentials.into());
    let sent = client
        .update_user()
        .user_id("not-a-uuid")
        .body(seed(user_id()))
        .send()
        .await;
    match sent {
        Err(progenitor_client::Error::InvalidRequest(message)) => {
            assert!(message.contains("user_id"), "{message}");
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    let accepted = client
        .update_user()
        .user_id(USER_ID)
        .body(seed(user_id()))
        .send()
        .await;
    accepted.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.only_request().path, format!("/v3/users/{USER_ID}"));
}

#[test]
fn the_session_token_is_not_printed_by_debug() {
    let credentials =
        Credentials::session_token("s3cr3t-session").unwrap_or_else(|e| panic!("{e}"));
    let printed = format!("{credentials:?} {credentials:#?}");
    assert!(!printed.contains("s3cr3t-session"), "{printed}");
    let client = Client::new("https://api.ctrl-hub.com", credentials.into());
    let printed = format!("{client:?}");
    assert!(!printed.contains("s3cr3t-session"), "{printed}");
}

#[test]
fn a_session_token_with_a_newline_is_refused() {
    assert!(Credentials::session_token("token\nInjected: yes").is_err());
}
