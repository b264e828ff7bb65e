//! Durable object storage with watch: every object the engine serves (Jobs, Pods,
//! Events, ...) is kept as its Kubernetes JSON in one SQLite database (WAL,
//! synchronous=FULL) under the data directory, keyed by kind/namespace/name, with a
//! uid, a global resourceVersion and a broadcast of every committed change.
//!
//! Owns the database and the system metadata fields (uid, resourceVersion,
//! creationTimestamp, generation). Must not default, validate or interpret
//! kind-specific fields (that is `api`), and knows nothing of HTTP (that is `server`).
//!
//! Every operation is one SQLite transaction behind one mutex: a failed write leaves
//! nothing behind, and watch events go out after the commit, in resourceVersion order.
//! Methods are synchronous and fast (indexed queries on one local file); async callers
//! may call them directly.

mod deletion;
mod error;
mod object;
mod schema;
mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::broadcast;

use crate::api::kinds::Kind;
use object::NameSource;

pub use error::StoreError;
pub use schema::DB_FILE;
pub use watch::{WATCH_CAPACITY, WatchEvent, WatchType};

/// How many names a `generateName` create tries before giving up with AlreadyExists.
const GENERATE_NAME_ATTEMPTS: usize = 8;

/// A label predicate for `list`; the server passes a label selector's `matches`.
pub type LabelFilter<'a> = &'a dyn Fn(&BTreeMap<String, String>) -> bool;

/// Handle to the engine's object store. Cheap to clone; all clones share one
/// connection and one watch channel.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    events: broadcast::Sender<WatchEvent>,
    engine_id: String,
    path: PathBuf,
    /// Write transactions committed since open (each one fsync).
    commits: std::sync::atomic::AtomicU64,
}

