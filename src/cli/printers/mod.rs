//! The printers: everything the CLI shows about objects, as kubectl (1.32) shows it —
//! tables (`get`), `describe`, `-o yaml|json|name`, and human ages. Every function here is
//! pure: it takes objects, an injected `now` (and a time zone where kubectl prints local
//! times) and returns a `String`. Nothing here reads the clock, the network or the
//! terminal, and nothing here prints; the verbs do.

mod age;
mod config;
mod cronjobs;
pub mod custom_columns;
mod describe;
mod events;
mod jobs;
pub mod jsonpath;
pub mod labels;
mod output;
mod pods;
mod quantity;
mod replicasets;
mod selector;
mod services;
pub mod sort_by;
mod table;
pub mod tabwriter;
#[cfg(test)]
mod test_support;
mod yaml;

pub use age::{age, human_duration};
pub use config::{configmaps_table, secret_keys, secrets_table};
pub use cronjobs::cronjobs_table;
pub use describe::{
    describe_configmap, describe_cronjob, describe_job, describe_pod, describe_replicaset,
    describe_secret, describe_service,
};
pub use events::{
    event_interval, event_time, events_table, kubectl_events_table, kubectl_events_table_with,
    sort_by_event_time,
};
pub use jobs::jobs_table;
pub use output::{OutputError, list_value, names, omit_managed_fields, to_json};
pub use pods::{COLUMNS as POD_COLUMNS, PodRow, pods_table};
pub use replicasets::replicasets_table;
pub use selector::selector_string;
pub use services::services_table;
pub use table::{Row, TableOptions, align_watch, render as render_table};
pub use yaml::to_yaml;
