//! PostgreSQL group commit: the changes waiting on a node share one
//! transaction, as SQLite's writer shares one commit among the changes
//! waiting for it.
//!
//! One committer task per store takes every change waiting (up to
//! [`BATCH_MAX`]) and applies them in one transaction:
//!
//! 1. One round trip, sent together (tokio-postgres pipelines the requests
//!    of one connection and PostgreSQL runs them in the order sent):
//!    `BEGIN`, the batch's users locked against removal (`FOR KEY
//!    SHARE`), a profile row created for each profile that has none (for
//!    users that exist), every profile of the batch locked (`FOR UPDATE`),
//!    and what the changes asked to read (accounts, organisations, teams).
//!    Rows are locked in one fixed order (by key), so two nodes' batches
//!    that share profiles wait for each other instead of deadlocking.
//! 2. Each change runs on the latest profile: the stored one, or what the
//!    change before it in the batch computed for the same profile, so
//!    changes to one profile are applied one after the other, in the order
//!    the node took them. A change that fails (its own refusal, a missing
//!    user, a panic) fails alone: it writes nothing and the next change of
//!    its profile sees the profile as it was before it.
//! 3. One `UPDATE` writes the last document of every profile that changed,
//!    and `COMMIT` follows in the same round trip. Only once COMMIT has
//!    returned (synced, see the module comment of `postgres.rs`) is any
//!    change answered; if the transaction fails, every change of the batch
//!    is answered with that failure and none is stored. A COMMIT sent but
//!    not answered (the connection lost, the call timed out) is Busy, a
//!    503 to retry, like any other loss of the database, although the
//!    batch may have been stored: a retry is safe, because every change
//!    sets the profile to the values it carries (only the sequence can
//!    then advance twice), and a 503 is what load balancers and clients
//!    retry during a failover.
//!
//! A change therefore costs a share of two round trips and one WAL sync,
//! instead of three round trips and a sync of its own, and a batch holds
//! one pooled connection instead of one per change.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use deadpool_postgres::Pool;
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};
use uuid::Uuid;

use super::open_transaction::OpenTransaction;
use super::{
    backend, now, organisation_from_row, pg, pool_error, profile_from_row, sequence_to_db,
    team_from_row, user_from_row, within_call_timeout,
};
use crate::storage::{
    Applied, Current, Organisation, Profile, ProfileChange, StoreError, Team, User,
};

/// The most changes applied in one transaction (as SQLite's writer); what
/// is left waits for the next one.
pub const BATCH_MAX: usize = 256;

/// A change taken by the store, with where to send its answer. The permit
/// counts it against the node's in-flight limit until it is answered.
pub struct Waiting {
    pub change: ProfileChange,
    pub reply: oneshot::Sender<Result<Applied, StoreError>>,
    pub permit: OwnedSemaphorePermit,
}

/// The committer: applies what is waiting, a batch at a time, until the
/// store is dropped (its sender closes) and the queue is drained.
pub async fn run(pool: Pool, mut queue: mpsc::UnboundedReceiver<Waiting>) {
    let mut batch = Vec::with_capacity(BATCH_MAX);
    while queue.recv_many(&mut batch, BATCH_MAX).await > 0 {
        commit(&pool, std::mem::take(&mut batch)).await;
    }
}

/// Applies `batch` in one transaction and answers each change.
async fn commit(pool: &Pool, batch: Vec<Waiting>) {
    let mut changes = Vec::with_capacity(batch.len());
    let mut answers = Vec::with_capacity(batch.len());
    for waiting in batch {
        changes.push(waiting.change);
        answers.push((waiting.reply, waiting.permit));
    }
    let count = changes.len();
    match within_call_timeout(apply_all(pool, changes)).await {
        Ok(outcomes) => {
            for ((reply, permit), outcome) in answers.into_iter().zip(outcomes) {
                // The permit goes first: a caller that has its answer may
                // send its next change at once, and must find room for it.
                drop(permit);
                let _ = reply.send(outcome);
            }
        }
        Err(failure) => {
            // Busy (the database is away, a lock or statement timed out)
            // stays Busy, a 503 to retry; anything else is one failure
            // shared by every change of the batch.
            let why = match &failure {
                StoreError::Busy => None,
                other => Some(format!("group commit of {count} changes: {other}")),
            };
            for (reply, permit) in answers {
                drop(permit);
                let _ = reply.send(Err(match &why {
                    None => StoreError::Busy,
                    Some(why) => StoreError::Backend(why.clone()),
                }));
            }
        }
    }
}

