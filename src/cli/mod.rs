//! The command line: one module per verb, the printers, and the client that reaches the
//! engine. Only this module prints.

pub mod apply;
pub mod client;
pub mod completion;
pub mod create;
pub mod delete;
pub mod describe;
pub mod events;
pub mod get;
#[cfg(test)]
mod help_tests;
pub mod logs;
pub mod namespaces;
pub mod portforward;
pub mod printers;
pub mod progress;
pub mod query;
pub mod resources;
pub mod run;
pub mod source;
pub mod terminal;
pub mod version;
pub mod wait;
pub mod watch;

use std::path::PathBuf;

use anyhow::bail;
use clap::{ArgAction, Parser, Subcommand};

use crate::api::kinds::Kind;
use client::{Autostart, Client};

/// An error already shown to the user; the process exits with this code.
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
pub struct Reported(pub i32);

/// dockjob runs Kubernetes batch/v1 Jobs on one Docker host.
#[derive(Debug, Parser)]
#[command(name = "dockjob", version, about, propagate_version = true)]
pub struct Cli {
    /// The engine's API socket.
    #[arg(long, global = true, env = "DOCKJOB_SOCKET")]
    pub socket: Option<PathBuf>,
    /// The engine's state directory (used by `server`, and by the CLI when it starts
    /// an engine).
    #[arg(long, global = true, env = "DOCKJOB_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Never start an engine in the background when none answers.
    #[arg(long, global = true, env = "DOCKJOB_NO_AUTOSTART", value_parser = clap::builder::BoolishValueParser::new(), action = ArgAction::SetTrue)]
    pub no_autostart: bool,
    /// The namespace to work in [default: default]. Given explicitly, `apply` refuses
    /// objects that name another namespace (as kubectl).
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the engine: store, API, controllers and Docker runtime.
    #[command(
        after_help = "Examples:\n  dockjob server\n  dockjob server --metrics-addr 127.0.0.1:9090\n  dockjob server --socket-group docker\n  dockjob server --listen 0.0.0.0:6443 --token-file token --tls-cert cert.pem --tls-key key.pem\n  dockjob server --allow-host-path /srv/data --allow-privileged\n\nOther verbs start an engine in the background when none answers (unless --no-autostart)."
    )]
    Server {
        #[command(flatten)]
        args: crate::server::flags::ServerArgs,
    },
    /// Create or update objects from files, directories or standard input.
    #[command(
        after_help = "Examples:\n  dockjob apply -f manifests/job-oneshot.yaml\n  dockjob apply -f manifests/rs-queue.yaml -f manifests/service-queue.yaml\n  cat job.yaml | dockjob apply -f -"
    )]
    Apply {
        /// A file, a directory of manifests, or - for standard input (repeatable).
        #[arg(short = 'f', long = "filename", required = true)]
        files: Vec<String>,
        /// Then wait for every applied Job to complete or fail (a progress bar on a
        /// terminal); fails when a Job failed.
        #[arg(long)]
        wait: bool,
        /// With --wait: how long to wait (30s, 5m...); no limit unless given.
        #[arg(long, requires = "wait", allow_hyphen_values = true)]
        timeout: Option<String>,
    },
    /// List objects: `get jobs [-a]`, `get pods,svc`, `get rs,svc -l chapter=jobs`, `get all`.
    #[command(
        after_help = "Examples:\n  dockjob get jobs\n  dockjob get jobs -a\n  dockjob get pods -a -l job-name=oneshot\n  dockjob get job oneshot -o yaml\n  dockjob get jobs,pods\n  dockjob get rs,svc -l chapter=jobs\n  dockjob get job/oneshot pod/oneshot-x7k2p\n  dockjob get all -A\n  dockjob get pods -l app=work-queue,component=queue -o jsonpath='{.items[0].metadata.name}'\n  dockjob get jobs -w\n  dockjob get cm -w\n  dockjob get namespaces"
    )]
    Get {
        /// The kinds (jobs, cronjobs, pods, services, replicasets, configmaps, secrets,
        /// events, all, namespaces), comma-separated, or KIND/NAME.
        resource: Option<String>,
        /// Names of objects to show.
        names: Vec<String>,
        /// Also show finished jobs and pods.
        #[arg(short = 'a', long = "all")]
        all: bool,
        /// Label selector, e.g. `chapter=jobs`.
        #[arg(short = 'l', long = "selector")]
        selector: Option<String>,
        /// Output format: wide, yaml, json, name, jsonpath=TEMPLATE, jsonpath-file=FILE,
        /// jsonpath-as-json=TEMPLATE or custom-columns=HEADER:PATH,...
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
        /// List across all namespaces.
        #[arg(short = 'A', long = "all-namespaces")]
        all_namespaces: bool,
        /// Do not print the header row.
        #[arg(long)]
        no_headers: bool,
        /// Add a LABELS column with all of each object's labels.
        #[arg(long)]
        show_labels: bool,
        /// Add a column per label key, e.g. `-L app,tier`.
        #[arg(short = 'L', long = "label-columns", value_delimiter = ',')]
        label_columns: Vec<String>,
        /// Order the objects by a field, e.g. `--sort-by=.metadata.creationTimestamp`.
        #[arg(long)]
        sort_by: Option<String>,
        /// With -o jsonpath: a missing field prints nothing instead of failing.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        allow_missing_template_keys: bool,
        /// After listing, print one more row each time an object changes, until
        /// interrupted.
        #[arg(short = 'w', long)]
        watch: bool,
        /// Like --watch, without the initial list.
        #[arg(long)]
        watch_only: bool,
        /// If the requested object does not exist the command will return exit code 0.
        #[arg(long)]
        ignore_not_found: bool,
    },
    /// Create an object from flags: `create job NAME --from=cronjob/X`.
    #[command(
        after_help = "Examples:\n  dockjob create job test-job --from=cronjob/a-cronjob\n  dockjob create job my-job --image=dockjob-test/busybox:1 -- date"
    )]
    Create {
        #[command(subcommand)]
        what: CreateCommand,
    },
    /// Wait for a condition on jobs or pods, or for their deletion.
    #[command(
        after_help = "Examples:\n  dockjob wait --for=condition=complete job/oneshot\n  dockjob wait --for=condition=failed job/flaky --timeout=5m\n  dockjob wait --for=condition=complete jobs -l app=batch\n  dockjob wait --for=delete job/oneshot --timeout=60s\n\nA job that ends the other way (waiting for complete and it failed, or the reverse)\nmakes wait fail at once with the job's reason instead of waiting for the timeout."
    )]
    Wait {
        /// KIND/NAME..., or KIND NAME...
        resources: Vec<String>,
        /// delete, or condition=NAME[=VALUE] (VALUE defaults to true; both compared
        /// case-insensitively).
        #[arg(long = "for", required = true)]
        for_: String,
        /// How long to wait: 30s, 5m, 1h...; 0 checks once, negative waits a week.
        #[arg(long, default_value = wait::DEFAULT_TIMEOUT, allow_hyphen_values = true)]
        timeout: String,
        /// Wait for every object matching this label selector.
        #[arg(short = 'l', long = "selector")]
        selector: Option<String>,
    },
    /// List events sorted by time (kubectl events), optionally for one object.
    #[command(
        after_help = "Examples:\n  dockjob events\n  dockjob events --for job/oneshot -w\n  dockjob events --types=Warning -A"
    )]
    Events {
        /// Only the events of this object, as KIND/NAME.
        #[arg(long = "for")]
        for_: Option<String>,
        /// After listing, print each new event as it arrives, until interrupted.
        #[arg(short = 'w', long)]
        watch: bool,
        /// List across all namespaces.
        #[arg(short = 'A', long = "all-namespaces")]
        all_namespaces: bool,
        /// Only events of these types (Normal, Warning), comma-separated.
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// Do not print the header row.
        #[arg(long)]
        no_headers: bool,
        /// Output format: yaml or json.
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
    },
    /// Show objects in detail, with their events.
    #[command(
        after_help = "Examples:\n  dockjob describe job oneshot\n  dockjob describe svc/queue\n  dockjob describe pods -l job-name=oneshot"
    )]
    Describe {
        /// The kinds, comma-separated, or KIND/NAME.
        resource: String,
        /// Names (or name prefixes) of objects; none describes all of them.
        names: Vec<String>,
        /// Label selector.
        #[arg(short = 'l', long = "selector")]
        selector: Option<String>,
        /// Across all namespaces.
        #[arg(short = 'A', long = "all-namespaces")]
        all_namespaces: bool,
    },
    /// Run an image as a batch/v1 Job (the seed book's `kubectl run --restart=OnFailure`).
    #[command(
        override_usage = "dockjob run NAME --image=image [--restart=OnFailure|Never] [--env=\"key=value\"] [--labels=k=v,...] [--command] [-i] -- [COMMAND] [args...]",
        after_help = "Examples:\n  dockjob run -i oneshot --image=dockjob/kuard-amd64:1 --restart=OnFailure -- --keygen-enable --keygen-exit-on-complete --keygen-num-to-gen 10\n  dockjob run hello --image=dockjob-test/busybox:1 --restart=Never --command -- sh -c 'echo hello'"
    )]
    Run {
        /// The Job's name (and its container's).
        name: Option<String>,
        /// The image for the container.
        #[arg(long)]
        image: Option<String>,
        /// The pods' restart policy: OnFailure (default) or Never.
        #[arg(long)]
        restart: Option<String>,
        /// Environment variables for the container, KEY=VALUE (repeatable).
        #[arg(long)]
        env: Vec<String>,
        /// Labels for the Job and its pods, k=v,... (default run=NAME).
        #[arg(short = 'l', long)]
        labels: Option<String>,
        /// The words after `--` are the container's command instead of its args.
        #[arg(long)]
        command: bool,
        /// Attach: stream the pod's output and exit with its exit code.
        #[arg(short = 'i', long = "stdin")]
        stdin: bool,
        /// The container's args (its command with --command), after `--`.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Print the logs for a container in a pod: `logs POD`, `logs job/NAME`, `logs -l SELECTOR`.
    #[command(
        override_usage = "dockjob logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]",
        after_help = "Examples:\n  dockjob logs job/oneshot\n  dockjob logs -f oneshot-abcde\n  dockjob logs --tail=20 oneshot-abcde\n  dockjob logs --since=1h job/oneshot\n  dockjob logs -p -c worker flaky-abcde\n  dockjob logs -l job-name=parallel --prefix\n  dockjob logs oneshot-abcde --all-containers=true"
    )]
    Logs {
        /// POD, pod/NAME or job/NAME.
        target: Option<String>,
        /// The container, inline (same as -c).
        inline_container: Option<String>,
        /// Print the logs of this container (default: the pod's first).
        #[arg(short = 'c', long)]
        container: Option<String>,
        /// Specify if the logs should be streamed.
        #[arg(short = 'f', long)]
        follow: bool,
        /// Print the logs for the previous instance of the container, if it exists.
        #[arg(short = 'p', long)]
        previous: bool,
        /// Lines of recent log to display: -1 (default) all, or 10 with a selector.
        #[arg(long, allow_hyphen_values = true)]
        tail: Option<i64>,
        /// Only logs newer than a relative duration like 5s, 2m, or 3h.
        #[arg(long)]
        since: Option<String>,
        /// Only logs after a specific date (RFC3339).
        #[arg(long)]
        since_time: Option<String>,
        /// Include timestamps on each line in the log output.
        #[arg(long)]
        timestamps: bool,
        /// Maximum bytes of logs to return. Defaults to no limit.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        limit_bytes: i64,
        /// Selector (label query) to filter on.
        #[arg(short = 'l', long = "selector")]
        selector: Option<String>,
        /// Get all containers' logs in the pod(s).
        #[arg(long, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set, default_value_t = false)]
        all_containers: bool,
        /// Prefix each log line with the log source (pod name and container name).
        #[arg(long)]
        prefix: bool,
        /// Maximum number of concurrent logs to follow when using a selector.
        #[arg(long, default_value_t = 5)]
        max_log_requests: usize,
    },
    /// Print the client and engine version information.
    #[command(
        after_help = "Examples:\n  dockjob version\n  dockjob version --client\n  dockjob version -o json"
    )]
    Version {
        /// Client version only (no engine required).
        #[arg(long)]
        client: bool,
        /// One of 'yaml' or 'json'.
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
    },
    /// Output shell completion code for bash, zsh or fish.
    #[command(
        after_help = "Examples:\n  source <(dockjob completion bash)\n  dockjob completion zsh > \"${fpath[1]}/_dockjob\"\n  dockjob completion fish | source"
    )]
    Completion {
        /// bash, zsh or fish.
        shell: String,
    },
    /// Forward one or more local ports to a pod (of a service: its targetPort).
    #[command(
        after_help = "Examples:\n  dockjob port-forward pod/mypod 8888:5000\n  dockjob port-forward svc/queue 8080:8080\n  QUEUE_POD=$(dockjob get pods -l app=work-queue,component=queue -o jsonpath='{.items[0].metadata.name}')\n  dockjob port-forward $QUEUE_POD 8080:8080\n  dockjob port-forward pod/mypod :5000\n\nRuns until interrupted (Ctrl-C), or until the pod stops."
    )]
    PortForward(PortForwardCommand),
    /// Delete objects and every container they made.
    #[command(
        after_help = "Examples:\n  dockjob delete job oneshot\n  dockjob delete -f manifests/job-oneshot.yaml\n  dockjob delete jobs -l chapter=jobs\n  dockjob delete rs,svc,job -l chapter=jobs"
    )]
    Delete {
        /// KIND[,KIND...] NAME..., KIND/NAME..., or KIND[,KIND...] with -l.
        args: Vec<String>,
        /// Delete the objects in these files.
        #[arg(short = 'f', long = "filename")]
        files: Vec<String>,
        /// Label selector.
        #[arg(short = 'l', long = "selector")]
        selector: Option<String>,
        /// Wait until the objects and their containers are gone.
        #[arg(long, default_value_t = true, action = ArgAction::Set)]
        wait: bool,
        /// How long to wait: a duration (30s, 5m...; 0 waits a week, as kubectl), or
        /// seconds.
        #[arg(long, default_value = "120s", allow_hyphen_values = true)]
        timeout: String,
        /// Treat "resource not found" as a successful delete.
        #[arg(long)]
        ignore_not_found: bool,
        /// Delete every object of the given kinds in the namespace.
        #[arg(long)]
        all: bool,
    },
}

