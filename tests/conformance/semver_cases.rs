//! The breaking-change classifier, rule by rule.
//!
//! Every case starts from one small spec, [`BASE`], mutates a copy of it the
//! way a spec author would, and checks (a) the strongest class among the
//! findings and (b) that a finding of that class points at the changed spot.
//! Inside a `$ref`'d schema the classifier reports at the schema's own place,
//! `/components/schemas/<Name>/...`, wherever the schema is used from.
//!
//! Then the version rules (`check_version`), and the gate's `check_semver` on
//! whole specs.

use std::path::Path;

use serde_json::{Value, json};
use xtask::compat::{Bump, Class, Finding, check_version, classify, required_bump};
use xtask::gate::check_semver;
use xtask::release::spec_version;
use xtask::spec::ApiSpec;

/// One secured PUT (and a GET) on `/profiles/{id}`, plus an open `/status`.
const BASE: &str = r#"
openapi: 3.0.3
info:
  title: Profiles API
  version: 1.2.3
  description: Reads and updates user profiles.
tags:
  - name: Profiles
    description: A user's public profile.
  - name: Health
    description: Service status.
servers:
  - url: 'https://{region}.example.com/v1'
    description: Production.
    variables:
      region:
        default: eu
        description: Where the account lives.
paths:
  /status:
    get:
      operationId: getStatus
      summary: Service status
      description: Tells whether the service is up. Needs no credentials.
      tags: [Health]
      responses:
        '200':
          description: The service is up.
          content:
            application/json:
              schema:
                type: object
                required: [ok]
                properties:
                  ok:
                    type: boolean
                  uptime:
                    type: integer
  '/profiles/{id}':
    summary: One profile
    description: A profile, addressed by its id.
    get:
      operationId: getProfile
      summary: Read a profile
      description: Returns one profile.
      tags: [Profiles]
      security:
        - ApiKey: []
        - OAuth2: [profile]
      parameters:
        - name: id
          in: path
          required: true
          description: The profile's id.
          schema:
            type: string
            format: uuid
      responses:
        '200':
          description: The profile.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Profile'
        default:
          description: An error.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
    put:
      operationId: updateProfile
      summary: Update a profile
      description: Replaces the editable fields of a profile.
      tags: [Profiles]
      security:
        - ApiKey: []
      parameters:
        - name: id
          in: path
          required: true
          description: The profile's id.
          schema:
            type: string
            format: uuid
        - name: X-Request-Id
          in: header
          required: false
          description: Echoed back in the logs.
          schema:
            type: string
            maxLength: 64
          example: req-1
      requestBody:
        required: true
        description: The new values.
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Update'
            example:
              displayName: Minnie Mouse
              handle: minnie
              theme: dark
      responses:
        '200':
          description: The updated profile.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Profile'
              examples:
                minnie:
                  summary: A typical profile.
                  value:
                    id: 6f1c2a52-3d43-4a8e-9a8e-0a6b1f6c9d11
                    displayName: Minnie Mouse
                    status: active
        default:
          description: An error.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
components:
  securitySchemes:
    ApiKey:
      type: apiKey
      in: header
      name: X-Api-Key
      description: A key from the dashboard.
    Bearer:
      type: http
      scheme: bearer
      description: An OAuth access token.
    OAuth2:
      type: oauth2
      description: Sign in with the identity provider.
      flows:
        authorizationCode:
          authorizationUrl: https://auth.example.com/authorize
          tokenUrl: https://auth.example.com/token
          scopes:
            profile: Read and write the profile.
  schemas:
    Update:
      type: object
      description: The editable fields of a profile.
      required: [displayName]
      properties:
        displayName:
          type: string
          description: The name shown to others.
          minLength: 1
          maxLength: 100
          example: Minnie Mouse
        nickName:
          type: string
          maxLength: 50
        handle:
          type: string
          minLength: 3
          maxLength: 30
          pattern: '^[a-z0-9_]+$'
        email:
          type: string
        theme:
          type: string
          enum: [light, dark]
        age:
          type: integer
          minimum: 13
          maximum: 130
        address:
          type: object
          properties:
            city:
              type: string
            postcode:
              type: string
              maxLength: 10
        interests:
          type: array
          maxItems: 10
          items:
            type: string
            maxLength: 40
    Profile:
      type: object
      description: A profile as others see it.
      required: [id, displayName, status]
      properties:
        id:
          type: string
          format: uuid
        displayName:
          type: string
          example: Minnie Mouse
        nickName:
          type: string
        status:
          type: string
          enum: [active, suspended]
        updatedAt:
          type: string
          format: date-time
    Error:
      type: object
      required: [code, message]
      properties:
        code:
          type: integer
        message:
          type: string
"#;

const STATUS: &str = "/paths/~1status/get";
const GET: &str = "/paths/~1profiles~1{id}/get";
const PUT: &str = "/paths/~1profiles~1{id}/put";
const UPDATE: &str = "/components/schemas/Update";
const PROFILE: &str = "/components/schemas/Profile";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn base_spec() -> ApiSpec {
    ApiSpec::from_yaml("demo", Path::new("spec/demo.yaml"), BASE).unwrap_or_else(|e| panic!("{e}"))
}

fn base() -> Value {
    base_spec().doc
}

/// The base document with `edit` applied.
fn mutated(edit: impl FnOnce(&mut Value)) -> Value {
    let mut doc = base();
    edit(&mut doc);
    doc
}

fn slot<'d>(doc: &'d mut Value, pointer: &str) -> &'d mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the spec"))
}

/// Replaces the value at `pointer`.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    *slot(doc, pointer) = value;
}

/// Inserts `key` into the object at `pointer`.
fn insert(doc: &mut Value, pointer: &str, key: &str, value: Value) {
    match slot(doc, pointer).as_object_mut() {
        Some(map) => {
            map.insert(key.to_string(), value);
        }
        None => panic!("{pointer} is not an object"),
    }
}

/// Appends to the array at `pointer`.
fn push(doc: &mut Value, pointer: &str, value: Value) {
    match slot(doc, pointer).as_array_mut() {
        Some(list) => list.push(value),
        None => panic!("{pointer} is not an array"),
    }
}

