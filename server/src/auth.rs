//! Credentials: how tokens are made, stored and checked.
//!
//! A token is `<prefix><key id>.<secret>`: the key id (12 hex digits) finds
//! the stored row, the secret (32 random bytes, hex) proves possession. Only
//! SHA-256(secret) is stored. A fast hash is the right one here: the secret
//! is 256 random bits, so there is nothing to brute-force, and checking a
//! request costs one SHA-256 instead of a deliberately slow password hash.
//! The stored and presented hashes are compared in constant time.
//!
//! Every request presents a token, so [`Verifier`] keeps each credential it
//! has read from storage (the stored hash, never the secret): a repeat
//! caller is checked with one SHA-256 and no storage call. Only credentials that exist are kept, so the cache holds at most
//! what the database holds and a stream of made-up tokens cannot grow it.
//!
//! A credential can be revoked (`server token revoke`, `server user
//! remove`), by another process and, on PostgreSQL, for every node at once,
//! so a kept credential is trusted for [`CREDENTIAL_TTL`] only and then read
//! again: a revoked token is refused by every node within that time,
//! whatever it cached, with no message between nodes to lose. The cost is
//! one indexed read per token per TTL per node.
//! (LISTEN/NOTIFY would be quicker but needs a connection per node kept
//! listening and a full cache flush whenever it drops; a version check
//! would cost a read per request.)

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::metrics::ApiMetrics;
use crate::storage::{Api, Credential, Store, StoreError};

/// How long a node trusts a credential it read before reading it again:
/// the most a revoked token can still be accepted by a node that had it
/// cached (see the module comment).
pub const CREDENTIAL_TTL: Duration = Duration::from_millis(500);

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
    api.descriptor().credentials.token_prefix
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
pub async fn issue(
    store: &dyn Store,
    api: Api,
    user_id: Uuid,
    tenant: Option<&str>,
) -> Result<String, StoreError> {
    let key_id = random_hex(6)?;
    let secret = random_hex(32)?;
    store
        .add_credential(&Credential {
            key_id: key_id.clone(),
            api,
            user_id,
            tenant: tenant.map(str::to_string),
            secret_sha256: sha256(&secret),
        })
        .await?;
    Ok(format!("{}{key_id}.{secret}", token_prefix(api)))
}

/// A token split into its key id and secret, if it has the form of `api`'s
/// tokens.
fn parse(api: Api, token: &str) -> Result<(&str, &str), AuthError> {
    let rest = token
        .strip_prefix(token_prefix(api))
        .ok_or(AuthError::Invalid)?;
    let (key_id, secret) = rest.split_once('.').ok_or(AuthError::Invalid)?;
    if !is_key_id(key_id) {
        return Err(AuthError::Invalid);
    }
    Ok((key_id, secret))
}

fn is_key_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The key id named by `text`: a key id itself, or a whole token of any API
/// (so an operator can paste the leaked token to revoke it).
pub fn key_id_of(text: &str) -> Option<&str> {
    if is_key_id(text) {
        return Some(text);
    }
    Api::ALL
        .iter()
        .find_map(|&api| parse(api, text).ok().map(|(key_id, _)| key_id))
}

/// Whether `secret` is the one `stored` was issued with.
fn check(stored: &Credential, secret: &str) -> Result<Principal, AuthError> {
    if bool::from(stored.secret_sha256.ct_eq(&sha256(secret))) {
        Ok(Principal {
            user_id: stored.user_id,
            tenant: stored.tenant.clone(),
        })
    } else {
        Err(AuthError::Invalid)
    }
}

/// Checks tokens against the store, keeping the credentials it has read
/// for a while (see the module comment).
pub struct Verifier {
    store: Arc<dyn Store>,
    /// Each credential read, with when it was read.
    known: RwLock<HashMap<(Api, String), (Credential, Instant)>>,
    ttl: Duration,
    /// Where the cache's hits and misses are counted, if anywhere.
    metrics: Option<ApiMetrics>,
}

