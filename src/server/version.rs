//! `GET /version`: the engine's build as Kubernetes' `version.Info`, which `dockjob
//! version` (like `kubectl version`) prints, and which the CLI also uses as its ping.

use serde_json::{Value, json};

/// This build as Kubernetes' `version.Info` (`goVersion` names the Rust toolchain the
/// crate requires; no git data is built in, so those fields are empty as in a dev build
/// of Kubernetes).
pub fn info() -> Value {
    let version = env!("CARGO_PKG_VERSION");
    let mut parts = version.split('.');
    let major = parts.next().unwrap_or("0");
    let minor = parts.next().unwrap_or("0");
    json!({
        "major": major,
        "minor": minor,
        "gitVersion": format!("v{version}"),
        "gitCommit": "",
        "gitTreeState": "",
        "buildDate": "",
        "goVersion": format!("rust{}", env!("CARGO_PKG_RUST_VERSION")),
        "compiler": "rustc",
        "platform": platform(std::env::consts::OS, std::env::consts::ARCH),
    })
}

/// `os/arch` with Go's architecture names, as Kubernetes prints its platform.
fn platform(os: &str, arch: &str) -> String {
    let arch = match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("{os}/{arch}")
}

pub async fn version() -> axum::Json<Value> {
    axum::Json(info())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_info_shape() {
        let v = info();
        assert_eq!(v["gitVersion"], format!("v{}", env!("CARGO_PKG_VERSION")));
        assert_eq!(v["major"], "0");
        assert_eq!(v["minor"], "1");
        assert!(v["goVersion"].as_str().unwrap().starts_with("rust"));
        assert_eq!(platform("linux", "x86_64"), "linux/amd64");
        assert_eq!(platform("linux", "aarch64"), "linux/arm64");
    }
}