/// Which profile a change is to: (API name, user).
type Key = (&'static str, Uuid);

const LOCK_USERS: &str = "SELECT id FROM users WHERE id = ANY($1) ORDER BY id FOR KEY SHARE";

const INSERT_MISSING: &str =
    "INSERT INTO profiles (api, user_id, document, sequence, created_at, changed_at)
     SELECT k.api, k.user_id, '{}', 0, $3, $3
     FROM unnest($1::text[], $2::uuid[]) AS k(api, user_id)
     WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = k.user_id)
     ORDER BY k.api, k.user_id
     ON CONFLICT (api, user_id) DO NOTHING";

const LOCK_PROFILES: &str =
    "SELECT document, sequence, created_at, changed_at, api, user_id FROM profiles
     WHERE (api, user_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))
     ORDER BY api, user_id FOR UPDATE";

const SELECT_USERS: &str =
    "SELECT id, username, email, email_confirmed, created_at FROM users WHERE id = ANY($1)";

const SELECT_ORGANISATIONS: &str =
    "SELECT o.id, o.name, o.slug, o.created_at, m.user_id FROM organisations o
     JOIN memberships m ON m.organisation_id = o.id
     WHERE m.user_id = ANY($1) ORDER BY o.name, o.id";

const SELECT_TEAMS: &str = "SELECT t.id, t.organisation_id, t.name, m.user_id FROM teams t
     JOIN team_members m ON m.team_id = t.id
     WHERE m.user_id = ANY($1) ORDER BY t.name, t.id";

const UPDATE_PROFILES: &str = "UPDATE profiles p
     SET document = v.document, sequence = v.sequence, changed_at = v.changed_at
     FROM unnest($1::text[], $2::uuid[], $3::text[], $4::int8[], $5::timestamptz[])
         AS v(api, user_id, document, sequence, changed_at)
     WHERE p.api = v.api AND p.user_id = v.user_id";

/// What the batch read before running its changes.
#[derive(Default)]
struct Read {
    profiles: BTreeMap<Key, Profile>,
    accounts: BTreeMap<Uuid, User>,
    organisations: BTreeMap<Uuid, Vec<Organisation>>,
    teams: BTreeMap<Uuid, Vec<Team>>,
    /// The profiles a change of the batch saved.
    saved: BTreeSet<Key>,
}

