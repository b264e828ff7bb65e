//! The CLI's connection to the engine: HTTP/1.1 over the engine's Unix socket, with
//! Kubernetes `Status` errors turned into kubectl's messages, and the background start
//! of an engine when none answers.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::UnixStream;

/// An error answered by the engine, as kubectl words it:
/// `Error from server (NotFound): jobs.batch "x" not found`; an `Invalid` answer with
/// its causes as kubectl's `StandardErrorMessage` prints it: `The Job "x" is invalid: ...`
/// (see [`invalid_text`]; the API server's own message never starts with `The `).
#[derive(Debug, thiserror::Error)]
pub struct ServerError {
    pub code: u16,
    pub reason: String,
    pub message: String,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.reason == "Invalid" && self.message.starts_with("The ") {
            return f.write_str(&self.message);
        }
        write!(f, "Error from server ({}): {}", self.reason, self.message)
    }
}

/// kubectl's text for a 422 whose details name the kind and carry causes: `The Job "x"
/// is invalid: <field>: <message>` for one cause, else the header and one `* ` line
/// per cause (`MultilineError`); None when the details do not allow it.
fn invalid_text(details: &Value) -> Option<String> {
    let kind = details["kind"].as_str().filter(|k| !k.is_empty())?;
    let name = details["name"].as_str().unwrap_or("");
    let causes: Vec<String> = details["causes"]
        .as_array()?
        .iter()
        .map(|c| {
            let message = c["message"].as_str().unwrap_or("");
            match c["field"].as_str().filter(|f| !f.is_empty()) {
                Some(field) => format!("{field}: {message}"),
                None => message.to_string(),
            }
        })
        .collect();
    let head = format!("The {kind} {name:?} is invalid: ");
    match causes.as_slice() {
        [] => None,
        [one] => Some(format!("{head}{one}")),
        many => Some(format!("{head}\n* {}", many.join("\n* "))),
    }
}

/// A connection target: the engine's socket.
#[derive(Debug, Clone)]
pub struct Client {
    socket: PathBuf,
}

/// How to start an engine when none answers.
#[derive(Debug, Clone)]
pub struct Autostart {
    pub enabled: bool,
    pub data_dir: Option<PathBuf>,
}

impl Client {
    /// Connects to the engine at `socket`, starting one in the background first when
    /// nothing answers and `autostart.enabled`.
    pub async fn connect(socket: &Path, autostart: &Autostart) -> anyhow::Result<Client> {
        let client = Client {
            socket: socket.to_path_buf(),
        };
        if client.ping().await.is_ok() {
            return Ok(client);
        }
        if !autostart.enabled {
            bail!(
                "no dockjob engine answers on {}; start one with `dockjob server` (or drop --no-autostart / DOCKJOB_NO_AUTOSTART to let the CLI start it)",
                socket.display()
            );
        }
        start_engine(socket, autostart.data_dir.as_deref()).await?;
        Ok(client)
    }

    async fn ping(&self) -> anyhow::Result<()> {
        let resp = self.send(Method::GET, "/version", None).await?;
        if resp.status().is_success() {
            Ok(())
        } else {
            bail!("engine answered {}", resp.status())
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> anyhow::Result<Response<Incoming>> {
        self.send_accept(method, path, body, None).await
    }

    async fn send_accept(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        accept: Option<&str>,
    ) -> anyhow::Result<Response<Incoming>> {
        let stream = UnixStream::connect(&self.socket).await.with_context(|| {
            format!(
                "cannot reach the dockjob engine on {}",
                self.socket.display()
            )
        })?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake with the engine failed")?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "dockjob");
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        if let Some(accept) = accept {
            req = req.header("accept", accept);
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .context("building request")?;
        sender
            .send_request(req)
            .await
            .with_context(|| format!("request to the engine failed: {path}"))
    }

    /// Sends a request and returns the JSON answer, or the server's error.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(Value, Vec<String>)> {
        self.request_accept(method, path, body, None).await
    }

    async fn request_accept(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        accept: Option<&str>,
    ) -> anyhow::Result<(Value, Vec<String>)> {
        let body = body.map(|b| b.to_string().into_bytes());
        let resp = self.send_accept(method, path, body, accept).await?;
        let warnings = warnings(&resp);
        let bytes = answer(resp).await?;
        let value = serde_json::from_slice(&bytes).context("the engine's answer is not JSON")?;
        Ok((value, warnings))
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self.request(Method::GET, path, None).await?.0)
    }

    /// A GET with an Accept header (content negotiation, e.g. kubectl's Table): the media
    /// type the server chose (its Content-Type) and the body, not decoded yet, so that
    /// the caller decodes a large answer once, straight into the type it names.
    pub async fn get_negotiated(
        &self,
        path: &str,
        accept: &str,
    ) -> anyhow::Result<(String, Bytes)> {
        let resp = self
            .send_accept(Method::GET, path, None, Some(accept))
            .await?;
        let media = resp
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        Ok((media, answer(resp).await?))
    }

    /// Like `get`, but a 404 is `None`.
    pub async fn get_opt(&self, path: &str) -> anyhow::Result<Option<Value>> {
        match self.get(path).await {
            Ok(v) => Ok(Some(v)),
            Err(e) => match e.downcast_ref::<ServerError>() {
                Some(se) if se.code == 404 => Ok(None),
                _ => Err(e),
            },
        }
    }

    /// A streaming GET (logs, watch): the body's chunks as they arrive.
    pub async fn stream(
        &self,
        path: &str,
    ) -> anyhow::Result<impl Stream<Item = anyhow::Result<Bytes>> + use<>> {
        let resp = self.send(Method::GET, path, None).await?;
        let status = resp.status();
        if !status.is_success() {
            let bytes = resp.into_body().collect().await?.to_bytes();
            return Err(server_error(status, &bytes).into());
        }
        let body = resp.into_body();
        Ok(
            http_body_util::BodyStream::new(body).filter_map(|frame| async move {
                match frame {
                    Ok(f) => f.into_data().ok().map(Ok),
                    Err(e) => Some(Err(anyhow!("stream from the engine broke: {e}"))),
                }
            }),
        )
    }
}

/// A response's whole body, or the server's error for a status other than success.
async fn answer(resp: Response<Incoming>) -> anyhow::Result<Bytes> {
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .context("reading the engine's answer")?
        .to_bytes();
    if !status.is_success() {
        return Err(server_error(status, &bytes).into());
    }
    Ok(bytes)
}

fn warnings(resp: &Response<Incoming>) -> Vec<String> {
    resp.headers()
        .get_all("warning")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| {
            // `299 - "text"`
            let text = v.splitn(3, ' ').nth(2).unwrap_or(v);
            text.trim_matches('"').to_string()
        })
        .collect()
}

