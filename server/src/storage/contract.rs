//! What every [`Store`] promises, as tests that take the store to check.
//!
//! Each backend runs all of them with [`store_contract_tests!`], giving a
//! function that makes a fresh, empty store; the tests use nothing but the
//! trait, so a second backend is held to exactly the first one's promises.

use std::sync::Arc;

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Api, Applied, Credential, Pending, ProfileChange, Reads, Store, StoreError};

/// Applies `change` to `user`'s profile in `api`, reading nothing else.
/// The store takes the change when this is called, not when the answer is
/// awaited, so several can be queued before any is awaited.
pub fn change(
    store: &dyn Store,
    api: Api,
    user: Uuid,
    change: impl FnOnce(&Value) -> Result<Option<Value>, StoreError> + Send + 'static,
) -> Pending<Applied> {
    store.apply(ProfileChange {
        api,
        user,
        reads: Reads::default(),
        change: Box::new(move |current| change(&current.profile.document)),
    })
}

/// Stores `document` as the profile, whatever it was.
pub fn put(store: &dyn Store, api: Api, user: Uuid, document: Value) -> Pending<Applied> {
    change(store, api, user, move |_| Ok(Some(document)))
}

pub async fn a_saved_profile_is_read_back_with_its_sequence(
    store: Arc<dyn Store>,
) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    let fresh = store.profile(Api::Zitadel, user.id).await?;
    assert_eq!((fresh.sequence, fresh.document), (0, json!({})));
    let saved = put(&*store, Api::Zitadel, user.id, json!({"firstName": "Ada"})).await?;
    assert!(saved.saved);
    assert_eq!(saved.profile.sequence, 1);
    let again = put(
        &*store,
        Api::Zitadel,
        user.id,
        json!({"firstName": "Ada L."}),
    )
    .await?;
    assert_eq!(again.profile.sequence, 2);
    assert_eq!(again.profile.created_at, saved.profile.created_at);
    let read = store.profile(Api::Zitadel, user.id).await?;
    assert_eq!(read, again.profile);
    Ok(())
}

pub async fn profiles_are_kept_per_api(store: Arc<dyn Store>) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    put(&*store, Api::Cl2c, user.id, json!({"firstName": "Ada"})).await?;
    assert_eq!(store.profile(Api::Ctechnology, user.id).await?.sequence, 0);
    assert_eq!(store.profile(Api::Cl2c, user.id).await?.sequence, 1);
    Ok(())
}

pub async fn a_username_is_unique(store: Arc<dyn Store>) -> Result<(), StoreError> {
    store.create_user("ada", "ada@example.com", true).await?;
    assert!(matches!(
        store.create_user("ada", "x@example.com", true).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.user_count().await?, 1);
    Ok(())
}

pub async fn memberships_and_teams_are_listed(store: Arc<dyn Store>) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    let org = store
        .create_organisation("Analytical Engines", "analytical-engines")
        .await?;
    store.add_member(org.id, user.id).await?;
    let team = store.create_team(org.id, "Difference").await?;
    store.add_team_member(team.id, user.id).await?;
    assert_eq!(store.organisations_of(user.id).await?, [org]);
    assert_eq!(store.teams_of(user.id).await?, [team]);
    assert_eq!(store.user_id_by_name("ada").await?, Some(user.id));
    assert_eq!(store.user(user.id).await?, Some(user));
    Ok(())
}

pub async fn a_credential_is_found_by_api_and_key_id(
    store: Arc<dyn Store>,
) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    let credential = Credential {
        key_id: "k1".to_string(),
        api: Api::Cl2c,
        user_id: user.id,
        tenant: Some("acme".to_string()),
        secret_sha256: [7; 32],
    };
    store.add_credential(&credential).await?;
    assert_eq!(
        store.credential(Api::Cl2c, "k1").await?,
        Some(credential.clone())
    );
    assert_eq!(store.credential(Api::Exante, "k1").await?, None);
    assert!(matches!(
        store.add_credential(&credential).await,
        Err(StoreError::Duplicate(_))
    ));
    Ok(())
}

