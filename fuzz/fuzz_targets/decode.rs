//! Arbitrary bytes through the path `dockjob apply -f FILE` takes before it sends
//! anything: decoding (YAML, documents, kinds, types, the supported subset), then
//! defaults, validation and apply's size checks for every decoded object. Any panic,
//! stack overflow, hang or runaway allocation here is a bug: bad input must only ever
//! produce error messages.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(manifests) = dockjob::api::decode::decode_manifests("fuzz.yaml", data) {
        for m in &manifests {
            let _ = dockjob::cli::apply::client_side_errors(m);
            let _ = m.object.to_value();
        }
    }
});
