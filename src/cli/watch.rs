//! The client side of the Kubernetes watch protocol, shared by `get -w`, `events -w` and
//! `wait`: list a collection (objects and the list's resourceVersion), then follow its
//! `?watch=true` stream from that version, one `{"type":...,"object":...}` per line.
//!
//! Owns the line splitting and event decoding (pure, tested) and the list/open calls.
//! Does not decide what a change means, print anything, or retry: callers relist when
//! [`Watch::next`] ends or yields an `ERROR` event (410 Gone), which is what a
//! client-go informer does.

use std::collections::VecDeque;
use std::pin::Pin;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use serde_json::Value;

use super::client::Client;
use super::query::with_params;

/// The kind of change a watch line reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
    /// The server ended the watch with a `Status` (e.g. 410 Gone): list again.
    Error,
}

/// One decoded line of a watch stream.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    pub type_: EventType,
    pub object: Value,
}

/// A watch line that is not a Kubernetes watch event.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WatchError {
    #[error("the engine sent a watch line that is not JSON: {0}")]
    NotJson(String),
    #[error("the engine sent a watch event of unknown type {0:?}")]
    UnknownType(String),
}

/// Decodes one line of the stream.
pub fn parse_event(line: &str) -> Result<WatchEvent, WatchError> {
    let mut v: Value =
        serde_json::from_str(line).map_err(|e| WatchError::NotJson(format!("{e}: {line}")))?;
    let type_ = match v["type"].as_str() {
        Some("ADDED") => EventType::Added,
        Some("MODIFIED") => EventType::Modified,
        Some("DELETED") => EventType::Deleted,
        Some("ERROR") => EventType::Error,
        other => return Err(WatchError::UnknownType(other.unwrap_or("").to_string())),
    };
    Ok(WatchEvent {
        type_,
        object: v["object"].take(),
    })
}

/// Splits a byte stream into lines, whatever the chunk boundaries (a chunk may end in
/// the middle of a line, or even of a UTF-8 character).
#[derive(Debug, Default)]
pub struct LineBuffer {
    partial: Vec<u8>,
}

impl LineBuffer {
    /// Adds `chunk` and returns the lines it completed (without their `\n`; empty lines
    /// are dropped).
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.partial.extend_from_slice(chunk);
        let mut lines = Vec::new();
        while let Some(i) = self.partial.iter().position(|b| *b == b'\n') {
            let rest = self.partial.split_off(i + 1);
            let line = std::mem::replace(&mut self.partial, rest);
            let text = String::from_utf8_lossy(&line[..i]).trim().to_string();
            if !text.is_empty() {
                lines.push(text);
            }
        }
        lines
    }
}

type ByteStream = Pin<Box<dyn Stream<Item = anyhow::Result<Bytes>> + Send>>;

/// An open watch stream.
pub struct Watch {
    body: ByteStream,
    lines: LineBuffer,
    pending: VecDeque<String>,
}

impl Watch {
    /// Opens `collection?watch=true&...` from `resource_version` (exclusive), with the
    /// given list parameters (selectors).
    pub async fn open(
        client: &Client,
        collection: &str,
        params: &[(&str, Option<&str>)],
        resource_version: &str,
    ) -> anyhow::Result<Watch> {
        let mut all: Vec<(&str, Option<&str>)> = params.to_vec();
        all.push(("watch", Some("true")));
        all.push((
            "resourceVersion",
            Some(resource_version).filter(|s| !s.is_empty()),
        ));
        let body = client.stream(&with_params(collection, &all)).await?;
        Ok(Watch {
            body: Box::pin(body),
            lines: LineBuffer::default(),
            pending: VecDeque::new(),
        })
    }

    /// The next event; `None` when the stream ended (engine stopped or connection
    /// broke): the caller relists.
    pub async fn next(&mut self) -> Option<anyhow::Result<WatchEvent>> {
        loop {
            if let Some(line) = self.pending.pop_front() {
                return Some(parse_event(&line).map_err(Into::into));
            }
            match self.body.next().await? {
                Ok(chunk) => self.pending.extend(self.lines.push(&chunk)),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// A list answer: its items and the resourceVersion to watch from.
pub struct Listed {
    pub items: Vec<Value>,
    pub resource_version: String,
}

/// Lists `collection` with `params` (selectors).
pub async fn list(
    client: &Client,
    collection: &str,
    params: &[(&str, Option<&str>)],
) -> anyhow::Result<Listed> {
    let list = client.get(&with_params(collection, params)).await?;
    Ok(Listed {
        items: list["items"].as_array().cloned().unwrap_or_default(),
        resource_version: list["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    })
}

/// `metadata.resourceVersion` of an object ("" when absent).
pub fn resource_version(obj: &Value) -> &str {
    obj["metadata"]["resourceVersion"].as_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_survive_any_chunking() {
        let text = "{\"a\":1}\n\n{\"b\":\"é\"}\n{\"c\"";
        let bytes = text.as_bytes();
        // Split at every possible point, including inside the two-byte é.
        for cut in 0..bytes.len() {
            let mut buf = LineBuffer::default();
            let mut lines = buf.push(&bytes[..cut]);
            lines.extend(buf.push(&bytes[cut..]));
            assert_eq!(lines, vec!["{\"a\":1}", "{\"b\":\"é\"}"], "cut at {cut}");
            assert_eq!(buf.push(b":3}\n"), vec!["{\"c\":3}"]);
        }
    }

    #[test]
    fn events_decode() {
        let ev = parse_event(r#"{"type":"MODIFIED","object":{"kind":"Job"}}"#).unwrap();
        assert_eq!(ev.type_, EventType::Modified);
        assert_eq!(ev.object, json!({"kind": "Job"}));
        assert_eq!(
            parse_event(r#"{"type":"ERROR","object":{"code":410}}"#)
                .unwrap()
                .type_,
            EventType::Error
        );
        assert_eq!(
            parse_event(r#"{"type":"BOOKMARK","object":{}}"#),
            Err(WatchError::UnknownType("BOOKMARK".into()))
        );
        assert!(matches!(parse_event("nope"), Err(WatchError::NotJson(_))));
    }
}
