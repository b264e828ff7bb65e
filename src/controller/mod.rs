//! Controllers: each a pure `reconcile(state, now) -> Plan`, plus the work queue that
//! runs them. Nothing here touches Docker or the store; the engine executes plans.

pub mod cronjob;
pub mod endpoints;
pub mod job;
pub mod pod_template;
pub mod queue;
pub mod replicaset;
pub mod schedule;
pub mod ttl;
