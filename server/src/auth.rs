//! Credentials: how tokens are made, stored and checked.
//!
//! A token is `<prefix><key id>.<secret>`: the key id (12 hex digits) finds
//! the stored row, the secret (32 random bytes, hex) proves possession. Only
//! SHA-256(secret) is stored. A fast hash is the right one here: the secret
//! is 256 random bits, so there is nothing to brute-force, and checking a
//! request costs one SHA-256 instead of a deliberately slow password hash.
//! The stored and presented hashes are compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::storage::{Api, Credential, Store, StoreError};

/// What a valid credential proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    /// CL2C: the tenant the key belongs to.
    pub tenant: Option<String>,
}

/// Why a presented credential was not accepted.
#[derive(Debug)]
pub enum AuthError {
    /// Missing, malformed, unknown or wrong: the client is told no more.
    Invalid,
    /// Storage failed while checking.
    Store(StoreError),
}

/// The visible start of each API's tokens, so that a leaked token says
/// where it belongs (Exante's real tokens look like `ex_live_…`).
pub fn token_prefix(api: Api) -> &'static str {
    match api {
        Api::Ctechnology => "ct_",
        Api::Cl2c => "cl2c_",
        Api::Exante => "ex_live_",
        Api::Ctrlhub => "chs_",
        Api::Zitadel => "zat_",
    }
}

fn random_hex(bytes: usize) -> Result<String, StoreError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| StoreError::Backend(format!("no randomness: {e}")))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

fn sha256(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Creates a credential for `user` in `api` and returns the token, which
/// exists only in this return value: it is never stored.
pub fn issue(
    store: &dyn Store,
    api: Api,
    user_id: Uuid,
    tenant: Option<&str>,
) -> Result<String, StoreError> {
    let key_id = random_hex(6)?;
    let secret = random_hex(32)?;
    store.add_credential(&Credential {
        key_id: key_id.clone(),
        api,
        user_id,
        tenant: tenant.map(str::to_string),
        secret_sha256: sha256(&secret),
    })?;
    Ok(format!("{}{key_id}.{secret}", token_prefix(api)))
}

/// Checks a presented token for `api`.
pub fn verify(store: &dyn Store, api: Api, token: &str) -> Result<Principal, AuthError> {
    let rest = token
        .strip_prefix(token_prefix(api))
        .ok_or(AuthError::Invalid)?;
    let (key_id, secret) = rest.split_once('.').ok_or(AuthError::Invalid)?;
    if key_id.len() != 12 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AuthError::Invalid);
    }
    let stored = store
        .credential(api, key_id)
        .map_err(AuthError::Store)?
        .ok_or(AuthError::Invalid)?;
    if bool::from(stored.secret_sha256.ct_eq(&sha256(secret))) {
        Ok(Principal {
            user_id: stored.user_id,
            tenant: stored.tenant,
        })
    } else {
        Err(AuthError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::SqliteStore;

    fn setup() -> (SqliteStore, Uuid) {
        let store = SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let user = store
            .create_user("ada", "ada@example.com", true)
            .unwrap_or_else(|e| panic!("{e}"));
        (store, user.id)
    }

    #[test]
    fn an_issued_token_verifies_as_its_user_and_tenant() {
        let (store, user) = setup();
        let token = issue(&store, Api::Cl2c, user, Some("acme")).unwrap_or_else(|e| panic!("{e}"));
        assert!(token.starts_with("cl2c_"));
        match verify(&store, Api::Cl2c, &token) {
            Ok(principal) => assert_eq!(
                principal,
                Principal {
                    user_id: user,
                    tenant: Some("acme".into())
                }
            ),
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn a_wrong_secret_a_foreign_api_or_garbage_is_invalid() {
        let (store, user) = setup();
        let token = issue(&store, Api::Exante, user, None).unwrap_or_else(|e| panic!("{e}"));
        // 'x' is not a hex digit, so the tampered secret always differs.
        let tampered = format!("{}x", &token[..token.len() - 1]);
        for (api, presented) in [
            (Api::Exante, tampered.as_str()),
            (Api::Zitadel, token.as_str()),
            (Api::Exante, "ex_live_"),
            (Api::Exante, "ex_live_zzzzzzzzzzzz.00"),
            (Api::Exante, ""),
        ] {
            assert!(
                matches!(verify(&store, api, presented), Err(AuthError::Invalid)),
                "{presented}"
            );
        }
    }
}
