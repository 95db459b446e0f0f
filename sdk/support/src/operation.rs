//! The operations of an API, as each SDK's generated table lists them
//! (`OPERATIONS` at the end of `generated_sdk.rs`, written by
//! `cargo xtask generate` from the spec beside progenitor's code).
//!
//! The `exec` hook looks an operation up by progenitor's name for it, to
//! check a success body against the documented type before progenitor
//! decodes it, and every [`crate::Error`] names the operation it came from.

/// Why a body is not the documented success body, if it is not.
pub type SuccessBodyCheck = fn(&[u8]) -> Result<(), serde_json::Error>;

/// One operation of an API.
#[derive(Debug)]
pub struct Operation {
    id: &'static str,
    generated_id: &'static str,
    method: &'static str,
    path: &'static str,
    success_statuses: &'static [u16],
    check_success_body: Option<SuccessBodyCheck>,
}

impl Operation {
    /// An operation: its spec `operationId`, progenitor's name for it (the
    /// one the hooks receive), its method and path template, the success
    /// statuses progenitor decodes as the documented body, and a check that
    /// a body decodes as that type (`None` when the success has no body).
    /// Called by generated code.
    pub const fn new(
        id: &'static str,
        generated_id: &'static str,
        method: &'static str,
        path: &'static str,
        success_statuses: &'static [u16],
        check_success_body: Option<SuccessBodyCheck>,
    ) -> Self {
        Operation {
            id,
            generated_id,
            method,
            path,
            success_statuses,
            check_success_body,
        }
    }

    /// The spec's `operationId`, e.g. `AuthService_UpdateMyProfile`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The HTTP method, e.g. `PUT`.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The path template, e.g. `/v3/users/{user_id}`.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// Whether the spec documents `status` as one of its successes.
    pub fn is_documented_success(&self, status: u16) -> bool {
        self.success_statuses.contains(&status)
    }

    /// Why `body` is not the documented success body, if it is not.
    pub fn success_body_error(&self, body: &[u8]) -> Option<serde_json::Error> {
        self.check_success_body?(body).err()
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} {})", self.id, self.method, self.path)
    }
}

/// The API an SDK calls, for every error's message: its name and its
/// operations. [`sdk_client!`](crate::sdk_client) implements it on the
/// API's error body.
pub trait ApiInfo {
    /// The API's name as its vendor writes it, e.g. `ZITADEL`.
    const API: &'static str;
    /// Every operation of the API, from the generated table.
    const OPERATIONS: &'static [Operation];

    /// The operation progenitor calls `generated_id`.
    fn operation(generated_id: &str) -> Option<&'static Operation> {
        Self::OPERATIONS
            .iter()
            .find(|operation| operation.generated_id == generated_id)
    }
}