/// Removes the value at `pointer` (an object member or an array element) and
/// returns it.
fn remove(doc: &mut Value, pointer: &str) -> Value {
    let (parent, last) = pointer
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("{pointer} has no parent"));
    let key = last.replace("~1", "/").replace("~0", "~");
    let removed = match slot(doc, parent) {
        Value::Object(map) => map.remove(&key),
        Value::Array(list) => match key.parse::<usize>() {
            Ok(i) if i < list.len() => Some(list.remove(i)),
            _ => None,
        },
        _ => None,
    };
    removed.unwrap_or_else(|| panic!("no {pointer} in the spec"))
}

/// Moves the value at `from` to `key` in the same parent object.
fn rename(doc: &mut Value, from: &str, key: &str) {
    let value = remove(doc, from);
    let parent = from
        .rsplit_once('/')
        .map(|(p, _)| p.to_string())
        .unwrap_or_default();
    insert(doc, &parent, key, value);
}

/// Removes `value` from the array at `pointer`.
fn remove_item(doc: &mut Value, pointer: &str, value: &Value) {
    match slot(doc, pointer).as_array_mut() {
        Some(list) => {
            let before = list.len();
            list.retain(|v| v != value);
            assert_ne!(before, list.len(), "{value} is not in {pointer}");
        }
        None => panic!("{pointer} is not an array"),
    }
}

