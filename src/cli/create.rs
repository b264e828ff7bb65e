//! `dockjob create job NAME --from=cronjob/X` and `dockjob create job NAME --image=IMAGE
//! [-- COMMAND...]`: kubectl's `create job` (pkg/cmd/create/create_job.go), with its
//! flag checks, its messages and its `job.batch/NAME created`.
//!
//! The Job built from a CronJob is the CronJob controller's
//! [`job_from_cronjob`](crate::controller::cronjob::job_from_cronjob), so a manual run
//! and a scheduled one come from the same template code. Nothing is validated here: as
//! with kubectl, the engine's admission refuses a bad Job with the API server's words.

use anyhow::bail;
use k8s_openapi::api::batch::v1::{CronJob, Job, JobSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::client::{Client, ServerError};
use super::printers;
use crate::api::kinds::Kind;
use crate::controller::cronjob::job_from_cronjob;

/// What `create job` was asked for, as typed.
#[derive(Debug, Clone, Default)]
pub struct CreateJobArgs {
    /// NAME (absent when none was typed, so the message can be kubectl's).
    pub name: Option<String>,
    /// `--from=cronjob/X`.
    pub from: Option<String>,
    /// `--image=IMAGE`.
    pub image: Option<String>,
    /// The command after `--` (only with `--image`).
    pub command: Vec<String>,
    /// `-o`: yaml, json or name; default `job.batch/NAME created`.
    pub output: Option<String>,
    pub namespace: String,
}

/// Where the Job comes from, once the flags are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--from=cronjob/NAME`.
    CronJob(String),
    /// `--image=IMAGE [-- COMMAND...]`.
    Image { image: String, command: Vec<String> },
}

/// kubectl's `Complete` and `Validate`: the job's name and where it comes from, or
/// kubectl's message for flags that do not fit together.
pub fn check(args: &CreateJobArgs) -> anyhow::Result<(String, Source)> {
    let Some(name) = args.name.clone() else {
        bail!(
            "exactly one NAME is required, got 0\nSee 'dockjob create job -h' for help and examples"
        );
    };
    if let Some(o) = args.output.as_deref()
        && !matches!(o, "yaml" | "json" | "name")
    {
        bail!(
            "unable to match a printer suitable for the output format \"{o}\", allowed formats are: json,name,yaml"
        );
    }
    let image = args.image.as_deref().filter(|s| !s.is_empty());
    let from = args.from.as_deref().filter(|s| !s.is_empty());
    match (image, from) {
        (Some(image), None) => Ok((
            name,
            Source::Image {
                image: image.to_string(),
                command: args.command.clone(),
            },
        )),
        (None, Some(from)) => {
            if !args.command.is_empty() {
                bail!("cannot specify --from and command");
            }
            Ok((name, Source::CronJob(parse_from(from)?)))
        }
        _ => bail!("either --image or --from must be specified"),
    }
}

/// `--from=KIND/NAME` as kubectl's resource builder reads it: only a CronJob will do.
pub fn parse_from(from: &str) -> anyhow::Result<String> {
    let Some((kind, name)) = from.split_once('/') else {
        // A bare word is a resource type without a name.
        match Kind::from_cli(from) {
            Some(_) => bail!("resource(s) were provided, but no name was specified"),
            None => bail!("the server doesn't have a resource type \"{from}\""),
        }
    };
    match Kind::from_cli(kind) {
        None => bail!("the server doesn't have a resource type \"{kind}\""),
        Some(_) if name.is_empty() => {
            bail!("arguments in resource/name form must have a single resource and name")
        }
        Some(Kind::CronJob) => Ok(name.to_string()),
        // kubectl fetches the object first and then refuses its type.
        Some(other) => bail!("unknown object type *v1.{}", other.kind()),
    }
}

/// kubectl's `createJob` (`--image`): one container named after the job, never
/// restarted.
pub fn job_from_image(name: &str, image: &str, command: &[String]) -> Job {
    Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            template: PodTemplateSpec {
                metadata: None,
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: name.to_string(),
                        image: Some(image.to_string()),
                        command: (!command.is_empty()).then(|| command.to_vec()),
                        ..Container::default()
                    }],
                    restart_policy: Some("Never".into()),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        status: None,
    }
}

/// What `create` prints for the created object: `job.batch/NAME created`, or the object
/// in the `-o` format.
pub fn render_created(created: &Value, output: Option<&str>) -> anyhow::Result<String> {
    let name = created["metadata"]["name"].as_str().unwrap_or("");
    let qualified = Kind::Job.qualified();
    Ok(match output {
        None => format!("{qualified}/{name} created\n"),
        Some("name") => printers::names(&qualified, &[name.to_string()]),
        Some("json") => printers::to_json(created)?,
        Some(_) => printers::to_yaml(created)?,
    })
}

