//! The types of `api.rs`'s trait: the request, response and parameter
//! types, each mirroring its schema in `spec/cl2c.yaml`, with the helpers
//! that tell schemars how to document them. No behaviour beyond
//! (de)serialising.

use std::future::Future;
use std::pin::Pin;
use chrono::{DateTime, Utc};
use dropshot::{
    ApiEndpointBodyContentType, ApiEndpointResponse, Body, ExclusiveExtractor, ExtractorMetadata, HttpError, HttpResponse, HttpResponseOk, RequestContext, ServerContext, TypedBody,
};
use http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use super::errors::ValidationProblemDetails;
use crate::apis::body::JsonBody;
use crate::apis::fields::present;
/// The operation's path.
pub const PATH: &str = "/v1/cl2c/user";

/// The credentials: both headers are required by the spec.
// They are optional here only so that a missing one reaches the handler,
// which answers 401 in the vendor's body (dropshot would answer 400 in its
// own); the schema still marks both required.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct CredentialHeaders {
    /// Tenant ID for accessing the API
    #[serde(rename = "tenant")]
    #[schemars(with = "String")]
    pub tenant: Option<String>,
    /// API Key for authentication
    #[serde(rename = "X-API-Key")]
    #[schemars(with = "String")]
    pub api_key: Option<String>,
}

/// The E.164 rule of `phoneNumber`: the spec's pattern, and its `x-rule`
/// extension so that the derived document names the rule as the spec does.
fn e164_phone_number(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
    let mut schema = schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::String.into()),
        ..Default::default()
    };
    schema.string().pattern = Some(r"^\+[1-9][0-9]{1,14}$".to_string());
    schema.extensions.insert(
        "x-rule".to_string(),
        serde_json::Value::String("e164-phone-number".to_string()),
    );
    schema.into()
}

/// The profile fields to update.
//
// PUT replaces the four editable fields (firstName, lastName, phoneNumber,
// pushToken): an optional one left out (or sent as null) is cleared.
//
// The type is only read, never written; `skip_serializing_if` is there for
// schemars, which otherwise documents `default: null` for optional fields.
// `present` refuses an explicit null: no field is nullable in the spec.
// (`///` comments here are the document's descriptions; `//` ones are not.)
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProfileRequest {
    /// User ID
    // Accepted and ignored: the caller is the user the API key belongs to,
    // so a body `id` cannot select another user (the vendor's own example
    // sends the placeholder "string", which must succeed).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "String")]
    pub id: Option<String>,
    /// First name of the user: required and non-empty.
    // Optional here only so that a missing one is reported together with
    // every other failing field; the schema marks it required.
    #[schemars(with = "String", length(min = 1))]
    pub first_name: Option<String>,
    /// Last name of the user
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "String")]
    pub last_name: Option<String>,
    /// User's phone number, in E.164 form.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "e164_phone_number")]
    pub phone_number: Option<String>,
    /// Push token for notifications
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "String")]
    pub push_token: Option<String>,
}

/// The updated user profile.
// The spec marks no field as required, so every field may be absent (never
// null).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// Unique ID of the user
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Uuid")]
    pub id: Option<Uuid>,
    /// User's username
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub user_name: Option<String>,
    /// First name
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub first_name: Option<String>,
    /// Last name
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub last_name: Option<String>,
    /// User's email
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub email: Option<String>,
    /// Email confirmation status
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub email_confirmed: Option<bool>,
    /// Authentication status
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub authenticated: Option<bool>,
    /// Expiry date of auth token
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub auth_valid_upto: Option<DateTime<Utc>>,
    /// Authentication location
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub auth_location: Option<String>,
    /// User's phone number
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub phone_number: Option<String>,
    /// User's wallet address
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub wallet_address: Option<String>,
}

/// The request body, or why it could not be read ([`JsonBody`]: one JSON
/// text, sent as JSON).
///
/// dropshot reads the body before the handler runs; with a plain
/// `TypedBody` a malformed body would be refused before the credentials
/// are checked, and in dropshot's error path, which can only send
/// `application/json`. This extractor never fails: it hands the outcome to
/// the handler, which authenticates first (as the vendor's ASP.NET
/// pipeline does) and then answers a bad body as problem details. The
/// document is `TypedBody`'s, unchanged.
pub struct ProfileBody(pub Result<UpdateProfileRequest, HttpError>);

impl ExclusiveExtractor for ProfileBody {
    // The trait is declared with `#[async_trait]`; this is the signature
    // that macro would generate, written out so that the server needs no
    // extra dependency.
    fn from_request<'life0, 'async_trait, Context>(
        rqctx: &'life0 RequestContext<Context>,
        request: http::Request<Body>,
    ) -> Pin<Box<dyn Future<Output = Result<Self, HttpError>> + Send + 'async_trait>>
    where
        Context: ServerContext + 'async_trait,
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let body = <JsonBody<UpdateProfileRequest> as ExclusiveExtractor>::from_request(
                rqctx, request,
            )
            .await;
            Ok(ProfileBody(body.map(JsonBody::into_inner)))
        })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<UpdateProfileRequest> as ExclusiveExtractor>::metadata(body_content_type)
    }
}

/// What the update answers when it did not fail in the gateway: the stored
/// profile (200, `application/json`), or the request's failing fields as
/// problem details (400, `application/problem+json`, the ASP.NET way; the
/// reason this is not the error type is in `errors.rs`). The document shows
/// the 200, as for `HttpResponseOk<UserProfile>`.
#[derive(Clone, Debug)]
pub enum ProfileUpdate {
    Updated(UserProfile),
    Invalid(ValidationProblemDetails),
}

/// The media type of RFC 7807 problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

impl HttpResponse for ProfileUpdate {
    fn to_result(self) -> Result<http::Response<Body>, HttpError> {
        match self {
            ProfileUpdate::Updated(profile) => HttpResponseOk(profile).to_result(),
            ProfileUpdate::Invalid(problem) => {
                let body = serde_json::to_string(&problem)
                    .map_err(|e| HttpError::for_internal_error(e.to_string()))?;
                Ok(http::Response::builder()
                    .status(StatusCode::BAD_REQUEST)
                    .header(http::header::CONTENT_TYPE, PROBLEM_JSON)
                    .body(body.into())?)
            }
        }
    }

    fn response_metadata() -> ApiEndpointResponse {
        <HttpResponseOk<UserProfile> as HttpResponse>::response_metadata()
    }

    fn status_code(&self) -> StatusCode {
        match self {
            ProfileUpdate::Updated(_) => StatusCode::OK,
            ProfileUpdate::Invalid(_) => StatusCode::BAD_REQUEST,
        }
    }
}

