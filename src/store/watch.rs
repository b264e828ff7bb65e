//! The change notifications the store fans out after each committed write.
//!
//! A watch is a hint that wakes controllers and feeds `?watch=true` streams; it is not
//! a log. The store keeps no history, so a receiver that falls behind cannot catch up
//! from the channel (see [`WatchEvent`]).

use serde_json::Value;

use crate::api::kinds::Kind;

/// How many events the broadcast channel buffers per receiver before the slowest one
/// starts losing them (it then sees `RecvError::Lagged`).
pub const WATCH_CAPACITY: usize = 4096;

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WatchType {
    Added,
    Modified,
    Deleted,
}

impl WatchType {
    /// The `type` of a Kubernetes watch event (`ADDED`, `MODIFIED`, `DELETED`).
    pub fn as_str(self) -> &'static str {
        match self {
            WatchType::Added => "ADDED",
            WatchType::Modified => "MODIFIED",
            WatchType::Deleted => "DELETED",
        }
    }
}

/// One committed change. Events are sent after the transaction commits, in
/// resourceVersion order, one per changed object.
///
/// A receiver that gets `tokio::sync::broadcast::error::RecvError::Lagged` has lost
/// events and must relist: call `Store::list_with_version` (or `list`) and treat the
/// result as the whole truth, then keep receiving and ignore events whose
/// `resource_version` is not greater than the list's version. The same applies to a
/// receiver created after a list: subscribe first, then list, then skip stale events.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchEvent {
    pub kind: Kind,
    pub type_: WatchType,
    /// The object after the change; for Deleted, the last stored state with the
    /// deletion's resourceVersion.
    pub object: Value,
    /// The resourceVersion of this change (also in `object.metadata.resourceVersion`).
    pub resource_version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_spelled_as_kubernetes_spells_them() {
        assert_eq!(WatchType::Added.as_str(), "ADDED");
        assert_eq!(WatchType::Modified.as_str(), "MODIFIED");
        assert_eq!(WatchType::Deleted.as_str(), "DELETED");
    }
}
