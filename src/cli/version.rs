//! `dockjob version [--client] [-o json|yaml]`: kubectl's `version`, with the engine as
//! the server. It never starts an engine: it reports what answers.

use std::path::Path;

use anyhow::bail;
use serde_json::{Value, json};

use super::Reported;
use super::client::{Autostart, Client};
use super::printers::to_yaml;

/// What `version` prints: kubectl's `Client Version:` / `Server Version:` lines, or the
/// whole `{clientVersion, serverVersion}` document as JSON or YAML.
pub fn render(
    client: &Value,
    server: Option<&Value>,
    output: Option<&str>,
) -> anyhow::Result<String> {
    match output {
        None => {
            let mut out = format!(
                "Client Version: {}\n",
                client["gitVersion"].as_str().unwrap_or("")
            );
            if let Some(s) = server {
                out.push_str(&format!(
                    "Server Version: {}\n",
                    s["gitVersion"].as_str().unwrap_or("")
                ));
            }
            Ok(out)
        }
        Some(format) => {
            let mut doc = json!({ "clientVersion": client });
            if let Some(s) = server {
                doc["serverVersion"] = s.clone();
            }
            match format {
                "json" => Ok(format!("{}\n", serde_json::to_string_pretty(&doc)?)),
                "yaml" => Ok(format!("{}\n", to_yaml(&doc)?)),
                _ => bail!("--output must be 'yaml' or 'json'"),
            }
        }
    }
}

/// kubectl's message when nothing listens, for the engine's socket.
pub fn refused(socket: &Path) -> String {
    format!(
        "The connection to the server unix://{} was refused - did you specify the right socket (--socket, DOCKJOB_SOCKET)?",
        socket.display()
    )
}

/// `dockjob version`.
pub async fn run(socket: &Path, client_only: bool, output: Option<&str>) -> anyhow::Result<()> {
    if output.is_some_and(|o| !matches!(o, "json" | "yaml")) {
        bail!("--output must be 'yaml' or 'json'");
    }
    let client_info = crate::server::version::info();
    if client_only {
        print!("{}", render(&client_info, None, output)?);
        return Ok(());
    }
    let no_autostart = Autostart {
        enabled: false,
        data_dir: None,
    };
    let server = match Client::connect(socket, &no_autostart).await {
        Ok(c) => Some(c.get("/version").await?),
        Err(_) => None,
    };
    print!("{}", render(&client_info, server.as_ref(), output)?);
    if server.is_none() {
        eprintln!("{}", refused(socket));
        return Err(Reported(1).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_documents() {
        let c = json!({"gitVersion": "v0.1.0", "major": "0"});
        let s = json!({"gitVersion": "v0.1.0", "major": "0"});
        assert_eq!(
            render(&c, Some(&s), None).unwrap(),
            "Client Version: v0.1.0\nServer Version: v0.1.0\n"
        );
        assert_eq!(render(&c, None, None).unwrap(), "Client Version: v0.1.0\n");
        assert_eq!(
            render(&c, None, Some("json")).unwrap(),
            "{\n  \"clientVersion\": {\n    \"gitVersion\": \"v0.1.0\",\n    \"major\": \"0\"\n  }\n}\n"
        );
        assert!(
            render(&c, Some(&s), Some("yaml"))
                .unwrap()
                .contains("serverVersion:\n")
        );
        assert_eq!(
            render(&c, None, Some("wide")).unwrap_err().to_string(),
            "--output must be 'yaml' or 'json'"
        );
        assert_eq!(
            refused(Path::new("/run/d.sock")),
            "The connection to the server unix:///run/d.sock was refused - did you specify the right socket (--socket, DOCKJOB_SOCKET)?"
        );
    }
}