fn server_error(status: StatusCode, body: &[u8]) -> ServerError {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if v["reason"] == "Invalid"
        && let Some(text) = invalid_text(&v["details"])
    {
        return ServerError {
            code: status.as_u16(),
            reason: "Invalid".to_string(),
            message: text,
        };
    }
    ServerError {
        code: status.as_u16(),
        reason: v["reason"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("Unknown").to_string()),
        message: v["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string()),
    }
}

/// Starts `dockjob server` detached, tells the user in one line, and waits until it
/// answers. If it exits first (Docker unreachable, data dir held), its own message is
/// shown instead of a timeout.
async fn start_engine(socket: &Path, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find the dockjob executable")?;
    let data_dir = data_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(crate::engine::paths::default_data_dir);
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
    let log_path = data_dir.join("engine.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("server")
        .arg("--socket")
        .arg(socket)
        .arg("--data-dir")
        .arg(&data_dir)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().context("cannot start the dockjob engine")?;
    eprintln!(
        "dockjob: no engine was running; started one in the background (pid {}, log {})",
        child.id(),
        log_path.display()
    );
    let client = Client {
        socket: socket.to_path_buf(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if client.ping().await.is_ok() {
            // The engine lives on after this CLI exits (own process group).
            drop(child);
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            let text = std::fs::read(&log_path).unwrap_or_default();
            let tail = String::from_utf8_lossy(&text[(log_start as usize).min(text.len())..])
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_string();
            bail!("the dockjob engine exited ({status}): {tail}");
        }
        if Instant::now() > deadline {
            bail!(
                "the dockjob engine did not answer on {} within 30 s; see {}",
                socket.display(),
                log_path.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn invalid_answers_print_as_kubectl_prints_them() {
        let body = json!({
            "kind": "Status", "reason": "Invalid", "code": 422,
            "message": "Job.batch \"x\" is invalid: spec.template: Invalid value: ...: field is immutable",
            "details": {"name": "x", "group": "batch", "kind": "Job", "causes": [
                {"reason": "FieldValueInvalid", "field": "spec.template",
                 "message": "Invalid value: \"...\": field is immutable"}
            ]}
        });
        let err = server_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            body.to_string().as_bytes(),
        );
        assert_eq!(
            err.to_string(),
            "The Job \"x\" is invalid: spec.template: Invalid value: \"...\": field is immutable"
        );
        let mut two = body.clone();
        two["details"]["causes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"field": "spec.parallelism", "message": "Invalid value: -1: must be greater than or equal to 0"}));
        let err = server_error(StatusCode::UNPROCESSABLE_ENTITY, two.to_string().as_bytes());
        assert_eq!(
            err.to_string(),
            "The Job \"x\" is invalid: \n* spec.template: Invalid value: \"...\": field is immutable\n* spec.parallelism: Invalid value: -1: must be greater than or equal to 0"
        );
        // Without causes: the server's message, as kubectl's generic path prints it.
        let mut none = body.clone();
        none["details"]["causes"] = json!([]);
        let err = server_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            none.to_string().as_bytes(),
        );
        assert_eq!(
            err.to_string(),
            "Error from server (Invalid): Job.batch \"x\" is invalid: spec.template: Invalid value: ...: field is immutable"
        );
        // Other reasons are untouched.
        let nf = json!({"reason": "NotFound", "message": "jobs.batch \"x\" not found"});
        let err = server_error(StatusCode::NOT_FOUND, nf.to_string().as_bytes());
        assert_eq!(
            err.to_string(),
            "Error from server (NotFound): jobs.batch \"x\" not found"
        );
    }
}
