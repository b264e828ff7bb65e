//! Controllers: each a pure `reconcile(state, now) -> Plan`, plus the work queue that
//! runs them. Nothing here touches Docker or the store; the engine executes plans.

pub mod cronjob;
pub mod job;
pub mod queue;
pub mod schedule;
pub mod ttl;