/// What the mutex guards: the connection and the last resourceVersion committed.
struct State {
    conn: Connection,
    rv: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("engine_id", &self.inner.engine_id)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating when needed) the store in `data_dir`: the directory with mode
    /// 0700, `dockjob.db` inside it with mode 0600, the schema migrated to this build's
    /// version. Refuses a database written by a newer dockjob.
    ///
    /// Does not lock the data directory against a second engine: the engine does that.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = schema::prepare_files(data_dir)?;
        let conn = schema::open_connection(&path)?;
        let engine_id = schema::engine_id(&conn)?;
        let rv = schema::load_resource_version(&conn)?;
        let (events, _) = broadcast::channel(WATCH_CAPACITY);
        Ok(Store {
            inner: Arc::new(Inner {
                state: Mutex::new(State { conn, rv }),
                events,
                engine_id,
                path,
                commits: Default::default(),
            }),
        })
    }

    /// The random id of this data directory's engine state, created on first open and
    /// stable across restarts.
    pub fn engine_id(&self) -> String {
        self.inner.engine_id.clone()
    }

    /// The database file's path (for messages and backups).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Subscribes to every change committed from now on. See [`WatchEvent`] for what a
    /// receiver that lags must do (relist).
    pub fn watch(&self) -> broadcast::Receiver<WatchEvent> {
        self.inner.events.subscribe()
    }

    /// The resourceVersion of the last committed change (0 for an empty new store).
    /// Write transactions committed since the store was opened (each one fsync): what
    /// batching a burst of writes saves is counted here.
    pub fn commits(&self) -> u64 {
        self.inner
            .commits
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn current_resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// Runs `PRAGMA integrity_check`; true when SQLite reports `ok`.
    pub fn integrity_check(&self) -> Result<bool, StoreError> {
        let state = self.lock();
        let result: String = state
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| StoreError::sqlite("running integrity check", e))?;
        Ok(result == "ok")
    }

    /// Stores a new object and returns it as stored. The namespace defaults to
    /// "default"; the name comes from `metadata.name` or, when empty, is generated
    /// from `metadata.generateName` (retrying on collision). The store sets uid,
    /// resourceVersion, creationTimestamp, generation 1, apiVersion and kind.
    pub fn create(&self, kind: Kind, obj: Value) -> Result<Value, StoreError> {
        let now = object::now_rfc3339();
        self.write(|b| b.create(kind, obj, &now))
    }

    /// [`Store::create`] for many objects in one transaction (one fsync): all are
    /// stored or, on the first error, none. For bulk imports and benchmark fixtures,
    /// where one durable commit per object would dominate.
    pub fn create_many(&self, kind: Kind, objs: Vec<Value>) -> Result<Vec<Value>, StoreError> {
        let now = object::now_rfc3339();
        self.write(|b| {
            objs.into_iter()
                .map(|obj| b.create(kind, obj, &now))
                .collect()
        })
    }

    /// Replaces a stored object (a PUT). When `obj` carries `metadata.resourceVersion`
    /// it must be the stored one, else Conflict: the caller read a stale copy. uid and
    /// creationTimestamp keep their stored values (a different uid is Invalid);
    /// generation goes up by one when `spec` changed. An update that changes nothing is
    /// not written and sends no watch event. Returns the object as stored.
    ///
    /// Stores the whole body, status included: a status subresource's rules (status
    /// ignored on the main resource) are the server's to apply before calling.
    pub fn update(&self, kind: Kind, mut obj: Value) -> Result<Value, StoreError> {
        let name = object::name_for_update(kind, &obj)?;
        let ns = object::settle_namespace(kind, &mut obj)?;
        let expected_rv = object::meta_str(&obj, "resourceVersion")
            .filter(|rv| !rv.is_empty())
            .map(str::to_string);
        self.write(|b| {
            let old = b.read_existing(kind, &ns, &name)?;
            if let Some(expected) = expected_rv
                && object::meta_str(&old, "resourceVersion") != Some(expected.as_str())
            {
                return Err(StoreError::Conflict {
                    kind,
                    namespace: ns.clone(),
                    name: name.clone(),
                });
            }
            b.replace(kind, &ns, &name, old, obj)
        })
    }

    /// Read-modify-write in one transaction, for controllers: `f` edits the stored
    /// object in place. No Conflict is possible (nobody else writes in between); the
    /// object's name, namespace, resourceVersion and creationTimestamp are kept
    /// whatever `f` does, and the generation rule of [`Store::update`] applies. When `f`
    /// changes nothing, nothing is written and no watch event is sent. An error from
    /// `f` aborts the transaction. NotFound when the object does not exist.
    ///
    /// `f` runs with the store locked: it must be quick and must not call the store.
    pub fn update_with<E: From<StoreError>>(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut Value) -> Result<(), E>,
    ) -> Result<Value, E> {
        let ns = key_namespace(kind, ns);
        self.write(|b| {
            let old = b.read_existing(kind, ns, name)?;
            let mut new = old.clone();
            f(&mut new)?;
            Ok(b.replace(kind, ns, name, old, new)?)
        })
    }

    /// One object, or None when it does not exist.
    pub fn get(&self, kind: Kind, ns: &str, name: &str) -> Result<Option<Value>, StoreError> {
        let state = self.lock();
        read_object(&state.conn, kind, key_namespace(kind, ns), name)
    }

    /// The objects of a kind, in one namespace or all (`None`), whose labels pass
    /// `label_filter`, sorted by namespace then name (as the API server lists).
    pub fn list(
        &self,
        kind: Kind,
        ns: Option<&str>,
        label_filter: Option<LabelFilter<'_>>,
    ) -> Result<Vec<Value>, StoreError> {
        self.list_with_version(kind, ns, label_filter)
            .map(|(items, _)| items)
    }

    /// Like [`Store::list`], plus the resourceVersion the list is consistent with
    /// (Kubernetes' list `metadata.resourceVersion`): a watcher subscribed before the
    /// list skips events at or below it.
    pub fn list_with_version(
        &self,
        kind: Kind,
        ns: Option<&str>,
        label_filter: Option<LabelFilter<'_>>,
    ) -> Result<(Vec<Value>, u64), StoreError> {
        let mut items = Vec::new();
        let rv = self.scan(kind, ns, label_filter, |body| {
            items.push(parse_body(kind, body)?);
            Ok(())
        })?;
        Ok((items, rv))
    }

    /// Like [`Store::list_with_version`], but the stored JSON text of each object as it
    /// is, undecoded: a server answering a list copies the bodies into its response
    /// instead of decoding and re-encoding every object (10,000 pods are 25 MB of JSON).
    pub fn list_raw(
        &self,
        kind: Kind,
        ns: Option<&str>,
        label_filter: Option<LabelFilter<'_>>,
    ) -> Result<(Vec<String>, u64), StoreError> {
        let mut items = Vec::new();
        let rv = self.scan(kind, ns, label_filter, |body| {
            items.push(body.to_string());
            Ok(())
        })?;
        Ok((items, rv))
    }

    /// Like [`Store::list_raw`], for a cache kept per object version: `f` gets each
    /// object's uid and resourceVersion, and its stored body only when `want(uid, rv)`
    /// asks for it, so a cache hit costs no body read.
    ///
    /// Versions first, bodies after, one by one (by uid): a statement computes every
    /// column it selects at each row, so a walk that selected the body read all 24 MB
    /// of 10,000 pods' bodies to answer a Table of cached rows.
    pub fn scan_versions(
        &self,
        kind: Kind,
        ns: Option<&str>,
        label_filter: Option<LabelFilter<'_>>,
        want: impl FnMut(&str, u64) -> bool,
        f: impl FnMut(&str, u64, Option<&str>) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let ctx = || format!("listing {}", kind.resource());
        let state = self.lock();
        let mut versions = Vec::new();
        let rv = scan_rows(&state, kind, ns, label_filter, VERSION_COLUMNS, |row| {
            let uid = text_column(row, 1).map_err(|e| StoreError::sqlite(ctx(), e))?;
            let rv: i64 = row.get(2).map_err(|e| StoreError::sqlite(ctx(), e))?;
            versions.push((uid.to_string(), u64::try_from(rv).unwrap_or(0)));
            Ok(())
        })?;
        with_bodies(&state, kind, versions, want, f)?;
        Ok(rv)
    }

    /// Calls `f` with the stored body of every object of `kind` (in `ns`, or all) whose
    /// labels pass `label_filter`, in namespace-then-name order (the primary key's: no
    /// sort step); returns the resourceVersion the scan is consistent with. Labels are
    /// read from their own column, so filtered-out objects are never decoded.
    fn scan(
        &self,
        kind: Kind,
        ns: Option<&str>,
        label_filter: Option<LabelFilter<'_>>,
        mut f: impl FnMut(&str) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let ctx = || format!("listing {}", kind.resource());
        let state = self.lock();
        scan_rows(&state, kind, ns, label_filter, BODY_COLUMNS, |row| {
            // Borrowed from SQLite's row buffer: no copy unless `f` makes one.
            let body = text_column(row, 1).map_err(|e| StoreError::sqlite(ctx(), e))?;
            f(body)
        })
    }

    /// The objects of a kind filed under `owner_uid`: those whose controller
    /// ownerReference has that uid (a Job's pods), or for `Kind::Event` those whose
    /// involvedObject has it (an object's events). Sorted by namespace, name.
    pub fn list_owned(&self, kind: Kind, owner_uid: &str) -> Result<Vec<Value>, StoreError> {
        let state = self.lock();
        Ok(query_owned(&state.conn, kind, owner_uid)?
            .into_iter()
            .map(|(_, _, obj)| obj)
            .collect())
    }

    /// The objects of `kind` filed under `owner_uid` (as [`Store::list_owned`], in the
    /// same order), each as its uid and resourceVersion, with the stored body only where
    /// `want(uid, rv)` asks for it: for callers that keep decoded objects between reads
    /// (the Job controller decoded every pod of its Job on every reconcile).
    pub fn scan_owned_versions(
        &self,
        kind: Kind,
        owner_uid: &str,
        want: impl FnMut(&str, u64) -> bool,
        f: impl FnMut(&str, u64, Option<&str>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let state = self.lock();
        let ctx = || format!("listing {} owned by {owner_uid}", kind.resource());
        // Versions first, bodies after, one by one: a statement computes every column it
        // selects at each row, so selecting the body would read every body.
        let versions: Vec<(String, u64)> = {
            let mut stmt = state
                .conn
                .prepare_cached(OWNED_VERSIONS_QUERY)
                .map_err(|e| StoreError::sqlite(ctx(), e))?;
            let rows = stmt
                .query_map(params![kind.resource(), owner_uid], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })
                .map_err(|e| StoreError::sqlite(ctx(), e))?;
            rows.map(|r| r.map(|(uid, rv)| (uid, u64::try_from(rv).unwrap_or(0))))
                .collect::<Result<_, _>>()
                .map_err(|e| StoreError::sqlite(ctx(), e))?
        };
        with_bodies(&state, kind, versions, want, f)
    }

    /// Deletes one object and returns it (with the deletion's resourceVersion), or None
    /// when it did not exist.
    pub fn delete(&self, kind: Kind, ns: &str, name: &str) -> Result<Option<Value>, StoreError> {
        let ns = key_namespace(kind, ns);
        self.write(|b| {
            let Some(old) = b.read(kind, ns, name)? else {
                return Ok(None);
            };
            b.remove(kind, ns, name, old).map(Some)
        })
    }

    /// Deletes every object of a kind filed under `owner_uid` (see
    /// [`Store::list_owned`]) in one transaction and returns them, one Deleted event
    /// each.
    pub fn delete_owned(&self, kind: Kind, owner_uid: &str) -> Result<Vec<Value>, StoreError> {
        self.write(|b| {
            let owned = query_owned(b.tx, kind, owner_uid)?;
            owned
                .into_iter()
                .map(|(ns, name, obj)| b.remove(kind, &ns, &name, obj))
                .collect()
        })
    }

    /// [`Store::get`] into a typed object (k8s-openapi types).
    pub fn get_as<T: DeserializeOwned>(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
    ) -> Result<Option<T>, StoreError> {
        self.get(kind, ns, name)?
            .map(|v| from_value(kind, v))
            .transpose()
    }

    /// [`Store::list`] into typed objects.
    pub fn list_as<T: DeserializeOwned>(
        &self,
        kind: Kind,
        ns: Option<&str>,
        label_filter: Option<LabelFilter<'_>>,
    ) -> Result<Vec<T>, StoreError> {
        self.list(kind, ns, label_filter)?
            .into_iter()
            .map(|v| from_value(kind, v))
            .collect()
    }

    /// [`Store::list_owned`] into typed objects.
    pub fn list_owned_as<T: DeserializeOwned>(
        &self,
        kind: Kind,
        owner_uid: &str,
    ) -> Result<Vec<T>, StoreError> {
        self.list_owned(kind, owner_uid)?
            .into_iter()
            .map(|v| from_value(kind, v))
            .collect()
    }

    /// [`Store::create`] from and to a typed object.
    pub fn create_as<T: Serialize + DeserializeOwned>(
        &self,
        kind: Kind,
        obj: &T,
    ) -> Result<T, StoreError> {
        from_value(kind, self.create(kind, to_value(kind, obj)?)?)
    }

    /// [`Store::update`] from and to a typed object.
    pub fn update_as<T: Serialize + DeserializeOwned>(
        &self,
        kind: Kind,
        obj: &T,
    ) -> Result<T, StoreError> {
        from_value(kind, self.update(kind, to_value(kind, obj)?)?)
    }

    /// [`Store::update_with`] on a typed object. The stored JSON goes through `T`, so
    /// fields `T` does not know are dropped on write.
    pub fn update_with_as<T, E>(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut T) -> Result<(), E>,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        E: From<StoreError>,
    {
        let updated = self.update_with(kind, ns, name, |value: &mut Value| {
            let mut typed: T = from_value(kind, value.clone())?;
            f(&mut typed)?;
            *value = to_value(kind, &typed)?;
            Ok::<(), E>(())
        })?;
        Ok(from_value(kind, updated)?)
    }

    /// Locks the state. A panic in another thread while holding the lock (say, inside
    /// an `update_with` closure) rolled its transaction back and left `rv` at the last
    /// commit, so the state is still consistent and the poison can be ignored.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in one IMMEDIATE transaction; on success records the new
    /// resourceVersion counter, commits, then sends the batch's watch events in order.
    /// On any error nothing is written and nothing is sent.
    fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut guard = self.lock();
        let State { conn, rv } = &mut *guard;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| {
                StoreError::sqlite_at("starting a write transaction", &self.inner.path, e)
            })?;
        let mut batch = Batch {
            path: &self.inner.path,
            tx: &tx,
            rv: *rv,
            events: Vec::new(),
        };
        let out = f(&mut batch)?;
        let Batch {
            rv: new_rv, events, ..
        } = batch;
        if new_rv != *rv {
            schema::store_resource_version(&tx, new_rv).map_err(|e| {
                StoreError::sqlite_at("advancing the resourceVersion counter", &self.inner.path, e)
            })?;
        }
        tx.commit().map_err(|e| {
            StoreError::sqlite_at("committing a write transaction", &self.inner.path, e)
        })?;
        self.inner
            .commits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *rv = new_rv;
        // Sent while still holding the lock, so events leave in resourceVersion order.
        for event in events {
            // No receivers is not an error: nobody is watching.
            let _ = self.inner.events.send(event);
        }
        Ok(out)
    }
}