/// `dockjob create job`.
pub async fn run_job(client: &Client, args: &CreateJobArgs) -> anyhow::Result<()> {
    let (name, source) = check(args)?;
    let ns = args.namespace.as_str();
    let job = match source {
        Source::Image { image, command } => job_from_image(&name, &image, &command),
        Source::CronJob(cj_name) => {
            // A missing CronJob is the server's NotFound, printed as kubectl prints it.
            let value = client.get(&Kind::CronJob.object_path(ns, &cj_name)).await?;
            let cj: CronJob = serde_json::from_value(value)?;
            job_from_cronjob(&cj, &name)
        }
    };
    let body = serde_json::to_value(&job)?;
    let (created, warnings) = match client
        .request(
            hyper::Method::POST,
            &Kind::Job.collection_path(Some(ns)),
            Some(&body),
        )
        .await
    {
        Ok(answer) => answer,
        Err(e) => match e.downcast_ref::<ServerError>() {
            // kubectl: `fmt.Errorf("failed to create job: %v", err)`.
            Some(se) => bail!("failed to create job: {}", se.message),
            None => return Err(e),
        },
    };
    for w in &warnings {
        eprintln!("Warning: {w}");
    }
    print!("{}", render_created(&created, args.output.as_deref())?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(name: Option<&str>, from: Option<&str>, image: Option<&str>) -> CreateJobArgs {
        CreateJobArgs {
            name: name.map(str::to_string),
            from: from.map(str::to_string),
            image: image.map(str::to_string),
            namespace: "default".into(),
            ..CreateJobArgs::default()
        }
    }

    #[test]
    fn flags_are_checked_as_kubectl_does() {
        assert_eq!(
            check(&args(Some("manual"), Some("cronjob/nightly"), None)).unwrap(),
            ("manual".into(), Source::CronJob("nightly".into()))
        );
        assert_eq!(
            check(&args(Some("m"), Some("cj/nightly"), None)).unwrap().1,
            Source::CronJob("nightly".into())
        );
        let err = |a: CreateJobArgs| check(&a).unwrap_err().to_string();
        assert_eq!(
            err(args(Some("m"), None, None)),
            "either --image or --from must be specified"
        );
        assert_eq!(
            err(args(Some("m"), Some("cronjob/x"), Some("busybox"))),
            "either --image or --from must be specified"
        );
        assert!(
            err(args(None, Some("cronjob/x"), None))
                .starts_with("exactly one NAME is required, got 0")
        );
        let mut with_command = args(Some("m"), Some("cronjob/x"), None);
        with_command.command = vec!["date".into()];
        assert_eq!(err(with_command), "cannot specify --from and command");
        let mut bad_output = args(Some("m"), Some("cronjob/x"), None);
        bad_output.output = Some("wide".into());
        assert!(err(bad_output).contains("\"wide\""));
    }

    #[test]
    fn from_must_name_a_cronjob() {
        assert_eq!(parse_from("cronjobs.batch/x").unwrap(), "x");
        let err = |s: &str| parse_from(s).unwrap_err().to_string();
        assert_eq!(err("job/x"), "unknown object type *v1.Job");
        assert_eq!(
            err("widget/x"),
            "the server doesn't have a resource type \"widget\""
        );
        assert_eq!(
            err("cronjob"),
            "resource(s) were provided, but no name was specified"
        );
        assert_eq!(
            err("nightly"),
            "the server doesn't have a resource type \"nightly\""
        );
        assert_eq!(
            err("cronjob/"),
            "arguments in resource/name form must have a single resource and name"
        );
    }

    /// The object POSTed for `create job manual --from=cronjob/nightly`, as kubectl
    /// 1.32 builds it: the template's spec, labels and annotations, the `instantiate`
    /// annotation, and a controller reference without blockOwnerDeletion.
    #[test]
    fn job_from_a_cronjob_is_kubectls() {
        let cj: CronJob = serde_json::from_value(json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "nightly", "namespace": "default", "uid": "cj-uid",
                         "resourceVersion": "42", "labels": {"owner": "cj"}},
            "spec": {
                "schedule": "0 3 * * *", "concurrencyPolicy": "Forbid",
                "jobTemplate": {
                    "metadata": {"labels": {"app": "backup"},
                                 "annotations": {"team": "ops"}},
                    "spec": {"backoffLimit": 2, "template": {"spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "c", "image": "dockjob-test/busybox:1"}]}}}
                }
            },
            "status": {"lastScheduleTime": "2024-05-01T03:00:00Z"}
        }))
        .unwrap();
        let job = serde_json::to_value(job_from_cronjob(&cj, "manual")).unwrap();
        assert_eq!(
            job,
            json!({
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {
                    "name": "manual", "namespace": "default",
                    "labels": {"app": "backup"},
                    "annotations": {"cronjob.kubernetes.io/instantiate": "manual", "team": "ops"},
                    "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob",
                                         "name": "nightly", "uid": "cj-uid",
                                         "controller": true}]
                },
                "spec": {"backoffLimit": 2, "template": {"spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "dockjob-test/busybox:1"}]}}}
            })
        );
    }

    #[test]
    fn job_from_an_image() {
        let job =
            serde_json::to_value(job_from_image("hello", "busybox", &["date".into()])).unwrap();
        assert_eq!(
            job,
            json!({
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": "hello"},
                "spec": {"template": {"spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "hello", "image": "busybox", "command": ["date"]}]}}}
            })
        );
        let bare = serde_json::to_value(job_from_image("j", "i", &[])).unwrap();
        assert!(
            bare["spec"]["template"]["spec"]["containers"][0]
                .get("command")
                .is_none()
        );
    }

    #[test]
    fn what_create_prints() {
        let created = json!({"apiVersion": "batch/v1", "kind": "Job",
                             "metadata": {"name": "manual"}});
        assert_eq!(
            render_created(&created, None).unwrap(),
            "job.batch/manual created\n"
        );
        assert_eq!(
            render_created(&created, Some("name")).unwrap(),
            "job.batch/manual\n"
        );
        assert_eq!(
            render_created(&created, Some("yaml")).unwrap(),
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: manual\n"
        );
    }
}