impl Verifier {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_ttl(store, CREDENTIAL_TTL)
    }

    /// A verifier that trusts what it read for `ttl` (tests use a short one).
    pub fn with_ttl(store: Arc<dyn Store>, ttl: Duration) -> Self {
        Verifier {
            store,
            known: RwLock::new(HashMap::new()),
            ttl,
            metrics: None,
        }
    }

    /// This verifier, counting its cache's hits and misses in `metrics`.
    pub fn observed(self, metrics: ApiMetrics) -> Self {
        Verifier {
            metrics: Some(metrics),
            ..self
        }
    }

    /// The outcome for `token` if its credential was read less than the TTL
    /// ago: no storage call. `None` means "read it".
    fn known(&self, api: Api, token: &str) -> Option<Result<Principal, AuthError>> {
        let (key_id, secret) = match parse(api, token) {
            Ok(parts) => parts,
            Err(e) => return Some(Err(e)),
        };
        let known = self.known.read().ok()?;
        let (stored, read_at) = known.get(&(api, key_id.to_string()))?;
        if read_at.elapsed() >= self.ttl {
            return None;
        }
        if let Some(metrics) = &self.metrics {
            metrics.credential_cache(true);
        }
        Some(check(stored, secret))
    }

    /// Checks `token`: against the credential kept for it if it was read
    /// less than the TTL ago, otherwise against a fresh read from storage,
    /// which is then kept.
    pub async fn verify(&self, api: Api, token: &str) -> Result<Principal, AuthError> {
        if let Some(outcome) = self.known(api, token) {
            return outcome;
        }
        let (key_id, secret) = parse(api, token)?;
        if let Some(metrics) = &self.metrics {
            metrics.credential_cache(false);
        }
        let read_at = Instant::now();
        let found = self
            .store
            .credential(api, key_id)
            .await
            .map_err(AuthError::Store)?;
        let key = (api, key_id.to_string());
        // A poisoned lock only loses the cache's help, never correctness
        // (`known` finds nothing in a poisoned cache).
        let Some(stored) = found else {
            // Revoked since it was kept, or never issued.
            if let Ok(mut known) = self.known.write() {
                known.remove(&key);
            }
            return Err(AuthError::Invalid);
        };
        let outcome = check(&stored, secret);
        if let Ok(mut known) = self.known.write() {
            known.insert(key, (stored, read_at));
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::SqliteStore;

    async fn setup() -> (SqliteStore, Uuid) {
        let store = SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let user = store
            .create_user("ada", "ada@example.com", true)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (store, user.id)
    }

    #[tokio::test]
    async fn an_issued_token_verifies_as_its_user_and_tenant() {
        let (store, user) = setup().await;
        let token = issue(&store, Api::Cl2c, user, Some("acme"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(token.starts_with("cl2c_"));
        match Verifier::new(Arc::new(store))
            .verify(Api::Cl2c, &token)
            .await
        {
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

    #[tokio::test]
    async fn a_known_credential_still_refuses_a_wrong_secret() {
        let (store, user) = setup().await;
        let token = issue(&store, Api::Zitadel, user, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let verifier = Verifier::new(Arc::new(store));
        assert!(
            verifier.known(Api::Zitadel, &token).is_none(),
            "not read yet"
        );
        assert!(verifier.verify(Api::Zitadel, &token).await.is_ok());
        match verifier.known(Api::Zitadel, &token) {
            Some(Ok(principal)) => assert_eq!(principal.user_id, user),
            other => panic!("expected the kept credential to verify: {other:?}"),
        }
        let tampered = format!("{}x", &token[..token.len() - 1]);
        assert!(matches!(
            verifier.known(Api::Zitadel, &tampered),
            Some(Err(AuthError::Invalid))
        ));
        // The same key id under another API is another credential.
        let foreign = token.replacen("zat_", "ex_live_", 1);
        assert!(verifier.known(Api::Exante, &foreign).is_none());
    }

    /// A revoked token is accepted from the cache for at most the TTL, then
    /// refused, and its entry is gone.
    #[tokio::test]
    async fn a_revoked_credential_is_refused_once_its_entry_expires() {
        let (store, user) = setup().await;
        let token = issue(&store, Api::Ctrlhub, user, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let store: Arc<dyn Store> = Arc::new(store);
        let ttl = Duration::from_millis(50);
        let verifier = Verifier::with_ttl(Arc::clone(&store), ttl);
        assert!(verifier.verify(Api::Ctrlhub, &token).await.is_ok());
        let key_id = key_id_of(&token).unwrap_or_else(|| panic!("no key id in {token}"));
        assert_eq!(store.revoke_credential(key_id).await.ok(), Some(1));
        tokio::time::sleep(ttl).await;
        assert!(verifier.known(Api::Ctrlhub, &token).is_none(), "expired");
        assert!(matches!(
            verifier.verify(Api::Ctrlhub, &token).await,
            Err(AuthError::Invalid)
        ));
        assert!(verifier.known(Api::Ctrlhub, &token).is_none(), "evicted");
    }

    #[tokio::test]
    async fn a_key_id_is_named_by_itself_or_by_its_token() {
        assert_eq!(key_id_of("0123456789ab"), Some("0123456789ab"));
        assert_eq!(key_id_of("cl2c_0123456789ab.ff"), Some("0123456789ab"));
        assert_eq!(key_id_of("ex_live_0123456789ab.ff"), Some("0123456789ab"));
        assert_eq!(key_id_of("0123456789"), None);
        assert_eq!(key_id_of("zz_0123456789ab.ff"), None);
    }

    #[tokio::test]
    async fn an_unknown_credential_is_not_kept() {
        let (store, _) = setup().await;
        let verifier = Verifier::new(Arc::new(store));
        let made_up = "zat_0123456789ab.00";
        assert!(matches!(
            verifier.verify(Api::Zitadel, made_up).await,
            Err(AuthError::Invalid)
        ));
        assert!(verifier.known(Api::Zitadel, made_up).is_none());
    }

    #[tokio::test]
    async fn a_wrong_secret_a_foreign_api_or_garbage_is_invalid() {
        let (store, user) = setup().await;
        let token = issue(&store, Api::Exante, user, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // 'x' is not a hex digit, so the tampered secret always differs.
        let tampered = format!("{}x", &token[..token.len() - 1]);
        let verifier = Verifier::new(Arc::new(store));
        for (api, presented) in [
            (Api::Exante, tampered.as_str()),
            (Api::Zitadel, token.as_str()),
            (Api::Exante, "ex_live_"),
            (Api::Exante, "ex_live_zzzzzzzzzzzz.00"),
            (Api::Exante, ""),
        ] {
            assert!(
                matches!(
                    verifier.verify(api, presented).await,
                    Err(AuthError::Invalid)
                ),
                "{presented}"
            );
        }
    }
}
