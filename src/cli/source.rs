//! Reading `-f FILE|DIR|-` arguments: every file's bytes with the name used in
//! messages. A directory contributes its `.yaml`, `.yml` and `.json` files in name
//! order, as kubectl does.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};

use crate::api::decode::MAX_MANIFEST_BYTES;

/// One input: its name for messages and its bytes.
pub struct Source {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads every `-f` argument; fails on the first unreadable one, before anything is
/// applied.
pub fn read_all(args: &[String]) -> anyhow::Result<Vec<Source>> {
    let mut out = Vec::new();
    for arg in args {
        if arg == "-" {
            let mut bytes = Vec::new();
            // One byte over the limit is enough to refuse it; never read a stream
            // without end into memory.
            std::io::stdin()
                .take(MAX_MANIFEST_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .context("cannot read manifests from standard input")?;
            if bytes.len() > MAX_MANIFEST_BYTES {
                bail!(
                    "<stdin>: more than the {MAX_MANIFEST_BYTES} bytes dockjob reads from one source: split the manifests into several files"
                );
            }
            out.push(Source {
                name: "<stdin>".into(),
                bytes,
            });
            continue;
        }
        let path = Path::new(arg);
        let meta = std::fs::metadata(path)
            .with_context(|| format!("the path \"{arg}\" does not exist"))?;
        if meta.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .with_context(|| format!("cannot read the directory {arg}"))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && matches!(
                            p.extension().and_then(|e| e.to_str()),
                            Some("yaml" | "yml" | "json")
                        )
                })
                .collect();
            files.sort();
            if files.is_empty() {
                bail!("error reading {arg}: recognized file extensions are [.json .yaml .yml]");
            }
            for f in files {
                let name = f.display().to_string();
                let bytes = read_file(&f, &name)?;
                out.push(Source { name, bytes });
            }
        } else {
            let bytes = read_file(path, arg)?;
            out.push(Source {
                name: arg.clone(),
                bytes,
            });
        }
    }
    Ok(out)
}

/// Reads one file, refusing one over [`MAX_MANIFEST_BYTES`] by its size before
/// reading it (a stray disk image or log must not be loaded into memory). A file that
/// grows while read is cut at the limit and refused all the same.
fn read_file(path: &Path, name: &str) -> anyhow::Result<Vec<u8>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {name}"))?;
    let size = file
        .metadata()
        .with_context(|| format!("cannot read {name}"))?
        .len();
    let too_large = || {
        anyhow::anyhow!(
            "{name}: {size} bytes is more than the {MAX_MANIFEST_BYTES} bytes dockjob reads from one source: split the manifests into several files"
        )
    };
    if size > MAX_MANIFEST_BYTES as u64 {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {name}"))?;
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_by_name_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        let f = std::fs::File::create(&path).unwrap();
        // Sparse: the size is what counts, not the bytes.
        f.set_len(MAX_MANIFEST_BYTES as u64 + 1).unwrap();
        let arg = path.display().to_string();
        let err = read_all(std::slice::from_ref(&arg))
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            err,
            format!(
                "{arg}: {} bytes is more than the {MAX_MANIFEST_BYTES} bytes dockjob reads from one source: split the manifests into several files",
                MAX_MANIFEST_BYTES + 1
            )
        );
        f.set_len(3).unwrap();
        let read = read_all(&[arg]).unwrap();
        assert_eq!(read[0].bytes, [0, 0, 0]);
    }
}
