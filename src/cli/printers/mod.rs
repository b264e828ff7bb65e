//! The printers: everything the CLI shows about objects, as kubectl (1.32) shows it —
//! tables (`get`), `describe`, `-o yaml|json|name`, and human ages. Every function here is
//! pure: it takes objects, an injected `now` (and a time zone where kubectl prints local
//! times) and returns a `String`. Nothing here reads the clock, the network or the
//! terminal, and nothing here prints; the verbs do.

mod age;
mod cronjobs;
mod describe;
mod events;
mod jobs;
mod output;
mod pods;
mod quantity;
mod selector;
mod table;
mod tabwriter;
mod yaml;

pub use age::{age, human_duration};
pub use cronjobs::cronjobs_table;
pub use describe::{describe_cronjob, describe_job, describe_pod};
pub use events::{
    event_interval, event_time, events_table, kubectl_events_table, sort_by_event_time,
};
pub use jobs::jobs_table;
pub use output::{OutputError, list_value, names, to_json};
pub use pods::pods_table;
pub use table::TableOptions;
pub use yaml::to_yaml;