/// The batch's transaction (see the module comment); the outcome of each
/// change, in order, once COMMIT has returned.
async fn apply_all(
    pool: &Pool,
    changes: Vec<ProfileChange>,
) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
    let mut keys: Vec<Key> = changes.iter().map(|c| (c.api.name(), c.user)).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut users: Vec<Uuid> = keys.iter().map(|&(_, user)| user).collect();
    users.sort_unstable();
    users.dedup();
    let want_accounts = users_asking(&changes, |c| c.reads.account);
    let want_organisations = users_asking(&changes, |c| c.reads.organisations);
    let want_teams = users_asking(&changes, |c| c.reads.teams);

    let client = pool.get().await.map_err(pool_error)?;
    // Prepared once per connection (the statement cache), outside the
    // transaction, so that nothing below waits for a prepare.
    let (lock_users, insert, lock, accounts, organisations, teams, update) = tokio::join!(
        client.prepare_cached(LOCK_USERS),
        client.prepare_cached(INSERT_MISSING),
        client.prepare_cached(LOCK_PROFILES),
        client.prepare_cached(SELECT_USERS),
        client.prepare_cached(SELECT_ORGANISATIONS),
        client.prepare_cached(SELECT_TEAMS),
        client.prepare_cached(UPDATE_PROFILES),
    );
    let (lock_users, insert, lock, accounts, organisations, teams, update) = (
        lock_users.map_err(pg)?,
        insert.map_err(pg)?,
        lock.map_err(pg)?,
        accounts.map_err(pg)?,
        organisations.map_err(pg)?,
        teams.map_err(pg)?,
        update.map_err(pg)?,
    );
    let tx = OpenTransaction::new(client);
    let apis: Vec<&str> = keys.iter().map(|&(api, _)| api).collect();
    let key_users: Vec<Uuid> = keys.iter().map(|&(_, user)| user).collect();
    let created = now();
    type Param<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);
    let lock_users_params: [Param<'_>; 1] = [&users];
    let insert_params: [Param<'_>; 3] = [&apis, &key_users, &created];
    let lock_params: [Param<'_>; 2] = [&apis, &key_users];
    // BEGIN goes in the same round trip as the reads. tokio-postgres sends
    // each request when its future is first polled, so the order sent is
    // the order polled: `biased` makes that the order written (plain
    // `join!` may start elsewhere). BEGIN fails only with its connection
    // (or in a transaction left aborted, which `OpenTransaction` prevents),
    // and every statement sent with it then fails too; its outcome is
    // checked first all the same.
    let (begun, locked_users, inserted, locked, account_rows, organisation_rows, team_rows) = tokio::join!(
        biased;
        tx.batch_execute("BEGIN"),
        tx.query(&lock_users, &lock_users_params),
        tx.execute(&insert, &insert_params),
        tx.query(&lock, &lock_params),
        async {
            match want_accounts.is_empty() {
                true => Ok(Vec::new()),
                false => tx.query(&accounts, &[&want_accounts]).await,
            }
        },
        async {
            match want_organisations.is_empty() {
                true => Ok(Vec::new()),
                false => tx.query(&organisations, &[&want_organisations]).await,
            }
        },
        async {
            match want_teams.is_empty() {
                true => Ok(Vec::new()),
                false => tx.query(&teams, &[&want_teams]).await,
            }
        },
    );
    // The first failure is the one to report: after it, PostgreSQL refuses
    // the rest of the transaction.
    begun.map_err(pg)?;
    locked_users.map_err(pg)?;
    inserted.map_err(pg)?;
    let mut read = Read::default();
    for row in locked.map_err(pg)? {
        let api: String = row.try_get(4).map_err(backend)?;
        let user: Uuid = row.try_get(5).map_err(backend)?;
        // The stored API name is one of ours; the key borrows the static
        // name the change carries.
        if let Some(&key) = keys.iter().find(|&&(a, u)| a == api && u == user) {
            read.profiles.insert(key, profile_from_row(&row)?);
        }
    }
    for row in account_rows.map_err(pg)? {
        let account = user_from_row(&row)?;
        read.accounts.insert(account.id, account);
    }
    for row in organisation_rows.map_err(pg)? {
        let user: Uuid = row.try_get(4).map_err(backend)?;
        read.organisations
            .entry(user)
            .or_default()
            .push(organisation_from_row(&row)?);
    }
    for row in team_rows.map_err(pg)? {
        let user: Uuid = row.try_get(3).map_err(backend)?;
        read.teams
            .entry(user)
            .or_default()
            .push(team_from_row(&row)?);
    }

    let outcomes: Vec<Result<Applied, StoreError>> = changes
        .into_iter()
        .map(|change| run_one(&mut read, change))
        .collect();

    // The last document of each profile a change saved, written at once.
    let mut update_apis = Vec::new();
    let mut update_users = Vec::new();
    let mut documents = Vec::new();
    let mut sequences = Vec::new();
    let mut changed_at = Vec::new();
    for key in &read.saved {
        let Some(profile) = read.profiles.get(key) else {
            continue;
        };
        update_apis.push(key.0);
        update_users.push(key.1);
        documents.push(serde_json::to_string(&profile.document).map_err(backend)?);
        sequences.push(sequence_to_db(profile.sequence)?);
        changed_at.push(profile.changed_at);
    }
    // The UPDATE and COMMIT go in one round trip, the UPDATE first
    // (`biased`, as above: a COMMIT sent first would end the transaction
    // and leave the UPDATE outside it). Should the UPDATE fail, PostgreSQL
    // ends the aborted transaction at COMMIT without an error (it answers
    // ROLLBACK), so the UPDATE's own outcome decides: checked first, its
    // failure is the batch's, and nothing was stored.
    let (updated, committed) = tokio::join!(
        biased;
        async {
            match update_apis.is_empty() {
                true => Ok(0),
                false => {
                    tx.execute(
                        &update,
                        &[
                            &update_apis,
                            &update_users,
                            &documents,
                            &sequences,
                            &changed_at,
                        ],
                    )
                    .await
                }
            }
        },
        // With `synchronous_commit = on`, this returns once the commit is
        // on disk; only then is any change answered.
        tx.batch_execute("COMMIT"),
    );
    match committed {
        // The transaction is over either way; nothing is left to roll back.
        Ok(()) => tx.ended(),
        // The UPDATE failed: the transaction was aborted, nothing stored.
        Err(_) if updated.is_err() => {}
        // The database refused the COMMIT (nothing stored), or the
        // connection failed with it on the wire (Busy; see the module
        // comment).
        Err(e) => return Err(pg(e)),
    }
    updated.map_err(pg)?;
    Ok(outcomes)
}

/// The users (once each, sorted) of the changes that `asked`.
fn users_asking(changes: &[ProfileChange], asked: fn(&ProfileChange) -> bool) -> Vec<Uuid> {
    let mut users: Vec<Uuid> = changes
        .iter()
        .filter(|c| asked(c))
        .map(|c| c.user)
        .collect();
    users.sort_unstable();
    users.dedup();
    users
}

/// Runs one change on the latest profile of its key in `read`, and keeps
/// what it saved there for the next change of the same profile.
fn run_one(read: &mut Read, change: ProfileChange) -> Result<Applied, StoreError> {
    let ProfileChange {
        api,
        user,
        reads,
        change,
    } = change;
    let key = (api.name(), user);
    // No row: the user does not exist (a row was created for every user
    // that does).
    let profile = read
        .profiles
        .get(&key)
        .ok_or_else(|| StoreError::NotFound(format!("user {user}")))?;
    let account = match reads.account {
        true => Some(
            read.accounts
                .get(&user)
                .cloned()
                .ok_or_else(|| StoreError::NotFound(format!("user {user}")))?,
        ),
        false => None,
    };
    let organisations = match reads.organisations {
        true => read.organisations.get(&user).cloned().unwrap_or_default(),
        false => Vec::new(),
    };
    let teams = match reads.teams {
        true => read.teams.get(&user).cloned().unwrap_or_default(),
        false => Vec::new(),
    };
    let current = Current {
        profile,
        account: account.as_ref(),
        organisations: &organisations,
        teams: &teams,
    };
    // A change that panics fails alone, like one that returns an error.
    let decided = catch_unwind(AssertUnwindSafe(|| change(&current)))
        .map_err(|_| backend("the change panicked"))??;
    let (profile, saved) = match decided {
        None => (profile.clone(), false),
        Some(document) => {
            let next = Profile {
                document,
                sequence: profile.sequence + 1,
                created_at: profile.created_at,
                changed_at: now(),
            };
            read.profiles.insert(key, next.clone());
            read.saved.insert(key);
            (next, true)
        }
    };
    Ok(Applied {
        profile,
        saved,
        account,
        organisations,
        teams,
    })
}