pub async fn a_revoked_credential_is_not_found(store: Arc<dyn Store>) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    for (api, key_id) in [(Api::Cl2c, "k1"), (Api::Exante, "k2")] {
        store
            .add_credential(&Credential {
                key_id: key_id.to_string(),
                api,
                user_id: user.id,
                tenant: None,
                secret_sha256: [7; 32],
            })
            .await?;
    }
    assert_eq!(store.revoke_credential("k1").await?, 1);
    assert_eq!(store.credential(Api::Cl2c, "k1").await?, None);
    assert!(
        store.credential(Api::Exante, "k2").await?.is_some(),
        "another key"
    );
    assert_eq!(store.revoke_credential("k1").await?, 0, "already revoked");
    Ok(())
}

pub async fn a_removed_user_leaves_nothing_behind(store: Arc<dyn Store>) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    let org = store
        .create_organisation("Analytical Engines", "analytical-engines")
        .await?;
    store.add_member(org.id, user.id).await?;
    let team = store.create_team(org.id, "Difference").await?;
    store.add_team_member(team.id, user.id).await?;
    store
        .add_credential(&Credential {
            key_id: "k1".to_string(),
            api: Api::Zitadel,
            user_id: user.id,
            tenant: None,
            secret_sha256: [7; 32],
        })
        .await?;
    put(&*store, Api::Zitadel, user.id, json!({"firstName": "Ada"})).await?;
    store.remove_user("ada").await?;
    assert_eq!(store.user(user.id).await?, None);
    assert_eq!(store.credential(Api::Zitadel, "k1").await?, None);
    assert_eq!(store.profile(Api::Zitadel, user.id).await?.sequence, 0);
    assert!(store.organisations_of(user.id).await?.is_empty());
    assert!(store.teams_of(user.id).await?.is_empty());
    assert!(matches!(
        store.remove_user("ada").await,
        Err(StoreError::NotFound(_))
    ));
    // The name is free again.
    store.create_user("ada", "ada@example.com", true).await?;
    Ok(())
}

/// The heart of the write path: 32 concurrent writers each add one to a
/// counter in the same profile 20 times. Every change is applied to the
/// latest profile, so none is lost, none is refused, and the sequence
/// counts exactly the changes.
pub async fn concurrent_changes_to_one_profile_are_each_applied_once(
    store: Arc<dyn Store>,
) -> Result<(), StoreError> {
    const WRITERS: u64 = 32;
    const CHANGES: u64 = 20;
    let user = store.create_user("ada", "ada@example.com", true).await?;
    let mut writers = tokio::task::JoinSet::new();
    for _ in 0..WRITERS {
        let store = Arc::clone(&store);
        writers.spawn(async move {
            for _ in 0..CHANGES {
                change(&*store, Api::Exante, user.id, |document| {
                    let n = document.get("n").and_then(Value::as_u64).unwrap_or(0);
                    Ok(Some(json!({ "n": n + 1 })))
                })
                .await?;
            }
            Ok::<_, StoreError>(())
        });
    }
    while let Some(joined) = writers.join_next().await {
        joined.map_err(|e| StoreError::Backend(e.to_string()))??;
    }
    let stored = store.profile(Api::Exante, user.id).await?;
    assert_eq!(
        (stored.sequence, stored.document),
        (WRITERS * CHANGES, json!({ "n": WRITERS * CHANGES }))
    );
    Ok(())
}

pub async fn a_change_that_keeps_the_profile_saves_nothing(
    store: Arc<dyn Store>,
) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    put(&*store, Api::Zitadel, user.id, json!({"a": 1})).await?;
    let kept = change(&*store, Api::Zitadel, user.id, |_| Ok(None)).await?;
    assert!(!kept.saved);
    assert_eq!(kept.profile.sequence, 1);
    assert_eq!(kept.profile.document, json!({"a": 1}));
    assert_eq!(store.profile(Api::Zitadel, user.id).await?.sequence, 1);
    Ok(())
}

