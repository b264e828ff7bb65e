//! Every verb's `--help` ends with kubectl-style `Examples:` taken from the seed
//! walkthrough: checked over the whole clap command tree, so a new verb without
//! examples fails here rather than in review.

use clap::CommandFactory;

use super::Cli;

/// Each subcommand (at any depth) with its path, e.g. `create job`.
fn subcommands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let path = format!("{prefix}{}", sub.get_name());
        out.push((path.clone(), sub.clone()));
        subcommands(sub, &format!("{path} "), out);
    }
}

#[test]
fn every_verb_has_examples() {
    let mut all = Vec::new();
    subcommands(&Cli::command(), "", &mut all);
    assert!(all.len() >= 12, "found only {} verbs", all.len());
    for (path, cmd) in &all {
        let help = cmd
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(
            help.starts_with("Examples:\n  "),
            "`dockjob {path} --help` has no Examples: {help:?}"
        );
        for line in help.lines().skip(1).take_while(|l| !l.is_empty()) {
            let example = line.trim_start();
            assert!(
                example.starts_with('#') || example.contains("dockjob "),
                "`dockjob {path}` example {example:?} does not run dockjob"
            );
        }
    }
}

#[test]
fn the_seed_walkthrough_commands_are_shown() {
    let help = |verb: &str| -> String {
        Cli::command()
            .find_subcommand(verb)
            .and_then(|c| c.get_after_help().map(|h| h.to_string()))
            .unwrap_or_default()
    };
    assert!(help("get").contains(
        "dockjob get pods -l app=work-queue,component=queue -o jsonpath='{.items[0].metadata.name}'"
    ));
    assert!(help("port-forward").contains("dockjob port-forward $QUEUE_POD 8080:8080"));
    assert!(help("delete").contains("dockjob delete rs,svc,job -l chapter=jobs"));
    assert!(help("run").contains(
        "dockjob run -i oneshot --image=dockjob/kuard-amd64:1 --restart=OnFailure -- --keygen-enable --keygen-exit-on-complete --keygen-num-to-gen 10"
    ));
}
