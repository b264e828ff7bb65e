//! `dockjob completion bash|zsh|fish`: shell completion scripts generated from the CLI's
//! own clap definition, so they never drift from the verbs and flags.

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

/// The shells kubectl's `completion` offers that clap_complete can write.
pub const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// The completion script for `shell`, or kubectl's error for an unknown shell.
pub fn script(shell: &str) -> anyhow::Result<String> {
    let shell = match shell {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        other => anyhow::bail!(
            "Unsupported shell type \"{other}\".\nSee 'dockjob completion -h' for help and examples"
        ),
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dockjob", &mut out);
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_verbs() {
        for shell in SHELLS {
            let s = script(shell).unwrap();
            assert!(s.contains("dockjob"), "{shell}");
            for verb in ["apply", "get", "port-forward", "completion"] {
                assert!(s.contains(verb), "{shell} lacks {verb}");
            }
        }
        assert!(script("bash").unwrap().contains("_dockjob()"));
    }

    #[test]
    fn unknown_shells_are_refused_as_kubectl_does() {
        let err = script("tcsh").unwrap_err().to_string();
        assert!(err.starts_with("Unsupported shell type \"tcsh\"."), "{err}");
    }
}
