//! Opening the database: the data directory (0700), the file (0600), the connection
//! settings that make writes durable, and the schema migrations.
//!
//! Owns the table layout. Must not interpret object bodies: that is `object.rs`' job.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::error::StoreError;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "dockjob.db";

/// How long a statement waits for a lock held by another connection before failing.
/// The engine has one connection, so this only matters for outside readers (backups,
/// `sqlite3` by hand); long enough to ride over a checkpoint, short enough to report.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Schema migrations, applied in order. `PRAGMA user_version` records how many have
/// been applied. Append only: never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: objects and the meta table.
    "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value ANY NOT NULL
    ) STRICT;
    INSERT INTO meta (key, value) VALUES ('resource_version', 0);

    -- One row per stored object. `kind` is the qualified resource (jobs.batch, pods),
    -- `namespace` is '' for cluster-scoped kinds. `owner_uid` is the uid of the
    -- controller ownerReference, or for Events the involvedObject's uid, so \"the pods
    -- of this Job\" and \"the events of this object\" are one indexed query.
    CREATE TABLE objects (
        kind             TEXT NOT NULL,
        namespace        TEXT NOT NULL,
        name             TEXT NOT NULL,
        uid              TEXT NOT NULL UNIQUE,
        owner_uid        TEXT,
        resource_version INTEGER NOT NULL,
        labels           TEXT NOT NULL,
        body             TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX objects_by_owner ON objects (kind, owner_uid, namespace, name)
        WHERE owner_uid IS NOT NULL;
    ",
];

/// Creates the data directory (mode 0700) and the database file (mode 0600) when they
/// are missing, and returns the database path. The file is created before SQLite opens
/// it so that SQLite's WAL and shm files inherit the restrictive mode: the store will
/// hold Secrets.
pub fn prepare_files(data_dir: &Path) -> Result<PathBuf, StoreError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .map_err(|source| StoreError::Io {
            context: format!("creating data directory {}", data_dir.display()),
            source,
        })?;
    let path = data_dir.join(DB_FILE);
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .map_err(|source| StoreError::Io {
            context: format!("creating database file {}", path.display()),
            source,
        })?;
    Ok(path)
}

/// Opens the connection with durable settings and brings the schema up to date.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let ctx = |what: &str| format!("{what} ({})", path.display());
    let mut conn =
        Connection::open(path).map_err(|e| StoreError::sqlite(ctx("opening database"), e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| StoreError::sqlite(ctx("setting busy timeout"), e))?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|e| StoreError::sqlite(ctx("enabling WAL"), e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Io {
            context: ctx("enabling WAL"),
            source: std::io::Error::other(format!(
                "journal_mode stayed {mode}; the file system may not support WAL"
            )),
        });
    }
    // FULL: a committed transaction survives power loss, which the Job controller's
    // "write the pod's outcome before counting it" rule relies on.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| StoreError::sqlite(ctx("setting synchronous=FULL"), e))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| StoreError::sqlite(ctx("enabling foreign keys"), e))?;
    // Temporary tables and sorts in memory: the engine image (FROM scratch) has no /tmp,
    // and a full disk must not fail a read that sorts.
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(|e| StoreError::sqlite(ctx("setting temp_store=MEMORY"), e))?;
    migrate(&mut conn, MIGRATIONS).map_err(|e| match e {
        StoreError::Sqlite { context, source } => StoreError::sqlite(ctx(&context), source),
        other => other,
    })?;
    Ok(conn)
}

/// Applies the migrations not yet recorded in `user_version`, each in its own
/// transaction together with the version bump, so a crash leaves a consistent version.
fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), StoreError> {
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| StoreError::sqlite("reading schema version", e))?;
    let supported = migrations.len() as i64;
    if found > supported {
        return Err(StoreError::UnsupportedSchema { found, supported });
    }
    for (index, sql) in migrations.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let ctx = format!("migrating schema to version {version}");
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(|e| StoreError::sqlite(ctx.clone(), e))?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::sqlite(ctx.clone(), e))?;
        tx.pragma_update(None, "user_version", version)
            .map_err(|e| StoreError::sqlite(ctx.clone(), e))?;
        tx.commit().map_err(|e| StoreError::sqlite(ctx, e))?;
    }
    Ok(())
}

/// The engine id: random, created the first time a data directory is opened and kept
/// for its lifetime, so clients can tell "same engine state" from "fresh data dir".
pub fn engine_id(conn: &Connection) -> Result<String, StoreError> {
    let ctx = "reading engine id";
    let existing: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'engine_id'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| StoreError::sqlite(ctx, e))?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('engine_id', ?1)",
        [&id],
    )
    .map_err(|e| StoreError::sqlite("creating engine id", e))?;
    Ok(id)
}

/// The last resourceVersion handed out.
pub fn load_resource_version(conn: &Connection) -> Result<u64, StoreError> {
    let rv: i64 = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'resource_version'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| StoreError::sqlite("reading resourceVersion counter", e))?;
    Ok(rv.max(0) as u64)
}

/// Records the last resourceVersion handed out; called inside each write transaction.
pub fn store_resource_version(conn: &Connection, rv: u64) -> Result<(), rusqlite::Error> {
    conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'resource_version'",
        [rv as i64],
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn creates_private_dir_and_file_and_migrates() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        let path = prepare_files(&dir).unwrap();
        let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(dir_mode & 0o077, 0, "data dir mode {dir_mode:o}");
        let file_mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(file_mode & 0o077, 0, "db file mode {file_mode:o}");

        let conn = open_connection(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        let sync: i64 = conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(load_resource_version(&conn).unwrap(), 0);
        drop(conn);
        // Reopening applies nothing twice.
        let conn = open_connection(&path).unwrap();
        assert_eq!(load_resource_version(&conn).unwrap(), 0);
    }

    #[test]
    fn migrations_apply_in_order_and_only_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        let first = ["CREATE TABLE a (x INTEGER);"];
        migrate(&mut conn, &first).unwrap();
        let both = ["CREATE TABLE a (x INTEGER);", "CREATE TABLE b (y INTEGER);"];
        migrate(&mut conn, &both).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 2);
        // A newer database than this build knows is refused, not silently used.
        let err = migrate(&mut conn, &first).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::UnsupportedSchema {
                    found: 2,
                    supported: 1
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn engine_id_is_created_once() {
        let tmp = tempfile::tempdir().unwrap();
        let path = prepare_files(tmp.path()).unwrap();
        let conn = open_connection(&path).unwrap();
        let a = engine_id(&conn).unwrap();
        let b = engine_id(&conn).unwrap();
        assert_eq!(a, b);
        assert!(!a.is_empty());
    }
}
