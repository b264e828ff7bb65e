//! Reading `-f FILE|DIR|-` arguments: every file's bytes with the name used in
//! messages. A directory contributes its `.yaml`, `.yml` and `.json` files in name
//! order, as kubectl does.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};

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
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read manifests from standard input")?;
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
                let bytes =
                    std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?;
                out.push(Source {
                    name: f.display().to_string(),
                    bytes,
                });
            }
        } else {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {arg}"))?;
            out.push(Source {
                name: arg.clone(),
                bytes,
            });
        }
    }
    Ok(out)
}