fn listing(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "  (no findings)".to_string();
    }
    findings
        .iter()
        .map(|f| format!("  - {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The strongest class among the findings: `Class` orders Breaking first.
fn strongest(findings: &[Finding]) -> Option<Class> {
    findings.iter().map(|f| f.class).min()
}

/// The table's one assertion: the strongest class is `class`, and a finding
/// of that class points at `pointer`, with a sentence saying what changed.
fn expect(old: &Value, new: &Value, class: Class, pointer: &str) {
    let findings = classify(old, new);
    let all = listing(&findings);
    assert_eq!(
        strongest(&findings),
        Some(class),
        "strongest class; findings:\n{all}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.class == class && f.pointer == pointer),
        "no {} finding at {pointer}; findings:\n{all}",
        class.label()
    );
    for f in &findings {
        assert!(
            f.pointer.starts_with('/') && !f.message.trim().is_empty(),
            "every finding has a pointer and a sentence; findings:\n{all}"
        );
    }
}

/// `expect` from the base spec to the base spec with `edit` applied.
fn case(edit: impl FnOnce(&mut Value), class: Class, pointer: &str) {
    expect(&base(), &mutated(edit), class, pointer);
}

// ---------------------------------------------------------------------------
// Breaking: removed operation, path, method, parameter, field, media type
// ---------------------------------------------------------------------------

#[test]
fn removed_operation_is_breaking() {
    case(
        |d| {
            remove(d, "/paths/~1status");
        },
        Class::Breaking,
        STATUS,
    );
}

#[test]
fn removed_path_is_breaking_for_every_method() {
    let old = base();
    let new = mutated(|d| {
        remove(d, "/paths/~1profiles~1{id}");
    });
    expect(&old, &new, Class::Breaking, PUT);
    expect(&old, &new, Class::Breaking, GET);
}

#[test]
fn removed_method_is_breaking() {
    case(
        |d| {
            remove(d, GET);
        },
        Class::Breaking,
        GET,
    );
}

#[test]
fn moved_path_is_breaking() {
    // `/profiles/{id}` → `/users/{id}`: the old URL is gone.
    case(
        |d| rename(d, "/paths/~1profiles~1{id}", "/users/{id}"),
        Class::Breaking,
        PUT,
    );
}

#[test]
fn removed_parameter_is_breaking() {
    case(
        |d| {
            remove(d, &format!("{PUT}/parameters/1"));
        },
        Class::Breaking,
        &format!("{PUT}/parameters/1"),
    );
}

#[test]
fn removed_request_field_is_breaking() {
    case(
        |d| {
            remove(d, &format!("{UPDATE}/properties/nickName"));
        },
        Class::Breaking,
        &format!("{UPDATE}/properties/nickName"),
    );
}

#[test]
fn removed_nested_request_field_is_breaking() {
    case(
        |d| {
            remove(d, &format!("{UPDATE}/properties/address/properties/city"));
        },
        Class::Breaking,
        &format!("{UPDATE}/properties/address/properties/city"),
    );
}

#[test]
fn removed_request_media_type_is_breaking() {
    let content = format!("{PUT}/requestBody/content");
    case(
        |d| {
            rename(
                d,
                &format!("{content}/application~1json"),
                "application/merge-patch+json",
            )
        },
        Class::Breaking,
        &format!("{content}/application~1json"),
    );
}

#[test]
fn removed_response_media_type_is_breaking() {
    let content = format!("{PUT}/responses/200/content");
    case(
        |d| {
            rename(
                d,
                &format!("{content}/application~1json"),
                "application/xml",
            )
        },
        Class::Breaking,
        &format!("{content}/application~1json"),
    );
}

#[test]
fn removed_request_body_is_breaking() {
    case(
        |d| {
            remove(d, &format!("{PUT}/requestBody"));
        },
        Class::Breaking,
        &format!("{PUT}/requestBody"),
    );
}

// ---------------------------------------------------------------------------
// Breaking: new required request field or parameter
// ---------------------------------------------------------------------------

#[test]
fn new_required_parameter_is_breaking() {
    case(
        |d| {
            push(
                d,
                &format!("{PUT}/parameters"),
                json!({"name": "reason", "in": "query", "required": true, "schema": {"type": "string"}}),
            )
        },
        Class::Breaking,
        &format!("{PUT}/parameters/2"),
    );
}

#[test]
fn parameter_made_required_is_breaking() {
    case(
        |d| set(d, &format!("{PUT}/parameters/1/required"), json!(true)),
        Class::Breaking,
        &format!("{PUT}/parameters/1/required"),
    );
}

#[test]
fn new_required_request_field_is_breaking() {
    case(
        |d| {
            insert(
                d,
                &format!("{UPDATE}/properties"),
                "locale",
                json!({"type": "string"}),
            );
            push(d, &format!("{UPDATE}/required"), json!("locale"));
        },
        Class::Breaking,
        &format!("{UPDATE}/properties/locale"),
    );
}

#[test]
fn request_field_made_required_is_breaking() {
    case(
        |d| push(d, &format!("{UPDATE}/required"), json!("nickName")),
        Class::Breaking,
        &format!("{UPDATE}/required"),
    );
}

#[test]
fn request_body_made_required_is_breaking() {
    let old = mutated(|d| set(d, &format!("{PUT}/requestBody/required"), json!(false)));
    expect(
        &old,
        &base(),
        Class::Breaking,
        &format!("{PUT}/requestBody/required"),
    );
}

// ---------------------------------------------------------------------------
// Breaking: a request constraint narrowed
// ---------------------------------------------------------------------------

#[test]
fn request_max_length_lowered_is_breaking() {
    let at = format!("{UPDATE}/properties/displayName/maxLength");
    case(|d| set(d, &at, json!(50)), Class::Breaking, &at);
}

#[test]
fn request_min_length_raised_is_breaking() {
    let at = format!("{UPDATE}/properties/displayName/minLength");
    case(|d| set(d, &at, json!(2)), Class::Breaking, &at);
}

#[test]
fn request_max_length_added_is_breaking() {
    case(
        |d| {
            insert(
                d,
                &format!("{UPDATE}/properties/email"),
                "maxLength",
                json!(254),
            )
        },
        Class::Breaking,
        &format!("{UPDATE}/properties/email/maxLength"),
    );
}

#[test]
fn request_pattern_added_is_breaking() {
    case(
        |d| {
            insert(
                d,
                &format!("{UPDATE}/properties/nickName"),
                "pattern",
                json!("^\\S+$"),
            )
        },
        Class::Breaking,
        &format!("{UPDATE}/properties/nickName/pattern"),
    );
}

#[test]
fn request_pattern_changed_is_breaking() {
    let at = format!("{UPDATE}/properties/handle/pattern");
    case(|d| set(d, &at, json!("^[a-z]+$")), Class::Breaking, &at);
}

#[test]
fn request_enum_value_removed_is_breaking() {
    let at = format!("{UPDATE}/properties/theme/enum");
    case(
        |d| remove_item(d, &at, &json!("dark")),
        Class::Breaking,
        &at,
    );
}

#[test]
fn request_format_added_is_breaking() {
    case(
        |d| {
            insert(
                d,
                &format!("{UPDATE}/properties/email"),
                "format",
                json!("email"),
            )
        },
        Class::Breaking,
        &format!("{UPDATE}/properties/email/format"),
    );
}

#[test]
fn request_maximum_lowered_is_breaking() {
    let at = format!("{UPDATE}/properties/age/maximum");
    case(|d| set(d, &at, json!(120)), Class::Breaking, &at);
}

#[test]
fn request_max_items_lowered_is_breaking() {
    let at = format!("{UPDATE}/properties/interests/maxItems");
    case(|d| set(d, &at, json!(5)), Class::Breaking, &at);
}

#[test]
fn request_array_item_max_length_lowered_is_breaking() {
    let at = format!("{UPDATE}/properties/interests/items/maxLength");
    case(|d| set(d, &at, json!(20)), Class::Breaking, &at);
}

#[test]
fn nested_request_max_length_lowered_is_breaking() {
    let at = format!("{UPDATE}/properties/address/properties/postcode/maxLength");
    case(|d| set(d, &at, json!(8)), Class::Breaking, &at);
}

#[test]
fn header_parameter_max_length_lowered_is_breaking() {
    let at = format!("{PUT}/parameters/1/schema/maxLength");
    case(|d| set(d, &at, json!(32)), Class::Breaking, &at);
}

#[test]
fn request_closed_to_unknown_fields_is_breaking() {
    case(
        |d| insert(d, UPDATE, "additionalProperties", json!(false)),
        Class::Breaking,
        &format!("{UPDATE}/additionalProperties"),
    );
}

// ---------------------------------------------------------------------------
// Breaking: a type or format changed
// ---------------------------------------------------------------------------

#[test]
fn request_type_changed_is_breaking() {
    let at = format!("{UPDATE}/properties/age/type");
    case(|d| set(d, &at, json!("string")), Class::Breaking, &at);
}

#[test]
fn response_type_changed_is_breaking() {
    let at = format!("{PROFILE}/properties/nickName/type");
    case(|d| set(d, &at, json!("array")), Class::Breaking, &at);
}

#[test]
fn response_format_changed_is_breaking() {
    let at = format!("{PROFILE}/properties/updatedAt/format");
    case(|d| set(d, &at, json!("date")), Class::Breaking, &at);
}

#[test]
fn path_parameter_format_changed_is_breaking() {
    let at = format!("{PUT}/parameters/0/schema/format");
    case(|d| set(d, &at, json!("ulid")), Class::Breaking, &at);
}

// ---------------------------------------------------------------------------
// Breaking: a response field removed, made optional or nullable
// ---------------------------------------------------------------------------

#[test]
fn response_field_removed_is_breaking() {
    case(
        |d| {
            remove(d, &format!("{PROFILE}/properties/nickName"));
        },
        Class::Breaking,
        &format!("{PROFILE}/properties/nickName"),
    );
}

#[test]
fn inline_response_field_removed_is_breaking() {
    let at = format!("{STATUS}/responses/200/content/application~1json/schema/properties/uptime");
    case(
        |d| {
            remove(d, &at);
        },
        Class::Breaking,
        &at,
    );
}

#[test]
fn response_field_made_optional_is_breaking() {
    case(
        |d| remove_item(d, &format!("{PROFILE}/required"), &json!("displayName")),
        Class::Breaking,
        &format!("{PROFILE}/required"),
    );
}

#[test]
fn response_field_made_nullable_is_breaking() {
    case(
        |d| {
            insert(
                d,
                &format!("{PROFILE}/properties/displayName"),
                "nullable",
                json!(true),
            )
        },
        Class::Breaking,
        &format!("{PROFILE}/properties/displayName/nullable"),
    );
}

// ---------------------------------------------------------------------------
// Breaking: a security requirement added or changed
// ---------------------------------------------------------------------------

#[test]
fn security_requirement_added_to_an_open_operation_is_breaking() {
    case(
        |d| insert(d, STATUS, "security", json!([{"ApiKey": []}])),
        Class::Breaking,
        &format!("{STATUS}/security"),
    );
}

#[test]
fn global_security_requirement_added_is_breaking_for_an_open_operation() {
    // The operation has no `security` of its own: it inherits the new one.
    case(
        |d| insert(d, "", "security", json!([{"Bearer": []}])),
        Class::Breaking,
        &format!("{STATUS}/security"),
    );
}

#[test]
fn second_security_scheme_required_is_breaking() {
    case(
        |d| {
            set(
                d,
                &format!("{PUT}/security"),
                json!([{"ApiKey": [], "Bearer": []}]),
            )
        },
        Class::Breaking,
        &format!("{PUT}/security"),
    );
}

#[test]
fn security_requirement_changed_is_breaking() {
    case(
        |d| set(d, &format!("{PUT}/security"), json!([{"Bearer": []}])),
        Class::Breaking,
        &format!("{PUT}/security"),
    );
}

#[test]
fn security_scheme_changed_is_breaking() {
    case(
        |d| set(d, "/components/securitySchemes/ApiKey/name", json!("X-Key")),
        Class::Breaking,
        "/components/securitySchemes/ApiKey",
    );
}

// ---------------------------------------------------------------------------
// Breaking: a success status changed
// ---------------------------------------------------------------------------

#[test]
fn success_status_changed_is_breaking() {
    case(
        |d| rename(d, &format!("{PUT}/responses/200"), "201"),
        Class::Breaking,
        &format!("{PUT}/responses/200"),
    );
}

// ---------------------------------------------------------------------------
// Breaking for the Rust SDK, wire compatible
// ---------------------------------------------------------------------------

#[test]
fn response_enum_value_added_is_breaking_for_the_sdk() {
    let at = format!("{PROFILE}/properties/status/enum");
    case(
        |d| push(d, &at, json!("deleted")),
        Class::BreakingForSdk,
        &at,
    );
}

#[test]
fn new_optional_request_field_with_a_default_is_breaking_for_the_sdk() {
    case(
        |d| {
            insert(
                d,
                &format!("{UPDATE}/properties"),
                "notify",
                json!({"type": "boolean", "default": false}),
            )
        },
        Class::BreakingForSdk,
        &format!("{UPDATE}/properties/notify"),
    );
}

#[test]
fn operation_id_renamed_is_breaking_for_the_sdk() {
    case(
        |d| set(d, &format!("{PUT}/operationId"), json!("replaceProfile")),
        Class::BreakingForSdk,
        &format!("{PUT}/operationId"),
    );
}

#[test]
fn component_schema_renamed_is_breaking_for_the_sdk() {
    case(
        |d| {
            rename(d, "/components/schemas/Error", "ApiError");
            let to = json!({"$ref": "#/components/schemas/ApiError"});
            for op in [GET, PUT] {
                set(
                    d,
                    &format!("{op}/responses/default/content/application~1json/schema"),
                    to.clone(),
                );
            }
        },
        Class::BreakingForSdk,
        "/components/schemas/Error",
    );
}

#[test]
fn path_parameter_renamed_is_breaking_for_the_sdk() {
    // Same URL on the wire; the SDK's builder method is renamed.
    case(
        |d| {
            rename(d, "/paths/~1profiles~1{id}", "/profiles/{profileId}");
            for op in ["get", "put"] {
                set(
                    d,
                    &format!("/paths/~1profiles~1{{profileId}}/{op}/parameters/0/name"),
                    json!("profileId"),
                );
            }
        },
        Class::BreakingForSdk,
        "/paths/~1profiles~1{profileId}/put/parameters/0",
    );
}

#[test]
fn request_field_made_optional_is_breaking_for_the_sdk() {
    // Its SDK field changes from T to Option<T>.
    case(
        |d| remove_item(d, &format!("{UPDATE}/required"), &json!("displayName")),
        Class::BreakingForSdk,
        &format!("{UPDATE}/required"),
    );
}

#[test]
fn response_max_length_raised_is_breaking_for_the_sdk() {
    // The generated newtype checks the old limit when decoding.
    let old = mutated(|d| {
        insert(
            d,
            &format!("{PROFILE}/properties/nickName"),
            "maxLength",
            json!(50),
        )
    });
    let at = format!("{PROFILE}/properties/nickName/maxLength");
    let mut new = old.clone();
    set(&mut new, &at, json!(80));
    expect(&old, &new, Class::BreakingForSdk, &at);
}

// ---------------------------------------------------------------------------
// Compatible
// ---------------------------------------------------------------------------

#[test]
fn new_optional_request_field_is_compatible() {
    case(
        |d| {
            insert(
                d,
                &format!("{UPDATE}/properties"),
                "bio",
                json!({"type": "string", "maxLength": 500}),
            )
        },
        Class::Compatible,
        &format!("{UPDATE}/properties/bio"),
    );
}

#[test]
fn new_optional_parameter_is_compatible() {
    case(
        |d| {
            push(
                d,
                &format!("{PUT}/parameters"),
                json!({"name": "dryRun", "in": "query", "required": false, "schema": {"type": "boolean"}}),
            )
        },
        Class::Compatible,
        &format!("{PUT}/parameters/2"),
    );
}

#[test]
fn new_response_field_is_compatible() {
    case(
        |d| {
            insert(
                d,
                &format!("{PROFILE}/properties"),
                "createdAt",
                json!({"type": "string", "format": "date-time"}),
            )
        },
        Class::Compatible,
        &format!("{PROFILE}/properties/createdAt"),
    );
}

#[test]
fn request_max_length_raised_is_compatible() {
    let at = format!("{UPDATE}/properties/displayName/maxLength");
    case(|d| set(d, &at, json!(200)), Class::Compatible, &at);
}

#[test]
fn request_min_length_lowered_is_compatible() {
    let at = format!("{UPDATE}/properties/handle/minLength");
    case(|d| set(d, &at, json!(2)), Class::Compatible, &at);
}

#[test]
fn request_minimum_lowered_is_compatible() {
    let at = format!("{UPDATE}/properties/age/minimum");
    case(|d| set(d, &at, json!(0)), Class::Compatible, &at);
}

#[test]
fn request_pattern_removed_is_compatible() {
    let at = format!("{UPDATE}/properties/handle/pattern");
    case(
        |d| {
            remove(d, &at);
        },
        Class::Compatible,
        &at,
    );
}

#[test]
fn request_max_items_raised_is_compatible() {
    let at = format!("{UPDATE}/properties/interests/maxItems");
    case(|d| set(d, &at, json!(20)), Class::Compatible, &at);
}

#[test]
fn request_enum_value_added_is_compatible() {
    let at = format!("{UPDATE}/properties/theme/enum");
    case(|d| push(d, &at, json!("system")), Class::Compatible, &at);
}

#[test]
fn new_operation_is_compatible() {
    case(
        |d| {
            insert(
                d,
                "/paths/~1profiles~1{id}",
                "delete",
                json!({
                    "operationId": "deleteProfile",
                    "security": [{"ApiKey": []}],
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                    "responses": {"204": {"description": "Deleted."}}
                }),
            )
        },
        Class::Compatible,
        "/paths/~1profiles~1{id}/delete",
    );
}

#[test]
fn new_path_is_compatible() {
    case(
        |d| {
            insert(
                d,
                "/paths",
                "/profiles",
                json!({"get": {
                    "operationId": "listProfiles",
                    "responses": {"200": {"description": "Every profile.", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Profile"}}}}}}
                }}),
            )
        },
        Class::Compatible,
        "/paths/~1profiles/get",
    );
}

#[test]
fn new_error_status_is_compatible() {
    case(
        |d| {
            insert(
                d,
                &format!("{PUT}/responses"),
                "404",
                json!({"description": "No such profile.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
            )
        },
        Class::Compatible,
        &format!("{PUT}/responses/404"),
    );
}

// Response headers are read as output, like response fields.

const OK_RESPONSE: &str = "/paths/~1profiles~1{id}/put/responses/200";

/// The base spec whose 200 documents an `X-Rate-Limit-Remaining` header.
fn with_rate_limit_header(header: Value) -> Value {
    mutated(|d| {
        insert(
            d,
            OK_RESPONSE,
            "headers",
            json!({ "X-Rate-Limit-Remaining": header }),
        )
    })
}

fn rate_limit_header() -> Value {
    json!({ "description": "Requests left.", "required": true, "schema": { "type": "integer" } })
}

#[test]
fn response_header_added_is_compatible() {
    expect(
        &base(),
        &with_rate_limit_header(rate_limit_header()),
        Class::Compatible,
        &format!("{OK_RESPONSE}/headers/X-Rate-Limit-Remaining"),
    );
}

#[test]
fn response_header_removed_is_breaking() {
    expect(
        &with_rate_limit_header(rate_limit_header()),
        &base(),
        Class::Breaking,
        &format!("{OK_RESPONSE}/headers/X-Rate-Limit-Remaining"),
    );
}

#[test]
fn response_header_made_optional_is_breaking() {
    let mut optional = rate_limit_header();
    optional["required"] = json!(false);
    expect(
        &with_rate_limit_header(rate_limit_header()),
        &with_rate_limit_header(optional),
        Class::Breaking,
        &format!("{OK_RESPONSE}/headers/X-Rate-Limit-Remaining/required"),
    );
}

#[test]
fn response_header_type_changed_is_breaking() {
    let mut text = rate_limit_header();
    text["schema"] = json!({ "type": "string" });
    expect(
        &with_rate_limit_header(rate_limit_header()),
        &with_rate_limit_header(text),
        Class::Breaking,
        &format!("{OK_RESPONSE}/headers/X-Rate-Limit-Remaining/schema/type"),
    );
}

#[test]
fn response_header_description_changed_is_documentation_only() {
    let mut described = rate_limit_header();
    described["description"] = json!("How many requests are left in this window.");
    expect(
        &with_rate_limit_header(rate_limit_header()),
        &with_rate_limit_header(described),
        Class::Documentation,
        &format!("{OK_RESPONSE}/headers/X-Rate-Limit-Remaining/description"),
    );
}

#[test]
fn response_header_name_case_changed_gives_no_findings() {
    let old = with_rate_limit_header(rate_limit_header());
    let new = mutated(|d| {
        insert(
            d,
            OK_RESPONSE,
            "headers",
            json!({ "x-rate-limit-remaining": rate_limit_header() }),
        )
    });
    let findings = classify(&old, &new);
    assert!(findings.is_empty(), "{}", listing(&findings));
}

#[test]
fn new_request_media_type_is_compatible() {
    let content = format!("{PUT}/requestBody/content");
    case(
        |d| {
            insert(
                d,
                &content,
                "application/merge-patch+json",
                json!({"schema": {"$ref": "#/components/schemas/Update"}}),
            )
        },
        Class::Compatible,
        &format!("{content}/application~1merge-patch+json"),
    );
}

#[test]
fn alternative_security_scheme_accepted_is_compatible() {
    case(
        |d| {
            set(
                d,
                &format!("{PUT}/security"),
                json!([{"ApiKey": []}, {"Bearer": []}]),
            )
        },
        Class::Compatible,
        &format!("{PUT}/security"),
    );
}

#[test]
fn new_component_schema_is_compatible() {
    case(
        |d| {
            insert(
                d,
                "/components/schemas",
                "Address",
                json!({"type": "object"}),
            )
        },
        Class::Compatible,
        "/components/schemas/Address",
    );
}

// ---------------------------------------------------------------------------
// Documentation only: must not raise a false alarm
// ---------------------------------------------------------------------------

/// `case` for a documentation edit: every finding is documentation.
fn doc_only(edit: impl FnOnce(&mut Value), pointer: &str) {
    case(edit, Class::Documentation, pointer);
}

#[test]
fn operation_description_changed_is_documentation_only() {
    let at = format!("{PUT}/description");
    doc_only(|d| set(d, &at, json!("Changes a profile.")), &at);
}

#[test]
fn operation_summary_changed_is_documentation_only() {
    let at = format!("{PUT}/summary");
    doc_only(|d| set(d, &at, json!("Change a profile")), &at);
}

#[test]
fn schema_description_changed_is_documentation_only() {
    let at = format!("{UPDATE}/description");
    doc_only(|d| set(d, &at, json!("What a user may edit.")), &at);
}

#[test]
fn response_schema_description_changed_is_documentation_only() {
    let at = format!("{PROFILE}/description");
    doc_only(|d| set(d, &at, json!("A public profile.")), &at);
}

#[test]
fn property_description_changed_is_documentation_only() {
    let at = format!("{UPDATE}/properties/displayName/description");
    doc_only(|d| set(d, &at, json!("Shown next to posts.")), &at);
}

#[test]
fn property_description_added_is_documentation_only() {
    doc_only(
        |d| {
            insert(
                d,
                &format!("{PROFILE}/properties/status"),
                "description",
                json!("Whether the profile is visible."),
            )
        },
        &format!("{PROFILE}/properties/status/description"),
    );
}

#[test]
fn parameter_description_changed_is_documentation_only() {
    let at = format!("{PUT}/parameters/1/description");
    doc_only(|d| set(d, &at, json!("A correlation id.")), &at);
}

#[test]
fn parameter_example_changed_is_documentation_only() {
    let at = format!("{PUT}/parameters/1/example");
    doc_only(|d| set(d, &at, json!("req-2")), &at);
}

#[test]
fn request_body_description_changed_is_documentation_only() {
    let at = format!("{PUT}/requestBody/description");
    doc_only(|d| set(d, &at, json!("The values to store.")), &at);
}

#[test]
fn response_description_changed_is_documentation_only() {
    let at = format!("{PUT}/responses/200/description");
    doc_only(|d| set(d, &at, json!("The profile as stored.")), &at);
}

#[test]
fn request_media_example_changed_is_documentation_only() {
    doc_only(
        |d| {
            set(
                d,
                &format!("{PUT}/requestBody/content/application~1json/example/handle"),
                json!("mickey"),
            )
        },
        &format!("{PUT}/requestBody/content/application~1json/example"),
    );
}

#[test]
fn response_media_examples_changed_is_documentation_only() {
    doc_only(
        |d| {
            set(
                d,
                &format!(
                    "{PUT}/responses/200/content/application~1json/examples/minnie/value/displayName"
                ),
                json!("Mickey Mouse"),
            )
        },
        &format!("{PUT}/responses/200/content/application~1json/examples"),
    );
}

#[test]
fn request_property_example_changed_is_documentation_only() {
    let at = format!("{UPDATE}/properties/displayName/example");
    doc_only(|d| set(d, &at, json!("Mickey Mouse")), &at);
}

#[test]
fn response_property_example_changed_is_documentation_only() {
    let at = format!("{PROFILE}/properties/displayName/example");
    doc_only(|d| set(d, &at, json!("Mickey Mouse")), &at);
}

#[test]
fn info_title_changed_is_documentation_only() {
    doc_only(
        |d| set(d, "/info/title", json!("Profile API")),
        "/info/title",
    );
}

#[test]
fn info_description_changed_is_documentation_only() {
    doc_only(
        |d| set(d, "/info/description", json!("Profiles, read and written.")),
        "/info/description",
    );
}

#[test]
fn tag_description_changed_is_documentation_only() {
    doc_only(
        |d| set(d, "/tags/0/description", json!("Public profiles.")),
        "/tags",
    );
}

#[test]
fn operation_tags_changed_is_documentation_only() {
    let at = format!("{PUT}/tags");
    doc_only(|d| set(d, &at, json!(["Profiles", "Writes"])), &at);
}

#[test]
fn security_scheme_description_changed_is_documentation_only() {
    let at = "/components/securitySchemes/ApiKey/description";
    doc_only(|d| set(d, at, json!("Create one under Settings.")), at);
}

#[test]
fn server_description_changed_is_documentation_only() {
    doc_only(
        |d| set(d, "/servers/0/description", json!("Live.")),
        "/servers/0",
    );
}

#[test]
fn operation_deprecated_is_documentation_only() {
    doc_only(
        |d| insert(d, GET, "deprecated", json!(true)),
        &format!("{GET}/deprecated"),
    );
}

// ---------------------------------------------------------------------------
// No change, no finding
// ---------------------------------------------------------------------------

#[test]
fn no_change_gives_no_findings() {
    let findings = classify(&base(), &base());
    assert!(findings.is_empty(), "{}", listing(&findings));
}

#[test]
fn info_version_alone_gives_no_findings() {
    let new = mutated(|d| set(d, "/info/version", json!("1.2.4")));
    let findings = classify(&base(), &new);
    assert!(findings.is_empty(), "{}", listing(&findings));
}

#[test]
fn reordered_lists_give_no_findings() {
    // Parameters are matched by (in, name); required, enum and security
    // alternatives are sets.
    let new = mutated(|d| {
        let header = remove(d, &format!("{PUT}/parameters/1"));
        match slot(d, &format!("{PUT}/parameters")).as_array_mut() {
            Some(list) => list.insert(0, header),
            None => panic!("parameters is not an array"),
        }
        set(
            d,
            &format!("{PROFILE}/required"),
            json!(["status", "id", "displayName"]),
        );
        set(
            d,
            &format!("{UPDATE}/properties/theme/enum"),
            json!(["dark", "light"]),
        );
    });
    let findings = classify(&base(), &new);
    assert!(findings.is_empty(), "{}", listing(&findings));
}

// ---------------------------------------------------------------------------
// The version rules
// ---------------------------------------------------------------------------

fn finding(class: Class) -> Vec<Finding> {
    vec![Finding {
        class,
        pointer: "/components/schemas/Update".to_string(),
        message: "something changed".to_string(),
    }]
}

/// `check_version` on version strings. The conformance crate does not depend
/// on `semver`, so versions are parsed the way the gate parses them: from a
/// spec's `info.version`.
fn bump(old: &str, new: &str, findings: &[Finding]) -> Result<String, String> {
    let version = |v: &str| {
        let mut spec = base_spec();
        set(&mut spec.doc, "/info/version", json!(v));
        spec_version(&spec).unwrap_or_else(|e| panic!("{e}"))
    };
    check_version(&version(old), &version(new), findings)
}

fn fails(result: Result<String, String>, needle: &str) {
    match result {
        Ok(verdict) => panic!("expected a failure mentioning {needle:?}, got: {verdict}"),
        Err(why) => assert!(why.contains(needle), "{why}"),
    }
}

fn passes(result: Result<String, String>) {
    if let Err(why) = result {
        panic!("{why}");
    }
}

#[test]
fn required_bump_follows_the_strongest_class() {
    assert_eq!(required_bump(&finding(Class::Breaking)), Bump::Major);
    assert_eq!(required_bump(&finding(Class::BreakingForSdk)), Bump::Major);
    assert_eq!(required_bump(&finding(Class::Compatible)), Bump::Minor);
    assert_eq!(required_bump(&finding(Class::Documentation)), Bump::None);
    assert_eq!(required_bump(&[]), Bump::None);
}

#[test]
fn breaking_change_without_a_major_bump_fails() {
    let breaking = finding(Class::Breaking);
    fails(bump("1.2.3", "1.3.0", &breaking), "at least 2.0.0");
    fails(bump("1.2.3", "1.2.4", &breaking), "a breaking release");
    fails(bump("1.2.3", "1.2.3", &breaking), "a breaking release");
}

#[test]
fn breaking_change_with_a_major_bump_passes() {
    passes(bump("1.2.3", "2.0.0", &finding(Class::Breaking)));
}

#[test]
fn sdk_breaking_change_needs_a_major_bump() {
    let sdk = finding(Class::BreakingForSdk);
    fails(bump("1.2.3", "1.3.0", &sdk), "at least 2.0.0");
    passes(bump("1.2.3", "2.0.0", &sdk));
}

#[test]
fn compatible_change_with_a_patch_bump_fails() {
    let compatible = finding(Class::Compatible);
    fails(bump("1.2.3", "1.2.4", &compatible), "at least 1.3.0");
    fails(bump("1.2.3", "1.2.3", &compatible), "a feature release");
}

#[test]
fn compatible_change_with_a_minor_bump_passes() {
    let compatible = finding(Class::Compatible);
    passes(bump("1.2.3", "1.3.0", &compatible));
    passes(bump("1.2.3", "2.0.0", &compatible));
}

#[test]
fn documentation_change_needs_no_bump() {
    passes(bump("1.2.3", "1.2.3", &finding(Class::Documentation)));
    passes(bump("1.2.3", "1.2.3", &[]));
}

#[test]
fn documentation_change_allows_a_patch_bump() {
    passes(bump("1.2.3", "1.2.4", &finding(Class::Documentation)));
}

#[test]
fn version_going_down_fails() {
    fails(bump("1.2.3", "1.2.2", &[]), "went down");
    fails(
        bump("1.2.3", "1.1.9", &finding(Class::Documentation)),
        "went down",
    );
    fails(bump("0.3.1", "0.3.0", &[]), "went down");
}

#[test]
fn zero_x_breaking_change_needs_a_minor_bump() {
    let breaking = finding(Class::Breaking);
    fails(bump("0.3.1", "0.3.2", &breaking), "at least 0.4.0");
    passes(bump("0.3.1", "0.4.0", &breaking));
}

#[test]
fn zero_x_compatible_change_passes_with_a_patch_bump() {
    let compatible = finding(Class::Compatible);
    passes(bump("0.3.1", "0.3.2", &compatible));
    fails(bump("0.3.1", "0.3.1", &compatible), "at least 0.3.2");
}

#[test]
fn zero_zero_x_breaking_change_passes_with_a_patch_bump() {
    let breaking = finding(Class::Breaking);
    passes(bump("0.0.1", "0.0.2", &breaking));
    fails(bump("0.0.1", "0.0.1", &breaking), "at least 0.0.2");
}

// ---------------------------------------------------------------------------
// check_semver on whole specs
// ---------------------------------------------------------------------------

/// The working spec: the base with `edit` applied and `info.version` set.
fn working(version: &str, edit: impl FnOnce(&mut Value)) -> ApiSpec {
    let mut spec = base_spec();
    edit(&mut spec.doc);
    set(&mut spec.doc, "/info/version", json!(version));
    spec
}

fn released_base() -> ApiSpec {
    let mut spec = base_spec();
    spec.path = Path::new("spec/released/demo/1.2.3.yaml").to_path_buf();
    spec
}

fn semver_failures(spec: &ApiSpec) -> Vec<String> {
    let snapshot = released_base();
    let released = (
        spec_version(&snapshot).unwrap_or_else(|e| panic!("{e}")),
        snapshot,
    );
    check_semver(spec, Some(&released)).failures
}

fn narrow_display_name(d: &mut Value) {
    set(
        d,
        &format!("{UPDATE}/properties/displayName/maxLength"),
        json!(50),
    );
}

#[test]
fn check_semver_fails_an_incompatible_edit_without_a_major_bump() {
    let spec = working("1.3.0", narrow_display_name);
    let failure = semver_failures(&spec).join("\n");
    assert!(
        failure.contains("1.2.3 → 1.3.0 is not enough")
            && failure.contains("a breaking release")
            && failure.contains("spec/released/demo/1.2.3.yaml"),
        "{failure}"
    );
    assert!(
        failure.contains(&format!(
            "breaking at {UPDATE}/properties/displayName/maxLength: maxLength changed from 100 to 50"
        )),
        "{failure}"
    );
    assert!(failure.contains("narrowed"), "{failure}");
}

#[test]
fn check_semver_passes_an_incompatible_edit_with_a_major_bump() {
    let spec = working("2.0.0", narrow_display_name);
    let failures = semver_failures(&spec);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_semver_passes_a_documentation_edit_with_a_patch_bump_or_none() {
    let edit = |d: &mut Value| set(d, &format!("{PUT}/summary"), json!("Change a profile"));
    for v in ["1.2.3", "1.2.4"] {
        let failures = semver_failures(&working(v, edit));
        assert!(failures.is_empty(), "{v}: {}", failures.join("\n"));
    }
}

#[test]
fn check_semver_without_a_snapshot_fails() {
    let spec = working("1.2.3", |_| {});
    let failure = check_semver(&spec, None).failures.join("\n");
    assert!(failure.contains("no released snapshot"), "{failure}");
}

// ---------------------------------------------------------------------------
// Cases the first version of the classifier got wrong, kept as regressions
// ---------------------------------------------------------------------------

#[test]
fn new_optional_array_request_field_is_breaking_for_the_sdk() {
    case(
        |d| {
            insert(
                d,
                &format!("{UPDATE}/properties"),
                "links",
                json!({"type": "array", "items": {"type": "string"}}),
            )
        },
        Class::BreakingForSdk,
        &format!("{UPDATE}/properties/links"),
    );
}

#[test]
fn server_variable_description_changed_is_documentation_only() {
    doc_only(
        |d| {
            set(
                d,
                "/servers/0/variables/region/description",
                json!("The account's region."),
            )
        },
        "/servers/0",
    );
}

#[test]
fn oauth2_scope_description_changed_is_documentation_only() {
    doc_only(
        |d| {
            set(
                d,
                "/components/securitySchemes/OAuth2/flows/authorizationCode/scopes/profile",
                json!("Read and change your profile."),
            )
        },
        "/components/securitySchemes/OAuth2",
    );
}

#[test]
fn path_item_description_changed_is_documentation_only() {
    doc_only(
        |d| {
            set(
                d,
                "/paths/~1profiles~1{id}/description",
                json!("One profile."),
            )
        },
        "/paths/~1profiles~1{id}/description",
    );
}

#[test]
fn path_item_summary_changed_is_documentation_only() {
    doc_only(
        |d| set(d, "/paths/~1profiles~1{id}/summary", json!("A profile")),
        "/paths/~1profiles~1{id}/summary",
    );
}

// ---------------------------------------------------------------------------
// False alarms: edits that change nothing a client can see.

#[test]
fn a_second_server_entry_is_documentation_only() {
    doc_only(
        |d| {
            push(
                d,
                "/servers",
                json!({ "url": "https://staging.example.com/v1", "description": "Staging." }),
            )
        },
        "/servers/1",
    );
}

#[test]
fn a_request_pattern_rewritten_with_the_same_character_classes_is_documentation_only() {
    let at = format!("{UPDATE}/properties/handle/pattern");
    doc_only(|d| set(d, &at, json!("^[_0-9a-z]+$")), &at);
}

#[test]
fn a_request_pattern_narrowed_inside_its_character_class_is_still_breaking() {
    let at = format!("{UPDATE}/properties/handle/pattern");
    case(|d| set(d, &at, json!("^[a-z0-9]+$")), Class::Breaking, &at);
}

#[test]
fn a_lower_bound_of_zero_written_out_is_no_change() {
    let new = mutated(|d| {
        insert(
            d,
            &format!("{UPDATE}/properties/nickName"),
            "minLength",
            json!(0),
        )
    });
    let findings = classify(&base(), &new);
    assert!(findings.is_empty(), "{}", listing(&findings));
}

#[test]
fn nullable_false_written_out_is_no_change() {
    let new = mutated(|d| {
        insert(
            d,
            &format!("{UPDATE}/properties/nickName"),
            "nullable",
            json!(false),
        )
    });
    let findings = classify(&base(), &new);
    assert!(findings.is_empty(), "{}", listing(&findings));
}

// x-rule: a rule beyond JSON Schema is part of the contract.

#[test]
fn request_x_rule_added_is_breaking() {
    case(
        |d| {
            insert(
                d,
                &format!("{UPDATE}/properties/nickName"),
                "x-rule",
                json!("unique-nickname"),
            )
        },
        Class::Breaking,
        &format!("{UPDATE}/properties/nickName/x-rule"),
    );
}

#[test]
fn request_x_rule_removed_is_compatible() {
    let with_rule = mutated(|d| {
        insert(
            d,
            &format!("{UPDATE}/properties/nickName"),
            "x-rule",
            json!("unique-nickname"),
        )
    });
    expect(
        &with_rule,
        &base(),
        Class::Compatible,
        &format!("{UPDATE}/properties/nickName/x-rule"),
    );
}

// ---------------------------------------------------------------------------
// The changelog: the findings as release notes.

#[test]
fn the_changelog_groups_the_findings_by_class_with_pointer_and_sentence() {
    let new = mutated(|d| {
        remove(d, &format!("{UPDATE}/properties/email"));
        insert(
            d,
            &format!("{UPDATE}/properties"),
            "bio",
            json!({ "type": "string" }),
        );
        set(d, &format!("{PUT}/summary"), json!("Change a profile"));
    });
    let markdown =
        xtask::changelog::render("Profiles API", "1.2.3", "2.0.0", &classify(&base(), &new));
    let expected_order = [
        "## Profiles API 1.2.3 → 2.0.0",
        "These changes need a breaking (major) release.",
        "### Breaking",
        &format!("- `{UPDATE}/properties/email`: "),
        "### Compatible",
        &format!("- `{UPDATE}/properties/bio`: "),
        "### Documentation",
        &format!("- `{PUT}/summary`: "),
    ];
    let mut from = 0;
    for piece in expected_order {
        match markdown[from..].find(piece) {
            Some(at) => from += at + piece.len(),
            None => panic!("{piece:?} missing or out of order in:\n{markdown}"),
        }
    }
    assert!(
        !markdown.contains("### Breaking for the Rust SDK"),
        "{markdown}"
    );
}

#[test]
fn the_changelog_of_no_change_says_so() {
    let markdown = xtask::changelog::render("Profiles API", "1.2.3", "1.2.3", &[]);
    assert_eq!(
        markdown,
        "## Profiles API 1.2.3 → 1.2.3\n\nThese changes need no release: nothing changed.\n"
    );
}