pub async fn a_refused_change_stores_nothing(store: Arc<dyn Store>) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    put(&*store, Api::Cl2c, user.id, json!({"a": 1})).await?;
    let refused = change(&*store, Api::Cl2c, user.id, |_| {
        Err(StoreError::NotFound("refused on purpose".into()))
    })
    .await;
    assert!(matches!(refused, Err(StoreError::NotFound(_))));
    let stored = store.profile(Api::Cl2c, user.id).await?;
    assert_eq!((stored.sequence, stored.document), (1, json!({"a": 1})));
    Ok(())
}

pub async fn a_change_that_panics_fails_alone(store: Arc<dyn Store>) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    let panicked = change(&*store, Api::Cl2c, user.id, |_| panic!("a bug in a change")).await;
    assert!(matches!(panicked, Err(StoreError::Backend(_))));
    // The store carries on.
    put(&*store, Api::Cl2c, user.id, json!({"a": 1})).await?;
    assert_eq!(store.profile(Api::Cl2c, user.id).await?.sequence, 1);
    Ok(())
}

pub async fn a_change_for_a_missing_user_fails_alone(
    store: Arc<dyn Store>,
) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    let missing = put(&*store, Api::Cl2c, Uuid::new_v4(), json!({})).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
    put(&*store, Api::Cl2c, user.id, json!({"firstName": "Ada"})).await?;
    assert_eq!(store.profile(Api::Cl2c, user.id).await?.sequence, 1);
    Ok(())
}

/// What a change asks to read is read with the profile and handed to it,
/// and returned with the outcome.
pub async fn a_change_reads_the_account_and_memberships_it_asks_for(
    store: Arc<dyn Store>,
) -> Result<(), StoreError> {
    let user = store.create_user("ada", "ada@example.com", true).await?;
    let org = store
        .create_organisation("Analytical Engines", "analytical-engines")
        .await?;
    store.add_member(org.id, user.id).await?;
    let team = store.create_team(org.id, "Difference").await?;
    store.add_team_member(team.id, user.id).await?;
    let (expected_user, expected_org, expected_team) = (user.clone(), org.clone(), team.clone());
    let applied = store
        .apply(ProfileChange {
            api: Api::Ctrlhub,
            user: user.id,
            reads: Reads {
                account: true,
                organisations: true,
                teams: true,
            },
            change: Box::new(move |current| {
                assert_eq!(current.account, Some(&expected_user));
                assert_eq!(current.organisations, [expected_org]);
                assert_eq!(current.teams, [expected_team]);
                Ok(Some(json!({"seen": true})))
            }),
        })
        .await?;
    assert_eq!(applied.account, Some(user));
    assert_eq!(applied.organisations, [org]);
    assert_eq!(applied.teams, [team]);
    Ok(())
}

/// Runs every contract test against the store `$make` makes (a fresh,
/// empty one per test).
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@cases $make;
            a_saved_profile_is_read_back_with_its_sequence,
            profiles_are_kept_per_api,
            a_username_is_unique,
            memberships_and_teams_are_listed,
            a_credential_is_found_by_api_and_key_id,
            a_revoked_credential_is_not_found,
            a_removed_user_leaves_nothing_behind,
            concurrent_changes_to_one_profile_are_each_applied_once,
            a_change_that_keeps_the_profile_saves_nothing,
            a_refused_change_stores_nothing,
            a_change_that_panics_fails_alone,
            a_change_for_a_missing_user_fails_alone,
            a_change_reads_the_account_and_memberships_it_asks_for,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() -> Result<(), $crate::storage::StoreError> {
                let store: std::sync::Arc<dyn $crate::storage::Store> = $make;
                $crate::storage::contract::$case(store).await
            }
        )*
    };
}