/// `port-forward`'s arguments (kubectl's flags).
#[derive(Debug, clap::Args)]
pub struct PortForwardCommand {
    /// pod/NAME, svc/NAME (also rs/NAME, job/NAME), or a pod name.
    resource: String,
    /// `[LOCAL_PORT:]REMOTE_PORT`, one or more; `:REMOTE` picks a free local port.
    ports: Vec<String>,
    /// Addresses to listen on (comma separated): IPs, or localhost (127.0.0.1 and ::1).
    #[arg(long = "address", default_value = "localhost", value_delimiter = ',')]
    addresses: Vec<String>,
    /// How long to wait until at least one pod of a service, replicaset or job exists.
    #[arg(long, default_value = portforward::DEFAULT_POD_RUNNING_TIMEOUT)]
    pod_running_timeout: String,
}

/// What `create` makes.
#[derive(Debug, Subcommand)]
pub enum CreateCommand {
    /// Create a job with the specified name, from a CronJob's template or an image.
    #[command(
        override_usage = "dockjob create job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...]",
        after_help = "Examples:\n  # Create a job from a cron job named \"a-cronjob\"\n  dockjob create job test-job --from=cronjob/a-cronjob\n\n  # Create a job with a command\n  dockjob create job my-job --image=dockjob-test/busybox:1 -- date"
    )]
    Job {
        /// The job's name.
        name: Option<String>,
        /// The name of the resource to create a Job from (only cronjob is supported).
        #[arg(long)]
        from: Option<String>,
        /// Image name to run.
        #[arg(long)]
        image: Option<String>,
        /// Output format: yaml, json or name.
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
        /// The command to run (with --image), after `--`.
        #[arg(last = true)]
        command: Vec<String>,
    },
}