/// One write transaction in progress: allocates resourceVersions and collects the
/// watch events to send once it commits.
struct Batch<'a> {
    /// The database file, named in disk-failure errors.
    path: &'a Path,
    tx: &'a Transaction<'a>,
    rv: u64,
    events: Vec<WatchEvent>,
}

impl Batch<'_> {
    /// The body of [`Store::create`]: names, stamps and inserts one object.
    fn create(&mut self, kind: Kind, mut obj: Value, now: &str) -> Result<Value, StoreError> {
        object::set_type(kind, &mut obj)?;
        let ns = object::settle_namespace(kind, &mut obj)?;
        let name = match object::name_for_create(kind, &obj)? {
            NameSource::Given(name) => {
                if self.exists(kind, &ns, &name)? {
                    return Err(StoreError::AlreadyExists {
                        kind,
                        namespace: ns.clone(),
                        name,
                    });
                }
                name
            }
            NameSource::Generate(prefix) => self.free_generated_name(kind, &ns, &prefix)?,
        };
        // The API server assigns a Job's uid before storing it (its selector and
        // pod-template labels carry it); admission never passes a client's uid on.
        let uid = obj["metadata"]["uid"]
            .as_str()
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let rv = self.next_rv();
        object::stamp_create(kind, &mut obj, &name, &uid, rv, now)?;
        self.insert(kind, &ns, &name, &obj, rv)?;
        self.emit(kind, WatchType::Added, obj.clone(), rv);
        Ok(obj)
    }

    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn emit(&mut self, kind: Kind, type_: WatchType, object: Value, resource_version: u64) {
        self.events.push(WatchEvent {
            kind,
            type_,
            object,
            resource_version,
        });
    }

    fn read(&self, kind: Kind, ns: &str, name: &str) -> Result<Option<Value>, StoreError> {
        read_object(self.tx, kind, ns, name)
    }

    fn read_existing(&self, kind: Kind, ns: &str, name: &str) -> Result<Value, StoreError> {
        self.read(kind, ns, name)?
            .ok_or_else(|| StoreError::NotFound {
                kind,
                namespace: ns.to_string(),
                name: name.to_string(),
            })
    }

    fn exists(&self, kind: Kind, ns: &str, name: &str) -> Result<bool, StoreError> {
        self.tx
            .prepare_cached(
                "SELECT 1 FROM objects WHERE kind = ?1 AND namespace = ?2 AND name = ?3",
            )
            .and_then(|mut stmt| stmt.exists(params![kind.resource(), ns, name]))
            .map_err(|e| {
                StoreError::sqlite_at(format!("looking up {}", key(kind, ns, name)), self.path, e)
            })
    }

    /// A name from `prefix` that no object of this kind in `ns` has yet.
    fn free_generated_name(
        &self,
        kind: Kind,
        ns: &str,
        prefix: &str,
    ) -> Result<String, StoreError> {
        let mut name = String::new();
        for _ in 0..GENERATE_NAME_ATTEMPTS {
            name = object::generate_name(prefix);
            if !self.exists(kind, ns, &name)? {
                return Ok(name);
            }
        }
        Err(StoreError::AlreadyExists {
            kind,
            namespace: ns.to_string(),
            name,
        })
    }

    fn insert(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        obj: &Value,
        rv: u64,
    ) -> Result<(), StoreError> {
        let ctx = || format!("creating {}", key(kind, ns, name));
        let uid = object::meta_str(obj, "uid").unwrap_or_default();
        let labels = labels_json(obj)?;
        self.tx
            .prepare_cached(
                "INSERT INTO objects \
                 (kind, namespace, name, uid, owner_uid, resource_version, labels, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    kind.resource(),
                    ns,
                    name,
                    uid,
                    object::owner_uid(kind, obj),
                    rv as i64,
                    labels,
                    obj.to_string(),
                ])
            })
            .map_err(|e| StoreError::sqlite_at(ctx(), self.path, e))?;
        Ok(())
    }

    /// Writes `new` over the stored `old` with the update rules of
    /// `object::merge_update`; returns the stored result (`old` when nothing changed).
    fn replace(
        &mut self,
        kind: Kind,
        ns: &str,
        name: &str,
        old: Value,
        mut new: Value,
    ) -> Result<Value, StoreError> {
        if !object::merge_update(kind, &old, &mut new)? {
            return Ok(old);
        }
        let rv = self.next_rv();
        object::set_resource_version(kind, &mut new, rv)?;
        let labels = labels_json(&new)?;
        self.tx
            .prepare_cached(
                "UPDATE objects SET owner_uid = ?4, resource_version = ?5, labels = ?6, \
                 body = ?7 WHERE kind = ?1 AND namespace = ?2 AND name = ?3",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    kind.resource(),
                    ns,
                    name,
                    object::owner_uid(kind, &new),
                    rv as i64,
                    labels,
                    new.to_string(),
                ])
            })
            .map_err(|e| {
                StoreError::sqlite_at(format!("updating {}", key(kind, ns, name)), self.path, e)
            })?;
        self.emit(kind, WatchType::Modified, new.clone(), rv);
        Ok(new)
    }

    /// Deletes the row of `old` and returns it stamped with the deletion's
    /// resourceVersion.
    fn remove(
        &mut self,
        kind: Kind,
        ns: &str,
        name: &str,
        mut old: Value,
    ) -> Result<Value, StoreError> {
        self.tx
            .prepare_cached("DELETE FROM objects WHERE kind = ?1 AND namespace = ?2 AND name = ?3")
            .and_then(|mut stmt| stmt.execute(params![kind.resource(), ns, name]))
            .map_err(|e| {
                StoreError::sqlite_at(format!("deleting {}", key(kind, ns, name)), self.path, e)
            })?;
        let rv = self.next_rv();
        object::set_resource_version(kind, &mut old, rv)?;
        self.emit(kind, WatchType::Deleted, old.clone(), rv);
        Ok(old)
    }
}

