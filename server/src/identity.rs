//! Creating users with everything each API needs: an organisation (Exante,
//! Ctrl-Hub, ZITADEL's resource owner), a team (Ctrl-Hub), a CL2C tenant,
//! and one credential per API.

use uuid::Uuid;

use crate::auth;
use crate::storage::{Api, Store, StoreError, User};

/// A new user and the tokens issued for them (shown once, never stored).
#[derive(Clone, Debug)]
pub struct NewUser {
    pub user: User,
    pub tenant: String,
    pub tokens: Vec<(Api, String)>,
}

/// Creates `username` with an organisation, a team, the CL2C tenant
/// `tenant` (default: `<username>-tenant`) and a token for every API.
pub async fn add_user(
    store: &dyn Store,
    username: &str,
    email: &str,
    tenant: Option<&str>,
) -> Result<NewUser, StoreError> {
    let user = store.create_user(username, email, true).await?;
    let slug = format!(
        "{username}-org-{}",
        &Uuid::new_v4().simple().to_string()[..8]
    );
    let organisation = store
        .create_organisation(&format!("{username}'s organisation"), &slug)
        .await?;
    store.add_member(organisation.id, user.id).await?;
    let team = store.create_team(organisation.id, "Core team").await?;
    store.add_team_member(team.id, user.id).await?;
    let tenant = tenant.map_or_else(|| format!("{username}-tenant"), str::to_string);
    let tokens = issue_all(store, user.id, &tenant).await?;
    Ok(NewUser {
        user,
        tenant,
        tokens,
    })
}

/// Issues a fresh token for every API to an existing user.
pub async fn issue_all(
    store: &dyn Store,
    user: Uuid,
    tenant: &str,
) -> Result<Vec<(Api, String)>, StoreError> {
    let mut tokens = Vec::with_capacity(Api::ALL.len());
    for &api in Api::ALL {
        let tenant = api.descriptor().credentials.tenant_header.and(Some(tenant));
        tokens.push((api, auth::issue(store, api, user, tenant).await?));
    }
    Ok(tokens)
}