fn parse_kind(name: &str) -> anyhow::Result<Kind> {
    match Kind::from_cli(name) {
        Some(k) => Ok(k),
        None => bail!("the server doesn't have a resource type \"{name}\""),
    }
}

/// `KIND NAME...` or `KIND/NAME...` into a kind and names.
fn kind_and_names(resource: &str, names: &[String]) -> anyhow::Result<(Kind, Vec<String>)> {
    if let Some((k, n)) = resource.split_once('/') {
        let kind = parse_kind(k)?;
        let mut all = vec![n.to_string()];
        for extra in names {
            match extra.split_once('/') {
                Some((k2, n2)) if parse_kind(k2)? == kind => all.push(n2.to_string()),
                _ => bail!(
                    "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form"
                ),
            }
        }
        return Ok((kind, all));
    }
    Ok((parse_kind(resource)?, names.to_vec()))
}

/// Runs one CLI invocation (all verbs but `server`).
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let socket = cli
        .socket
        .clone()
        .unwrap_or_else(crate::engine::paths::default_socket);
    let autostart = Autostart {
        enabled: !cli.no_autostart,
        data_dir: cli.data_dir.clone(),
    };
    let explicit_namespace = cli.namespace.is_some();
    let ns = cli
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    match cli.command {
        Command::Server { .. } => bail!("`server` is run by main"),
        Command::Apply {
            files,
            wait,
            timeout,
        } => {
            // Decode everything before reaching (or starting) the engine: bad input is
            // refused even when no engine runs.
            let manifests = apply::load(&files)?;
            let wait = match (wait, timeout) {
                (false, _) => None,
                (true, None) => Some(None),
                (true, Some(t)) => Some(Some(wait::parse_timeout(&t)?)),
            };
            let client = Client::connect(&socket, &autostart).await?;
            apply::run(&client, manifests, &ns, explicit_namespace, wait).await
        }
        Command::Get {
            resource,
            names,
            all,
            selector,
            output,
            all_namespaces,
            no_headers,
            show_labels,
            label_columns,
            sort_by,
            allow_missing_template_keys,
            watch,
            watch_only,
            ignore_not_found,
        } => {
            let Some(resource) = resource else {
                return Err(get::missing_resource_type());
            };
            let mut words = vec![resource];
            words.extend(names);
            if let Some(names) = namespaces::parse_words(&words)? {
                let args = namespaces::NamespaceArgs {
                    names,
                    output,
                    no_headers,
                    labels: printers::labels::LabelColumns {
                        keys: label_columns,
                        show_labels,
                    },
                    allow_missing_template_keys,
                };
                let client = Client::connect(&socket, &autostart).await?;
                if watch || watch_only {
                    return namespaces::run_watch(&client, &args, !watch_only).await;
                }
                return namespaces::run(&client, &args).await;
            }
            let selection = resources::parse("get", &words)?;
            let args = get::GetArgs {
                selection,
                all,
                selector,
                output,
                namespace: ns,
                all_namespaces,
                no_headers,
                labels: printers::labels::LabelColumns {
                    keys: label_columns,
                    show_labels,
                },
                sort_by,
                allow_missing_template_keys,
                ignore_not_found,
            };
            // Refuse bad flags before reaching (or starting) the engine.
            get::check(&args)?;
            let client = Client::connect(&socket, &autostart).await?;
            if watch || watch_only {
                get::run_watch(&client, &args, !watch_only).await
            } else {
                get::run(&client, &args).await
            }
        }
        Command::Create {
            what:
                CreateCommand::Job {
                    name,
                    from,
                    image,
                    output,
                    command,
                },
        } => {
            let args = create::CreateJobArgs {
                name,
                from,
                image,
                command,
                output,
                namespace: ns,
            };
            // Refuse bad flags before reaching (or starting) the engine.
            create::check(&args)?;
            let client = Client::connect(&socket, &autostart).await?;
            create::run_job(&client, &args).await
        }
        Command::Wait {
            resources,
            for_,
            timeout,
            selector,
        } => {
            let Some((resource, names)) = resources.split_first() else {
                bail!("{}", resources::MISSING_RESOURCE);
            };
            let (kind, names) = kind_and_names(resource, names)?;
            if names.is_empty() && selector.is_none() {
                bail!("resource(s) were provided, but no name was specified");
            }
            let args = wait::WaitArgs {
                kind,
                names,
                selector,
                for_,
                timeout,
                namespace: ns,
            };
            // Refuse bad flags before reaching (or starting) the engine.
            wait::parse_for(&args.for_)?;
            wait::parse_timeout(&args.timeout)?;
            let client = Client::connect(&socket, &autostart).await?;
            wait::run(&client, &args).await
        }
        Command::Events {
            for_,
            watch,
            all_namespaces,
            types,
            no_headers,
            output,
        } => {
            let args = events::EventsArgs {
                for_object: for_.as_deref().map(events::parse_for).transpose()?,
                watch,
                all_namespaces,
                types: events::parse_types(&types)?,
                no_headers,
                output,
                namespace: ns,
            };
            let client = Client::connect(&socket, &autostart).await?;
            events::run(&client, &args).await
        }
        Command::Describe {
            resource,
            names,
            selector,
            all_namespaces,
        } => {
            let mut words = vec![resource];
            words.extend(names);
            let args = describe::DescribeArgs {
                selection: resources::parse("describe", &words)?,
                selector,
                namespace: ns,
                all_namespaces,
            };
            let client = Client::connect(&socket, &autostart).await?;
            describe::run(&client, &args).await
        }
        Command::Run {
            name,
            image,
            restart,
            env,
            labels,
            command,
            stdin,
            args,
        } => {
            let args = run::RunArgs {
                name,
                image,
                restart,
                env,
                labels,
                command,
                stdin,
                args,
                namespace: ns,
            };
            // Refuse bad flags before reaching (or starting) the engine.
            run::build(&args)?;
            let client = Client::connect(&socket, &autostart).await?;
            run::run(&client, &args).await
        }
        Command::Logs {
            target,
            inline_container,
            container,
            follow,
            previous,
            tail,
            since,
            since_time,
            timestamps,
            limit_bytes,
            selector,
            all_containers,
            prefix,
            max_log_requests,
        } => {
            let args = logs::LogsArgs {
                target,
                inline_container,
                container,
                follow,
                previous,
                timestamps,
                all_containers,
                prefix,
                since,
                since_time,
                tail,
                limit_bytes,
                selector,
                max_log_requests,
                namespace: ns,
            };
            // Refuse bad flags before reaching (or starting) the engine.
            let query = logs::check(&args)?;
            let client = Client::connect(&socket, &autostart).await?;
            logs::run_args(&client, &args, &query).await
        }
        Command::Version { client, output } => {
            version::run(&socket, client, output.as_deref()).await
        }
        Command::Completion { shell } => {
            print!("{}", completion::script(&shell)?);
            Ok(())
        }
        Command::PortForward(pf) => {
            let args = portforward::PortForwardArgs {
                resource: pf.resource,
                ports: pf.ports,
                addresses: pf.addresses,
                pod_running_timeout: pf.pod_running_timeout,
                namespace: ns,
            };
            let client = Client::connect(&socket, &autostart).await?;
            portforward::run(&client, &args).await
        }
        Command::Delete {
            args,
            files,
            selector,
            wait,
            timeout,
            ignore_not_found,
            all,
        } => {
            let timeout = delete::parse_timeout(&timeout)?;
            let targets = if !files.is_empty() {
                delete::Targets::Files(files)
            } else {
                let selection = resources::parse("delete", &args)?;
                let selector = delete::select_all(all, selector, &selection)?;
                delete::check(Some(&selection), selector.as_deref())?;
                match selector {
                    Some(sel) => delete::Targets::Selector(selection, sel),
                    None => delete::Targets::Names(selection),
                }
            };
            let client = Client::connect(&socket, &autostart).await?;
            delete::run(&client, targets, &ns, wait, timeout, ignore_not_found).await
        }
    }
}