/// The namespace column for a key: '' for cluster-scoped kinds whatever the caller said.
fn key_namespace(kind: Kind, ns: &str) -> &str {
    if object::namespaced(kind) { ns } else { "" }
}

/// `jobs.batch default/x`, for error contexts.
fn key(kind: Kind, ns: &str, name: &str) -> String {
    format!("{} {ns}/{name}", kind.resource())
}

fn read_object(
    conn: &Connection,
    kind: Kind,
    ns: &str,
    name: &str,
) -> Result<Option<Value>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM objects WHERE kind = ?1 AND namespace = ?2 AND name = ?3")
        .and_then(|mut stmt| {
            stmt.query_row(params![kind.resource(), ns, name], |r| r.get(0))
                .optional()
        })
        .map_err(|e| StoreError::sqlite(format!("reading {}", key(kind, ns, name)), e))?;
    body.map(|b| parse_body(kind, &b)).transpose()
}

/// (namespace, name, object) of every object of `kind` filed under `owner_uid`.
/// The objects of a kind under one owner, through the owner index.
///
/// INDEXED BY: without statistics SQLite prefers the primary key for the ORDER BY and
/// scanned every object of the kind (each Job's reconcile read all 10,000 pods of the
/// scale benchmark: 40 s of start-up CPU with 1,000 Jobs).
const OWNED_QUERY: &str = "SELECT namespace, name, body FROM objects INDEXED BY objects_by_owner \
     WHERE kind = ?1 AND owner_uid = ?2 ORDER BY namespace, name";

