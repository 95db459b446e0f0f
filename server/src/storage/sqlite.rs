//! The embedded SQLite backend (the default).
//!
//! Durability: WAL journal with `synchronous = FULL`, so a committed
//! transaction has reached the disk before the server acknowledges the
//! request; it survives `kill -9` of the server and a power loss.
//! The schema is created and migrated on open (`PRAGMA user_version`).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;
use uuid::Uuid;

use super::{Api, Credential, Organisation, Profile, Store, StoreError, Team, User};

/// Each entry migrates the schema from version `index` to `index + 1`.
///
/// When changing the schema: append a migration; never edit one that has
/// shipped, since databases in the field have already run it.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE users (
        id              TEXT PRIMARY KEY,
        username        TEXT NOT NULL UNIQUE,
        email           TEXT NOT NULL,
        email_confirmed INTEGER NOT NULL,
        created_at      TEXT NOT NULL
    );
    CREATE TABLE organisations (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        slug       TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE memberships (
        organisation_id TEXT NOT NULL REFERENCES organisations(id),
        user_id         TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (organisation_id, user_id)
    );
    CREATE TABLE teams (
        id              TEXT PRIMARY KEY,
        organisation_id TEXT NOT NULL REFERENCES organisations(id),
        name            TEXT NOT NULL
    );
    CREATE TABLE team_members (
        team_id TEXT NOT NULL REFERENCES teams(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (team_id, user_id)
    );
    CREATE TABLE credentials (
        api           TEXT NOT NULL,
        key_id        TEXT NOT NULL,
        user_id       TEXT NOT NULL REFERENCES users(id),
        tenant        TEXT,
        secret_sha256 BLOB NOT NULL,
        PRIMARY KEY (api, key_id)
    );
    CREATE TABLE profiles (
        api        TEXT NOT NULL,
        user_id    TEXT NOT NULL REFERENCES users(id),
        document   TEXT NOT NULL,
        sequence   INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        PRIMARY KEY (api, user_id)
    );
"#];

/// A SQLite database file (or `:memory:`).
pub struct SqliteStore {
    // One connection, serialised: SQLite allows one writer at a time anyway,
    // and every call here is short.
    connection: Mutex<Connection>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Now, at the precision stored (milliseconds), so that what a call returns
/// equals what a later read returns.
fn now() -> DateTime<Utc> {
    let millis = Utc::now().timestamp_millis();
    DateTime::from_timestamp_millis(millis).unwrap_or_else(Utc::now)
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_timestamp(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn parse_uuid(text: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

impl SqliteStore {
    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| backend(format!("cannot create {}: {e}", dir.display())))?;
        }
        let connection = Connection::open(path)
            .map_err(|e| backend(format!("cannot open {}: {e}", path.display())))?;
        Self::init(connection)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(mut connection: Connection) -> Result<Self, StoreError> {
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 5000;",
            )
            .map_err(backend)?;
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(backend)?;
        let version = usize::try_from(version).map_err(backend)?;
        if version > MIGRATIONS.len() {
            return Err(backend(format!(
                "the database is at schema version {version}, newer than this server ({})",
                MIGRATIONS.len()
            )));
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = connection.transaction().map_err(backend)?;
            tx.execute_batch(migration).map_err(backend)?;
            let next = i64::try_from(index + 1).map_err(backend)?;
            tx.pragma_update(None, "user_version", next)
                .map_err(backend)?;
            tx.commit().map_err(backend)?;
        }
        Ok(SqliteStore {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.connection
            .lock()
            .map_err(|_| backend("a previous storage call panicked"))
    }
}

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: parse_uuid(&row.get::<_, String>(0)?)?,
        username: row.get(1)?,
        email: row.get(2)?,
        email_confirmed: row.get(3)?,
        created_at: parse_timestamp(&row.get::<_, String>(4)?)?,
    })
}

fn organisation_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Organisation> {
    Ok(Organisation {
        id: parse_uuid(&row.get::<_, String>(0)?)?,
        name: row.get(1)?,
        slug: row.get(2)?,
        created_at: parse_timestamp(&row.get::<_, String>(3)?)?,
    })
}

impl Store for SqliteStore {
    fn create_user(
        &self,
        username: &str,
        email: &str,
        email_confirmed: bool,
    ) -> Result<User, StoreError> {
        let user = User {
            id: Uuid::new_v4(),
            username: username.to_string(),
            email: email.to_string(),
            email_confirmed,
            created_at: now(),
        };
        self.lock()?
            .execute(
                "INSERT INTO users (id, username, email, email_confirmed, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user.id.to_string(), user.username, user.email, user.email_confirmed, timestamp(user.created_at)],
            )
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Duplicate(format!("username {username}"))
                } else {
                    backend(e)
                }
            })?;
        Ok(user)
    }

    fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        self.lock()?
            .query_row(
                "SELECT id, username, email, email_confirmed, created_at FROM users WHERE id = ?1",
                [id.to_string()],
                user_from_row,
            )
            .optional()
            .map_err(backend)
    }

    fn user_id_by_name(&self, username: &str) -> Result<Option<Uuid>, StoreError> {
        let id: Option<String> = self
            .lock()?
            .query_row(
                "SELECT id FROM users WHERE username = ?1",
                [username],
                |row| row.get(0),
            )
            .optional()
            .map_err(backend)?;
        id.map(|id| Uuid::parse_str(&id).map_err(backend))
            .transpose()
    }

    fn user_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .lock()?
            .query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))
            .map_err(backend)?;
        u64::try_from(count).map_err(backend)
    }

    fn create_organisation(&self, name: &str, slug: &str) -> Result<Organisation, StoreError> {
        let organisation = Organisation {
            id: Uuid::new_v4(),
            name: name.to_string(),
            slug: slug.to_string(),
            created_at: now(),
        };
        self.lock()?
            .execute(
                "INSERT INTO organisations (id, name, slug, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    organisation.id.to_string(),
                    name,
                    slug,
                    timestamp(organisation.created_at)
                ],
            )
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Duplicate(format!("organisation slug {slug}"))
                } else {
                    backend(e)
                }
            })?;
        Ok(organisation)
    }

    fn add_member(&self, organisation: Uuid, user: Uuid) -> Result<(), StoreError> {
        self.lock()?
            .execute(
                "INSERT OR IGNORE INTO memberships (organisation_id, user_id) VALUES (?1, ?2)",
                params![organisation.to_string(), user.to_string()],
            )
            .map(drop)
            .map_err(backend)
    }

    fn organisations_of(&self, user: Uuid) -> Result<Vec<Organisation>, StoreError> {
        let connection = self.lock()?;
        let mut statement = connection
            .prepare_cached(
                "SELECT o.id, o.name, o.slug, o.created_at FROM organisations o
                 JOIN memberships m ON m.organisation_id = o.id
                 WHERE m.user_id = ?1 ORDER BY o.name, o.id",
            )
            .map_err(backend)?;
        let rows = statement
            .query_map([user.to_string()], organisation_from_row)
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn create_team(&self, organisation: Uuid, name: &str) -> Result<Team, StoreError> {
        let team = Team {
            id: Uuid::new_v4(),
            organisation_id: organisation,
            name: name.to_string(),
        };
        self.lock()?
            .execute(
                "INSERT INTO teams (id, organisation_id, name) VALUES (?1, ?2, ?3)",
                params![team.id.to_string(), organisation.to_string(), name],
            )
            .map_err(backend)?;
        Ok(team)
    }

    fn add_team_member(&self, team: Uuid, user: Uuid) -> Result<(), StoreError> {
        self.lock()?
            .execute(
                "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?1, ?2)",
                params![team.to_string(), user.to_string()],
            )
            .map(drop)
            .map_err(backend)
    }

    fn teams_of(&self, user: Uuid) -> Result<Vec<Team>, StoreError> {
        let connection = self.lock()?;
        let mut statement = connection
            .prepare_cached(
                "SELECT t.id, t.organisation_id, t.name FROM teams t
                 JOIN team_members m ON m.team_id = t.id
                 WHERE m.user_id = ?1 ORDER BY t.name, t.id",
            )
            .map_err(backend)?;
        let rows = statement
            .query_map([user.to_string()], |row| {
                Ok(Team {
                    id: parse_uuid(&row.get::<_, String>(0)?)?,
                    organisation_id: parse_uuid(&row.get::<_, String>(1)?)?,
                    name: row.get(2)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn add_credential(&self, credential: &Credential) -> Result<(), StoreError> {
        self.lock()?
            .execute(
                "INSERT INTO credentials (api, key_id, user_id, tenant, secret_sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    credential.api.name(),
                    credential.key_id,
                    credential.user_id.to_string(),
                    credential.tenant,
                    credential.secret_sha256.as_slice()
                ],
            )
            .map(drop)
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Duplicate(format!("credential {}", credential.key_id))
                } else {
                    backend(e)
                }
            })
    }

    fn credential(&self, api: Api, key_id: &str) -> Result<Option<Credential>, StoreError> {
        let connection = self.lock()?;
        let mut statement = connection
            .prepare_cached("SELECT user_id, tenant, secret_sha256 FROM credentials WHERE api = ?1 AND key_id = ?2")
            .map_err(backend)?;
        statement
            .query_row(params![api.name(), key_id], |row| {
                let hash: Vec<u8> = row.get(2)?;
                let secret_sha256 = <[u8; 32]>::try_from(hash.as_slice()).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Blob,
                        Box::new(e),
                    )
                })?;
                Ok(Credential {
                    key_id: key_id.to_string(),
                    api,
                    user_id: parse_uuid(&row.get::<_, String>(0)?)?,
                    tenant: row.get(1)?,
                    secret_sha256,
                })
            })
            .optional()
            .map_err(backend)
    }

    fn profile(&self, api: Api, user: Uuid) -> Result<Profile, StoreError> {
        let connection = self.lock()?;
        let mut statement = connection
            .prepare_cached(
                "SELECT document, sequence, created_at, changed_at FROM profiles WHERE api = ?1 AND user_id = ?2",
            )
            .map_err(backend)?;
        let found = statement
            .query_row(params![api.name(), user.to_string()], |row| {
                let document: String = row.get(0)?;
                Ok((
                    document,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .optional()
            .map_err(backend)?;
        match found {
            None => {
                let now = now();
                Ok(Profile {
                    document: Value::Object(Default::default()),
                    sequence: 0,
                    created_at: now,
                    changed_at: now,
                })
            }
            Some((document, sequence, created_at, changed_at)) => Ok(Profile {
                document: serde_json::from_str(&document).map_err(backend)?,
                sequence: u64::try_from(sequence).map_err(backend)?,
                created_at: parse_timestamp(&created_at).map_err(backend)?,
                changed_at: parse_timestamp(&changed_at).map_err(backend)?,
            }),
        }
    }

    fn save_profile(
        &self,
        api: Api,
        user: Uuid,
        expected_sequence: u64,
        document: &Value,
    ) -> Result<Profile, StoreError> {
        let mut connection = self.lock()?;
        // IMMEDIATE takes the write lock up front, so the sequence read and
        // the write below cannot interleave with another writer.
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let current: Option<(i64, String)> = tx
            .query_row(
                "SELECT sequence, created_at FROM profiles WHERE api = ?1 AND user_id = ?2",
                params![api.name(), user.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(backend)?;
        let now = now();
        let (sequence, created_at) = match current {
            Some((sequence, created_at)) => (
                u64::try_from(sequence).map_err(backend)?,
                parse_timestamp(&created_at).map_err(backend)?,
            ),
            None => (0, now),
        };
        if sequence != expected_sequence {
            return Err(StoreError::Conflict);
        }
        let next = sequence + 1;
        let text = serde_json::to_string(document).map_err(backend)?;
        tx.execute(
            "INSERT INTO profiles (api, user_id, document, sequence, created_at, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (api, user_id) DO UPDATE SET
                 document = excluded.document, sequence = excluded.sequence, changed_at = excluded.changed_at",
            params![
                api.name(),
                user.to_string(),
                text,
                i64::try_from(next).map_err(backend)?,
                timestamp(created_at),
                timestamp(now)
            ],
        )
        .map_err(|e| match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                StoreError::NotFound(format!("user {user}"))
            }
            _ => backend(e),
        })?;
        tx.commit().map_err(backend)?;
        Ok(Profile {
            document: document.clone(),
            sequence: next,
            created_at,
            changed_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn store() -> SqliteStore {
        SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_saved_profile_is_read_back_with_its_sequence() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        let fresh = store.profile(Api::Zitadel, user.id)?;
        assert_eq!((fresh.sequence, fresh.document.clone()), (0, json!({})));
        let saved = store.save_profile(Api::Zitadel, user.id, 0, &json!({"firstName": "Ada"}))?;
        assert_eq!(saved.sequence, 1);
        let again =
            store.save_profile(Api::Zitadel, user.id, 1, &json!({"firstName": "Ada L."}))?;
        assert_eq!(again.sequence, 2);
        assert_eq!(again.created_at, saved.created_at);
        let read = store.profile(Api::Zitadel, user.id)?;
        assert_eq!(
            (read.sequence, read.document),
            (2, json!({"firstName": "Ada L."}))
        );
        Ok(())
    }

    #[test]
    fn a_stale_save_is_a_conflict_and_changes_nothing() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        store.save_profile(Api::Exante, user.id, 0, &json!({"firstname": "Ada"}))?;
        assert!(matches!(
            store.save_profile(Api::Exante, user.id, 0, &json!({"firstname": "Eve"})),
            Err(StoreError::Conflict)
        ));
        assert_eq!(
            store.profile(Api::Exante, user.id)?.document,
            json!({"firstname": "Ada"})
        );
        Ok(())
    }

    #[test]
    fn profiles_are_kept_per_api() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        store.save_profile(Api::Cl2c, user.id, 0, &json!({"firstName": "Ada"}))?;
        assert_eq!(store.profile(Api::Ctechnology, user.id)?.sequence, 0);
        Ok(())
    }

    #[test]
    fn a_username_is_unique() -> Result<(), StoreError> {
        let store = store();
        store.create_user("ada", "ada@example.com", true)?;
        assert!(matches!(
            store.create_user("ada", "x@example.com", true),
            Err(StoreError::Duplicate(_))
        ));
        Ok(())
    }

    #[test]
    fn memberships_and_teams_are_listed() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        let org = store.create_organisation("Analytical Engines", "analytical-engines")?;
        store.add_member(org.id, user.id)?;
        let team = store.create_team(org.id, "Difference")?;
        store.add_team_member(team.id, user.id)?;
        assert_eq!(store.organisations_of(user.id)?, [org]);
        assert_eq!(store.teams_of(user.id)?, [team]);
        Ok(())
    }

    #[test]
    fn a_credential_is_found_by_api_and_key_id() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        let credential = Credential {
            key_id: "k1".to_string(),
            api: Api::Cl2c,
            user_id: user.id,
            tenant: Some("acme".to_string()),
            secret_sha256: [7; 32],
        };
        store.add_credential(&credential)?;
        assert_eq!(store.credential(Api::Cl2c, "k1")?, Some(credential));
        assert_eq!(store.credential(Api::Exante, "k1")?, None);
        Ok(())
    }

    #[test]
    fn a_reopened_database_keeps_every_saved_update() -> Result<(), StoreError> {
        let dir = std::env::temp_dir().join(format!("profile-store-{}", Uuid::new_v4()));
        let path = dir.join("db.sqlite");
        let user_id = {
            let store = SqliteStore::open(&path)?;
            let user = store.create_user("ada", "ada@example.com", true)?;
            store.save_profile(Api::Ctrlhub, user.id, 0, &json!({"a": 1}))?;
            user.id
        };
        let store = SqliteStore::open(&path)?;
        assert_eq!(
            store.profile(Api::Ctrlhub, user_id)?.document,
            json!({"a": 1})
        );
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }
}
