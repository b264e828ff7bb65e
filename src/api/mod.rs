//! The object model: Kubernetes types (k8s-openapi), the kinds dockjob serves, manifest
//! decoding, defaulting and validation, label selectors and generated names.
//!
//! Pure: nothing here touches the store, the network or Docker.

pub mod decode;
pub mod defaults;
pub mod kinds;
pub mod labels;
pub mod names;
pub mod selector;
pub mod table;
pub mod time;
pub mod validate;