/// The columns [`Store::scan`] walks (labels first: [`scan_rows`] filters on them).
const BODY_COLUMNS: &str = "labels, body";
/// The columns [`Store::scan_versions`] walks.
const VERSION_COLUMNS: &str = "labels, uid, resource_version";

/// The walk of [`Store::scan`] and [`Store::scan_versions`]: `f` gets each row of
/// `SELECT {columns}` (column 0 is `labels`) of `kind` in `ns` (or all) whose labels pass
/// `label_filter`, in namespace-then-name order; returns the store's resourceVersion.
fn scan_rows(
    state: &State,
    kind: Kind,
    ns: Option<&str>,
    label_filter: Option<LabelFilter<'_>>,
    columns: &str,
    mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let ctx = || format!("listing {}", kind.resource());
    let resource = kind.resource();
    let mut stmt;
    let mut rows = match ns {
        Some(ns) => {
            stmt = state
                .conn
                .prepare_cached(&format!(
                    "SELECT {columns} FROM objects \
                     WHERE kind = ?1 AND namespace = ?2 ORDER BY namespace, name"
                ))
                .map_err(|e| StoreError::sqlite(ctx(), e))?;
            stmt.query(params![resource, key_namespace(kind, ns)])
        }
        None => {
            stmt = state
                .conn
                .prepare_cached(&format!(
                    "SELECT {columns} FROM objects WHERE kind = ?1 ORDER BY namespace, name"
                ))
                .map_err(|e| StoreError::sqlite(ctx(), e))?;
            stmt.query(params![resource])
        }
    }
    .map_err(|e| StoreError::sqlite(ctx(), e))?;
    while let Some(row) = rows.next().map_err(|e| StoreError::sqlite(ctx(), e))? {
        if let Some(filter) = label_filter {
            let labels = text_column(row, 0).map_err(|e| StoreError::sqlite(ctx(), e))?;
            let labels: BTreeMap<String, String> =
                serde_json::from_str(labels).map_err(|source| StoreError::Json {
                    context: format!("stored labels of a {} are not valid", resource),
                    source,
                })?;
            if !filter(&labels) {
                continue;
            }
        }
        f(row)?;
    }
    Ok(state.rv)
}

