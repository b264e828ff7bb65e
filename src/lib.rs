//! dockjob: Kubernetes batch/v1 Jobs and CronJobs on one Docker host.
//!
//! One binary, two roles: `dockjob server` is the engine (store, API, controllers,
//! Docker runtime); every other verb is the CLI, which talks to the engine over HTTP on
//! a Unix socket. See docs/ARCHITECTURE.md for the data flow.

pub mod api;
pub mod cli;
pub mod controller;
pub mod engine;
pub mod failpoint;
pub mod metrics;
pub mod runtime;
pub mod server;
pub mod store;