/// The second half of a version walk: `f` gets each (uid, resourceVersion) of
/// `versions` in order, with its stored body read (by uid) only where `want` asks; an
/// object gone meanwhile is skipped.
fn with_bodies(
    state: &State,
    kind: Kind,
    versions: Vec<(String, u64)>,
    mut want: impl FnMut(&str, u64) -> bool,
    mut f: impl FnMut(&str, u64, Option<&str>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let ctx = || format!("reading {}", kind.resource());
    let mut stmt = state
        .conn
        .prepare_cached("SELECT body FROM objects WHERE uid = ?1")
        .map_err(|e| StoreError::sqlite(ctx(), e))?;
    for (uid, rv) in versions {
        if !want(&uid, rv) {
            f(&uid, rv, None)?;
            continue;
        }
        let mut rows = stmt
            .query(params![uid])
            .map_err(|e| StoreError::sqlite(ctx(), e))?;
        if let Some(row) = rows.next().map_err(|e| StoreError::sqlite(ctx(), e))? {
            let body = text_column(row, 0).map_err(|e| StoreError::sqlite(ctx(), e))?;
            f(&uid, rv, Some(body))?;
        }
    }
    Ok(())
}

/// [`OWNED_QUERY`] for [`Store::scan_owned_versions`].
const OWNED_VERSIONS_QUERY: &str = "SELECT uid, resource_version FROM objects \
     INDEXED BY objects_by_owner WHERE kind = ?1 AND owner_uid = ?2 ORDER BY namespace, name";

fn query_owned(
    conn: &Connection,
    kind: Kind,
    owner_uid: &str,
) -> Result<Vec<(String, String, Value)>, StoreError> {
    let ctx = || format!("listing {} owned by {owner_uid}", kind.resource());
    let mut stmt = conn
        .prepare_cached(OWNED_QUERY)
        .map_err(|e| StoreError::sqlite(ctx(), e))?;
    let rows = stmt
        .query_map(params![kind.resource(), owner_uid], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(|e| StoreError::sqlite(ctx(), e))?;
    let mut out = Vec::new();
    for row in rows {
        let (ns, name, body) = row.map_err(|e| StoreError::sqlite(ctx(), e))?;
        out.push((ns, name, parse_body(kind, &body)?));
    }
    Ok(out)
}

/// Column `i` of `row` as text borrowed from the row (TEXT columns: STRICT table).
fn text_column<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(i)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn labels_json(obj: &Value) -> Result<String, StoreError> {
    serde_json::to_string(&object::labels(obj)).map_err(|source| StoreError::Json {
        context: "encoding labels".into(),
        source,
    })
}

fn parse_body(kind: Kind, body: &str) -> Result<Value, StoreError> {
    serde_json::from_str(body).map_err(|source| StoreError::Json {
        context: format!("a stored {} is not valid JSON", kind.resource()),
        source,
    })
}

fn from_value<T: DeserializeOwned>(kind: Kind, value: Value) -> Result<T, StoreError> {
    let name = object::meta_str(&value, "name")
        .unwrap_or_default()
        .to_string();
    serde_json::from_value(value).map_err(|source| StoreError::Json {
        context: format!("decoding {} \"{name}\"", kind.resource()),
        source,
    })
}

fn to_value<T: Serialize>(kind: Kind, obj: &T) -> Result<Value, StoreError> {
    serde_json::to_value(obj).map_err(|source| StoreError::Json {
        context: format!("encoding a {}", kind.resource()),
        source,
    })
}

#[cfg(test)]
mod tests;
