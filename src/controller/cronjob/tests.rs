//! Table-style tests of the CronJob controller with an injected clock, including the
//! single-host cases of Kubernetes' test/e2e/apps/cronjob.go.

use super::*;
use k8s_openapi::api::batch::v1::{JobCondition, JobSpec, JobStatus, JobTemplateSpec};

/// 2026-03-01T10:00:00Z, a whole minute.
const BASE: i64 = 1_772_359_200;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(BASE + secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn tm(mins: i64) -> Timestamp {
    t(mins * 60)
}

fn at_ms(secs: i64, ms: i64) -> Timestamp {
    Timestamp::from_millisecond((BASE + secs) * 1000 + ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn cronjob(schedule: &str, policy: &str) -> CronJob {
    let mut spec = CronJobSpec {
        schedule: schedule.into(),
        concurrency_policy: Some(policy.into()),
        job_template: JobTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(BTreeMap::from([("app".to_string(), "report".to_string())])),
                annotations: Some(BTreeMap::from([("team".to_string(), "ops".to_string())])),
                ..ObjectMeta::default()
            }),
            spec: Some(JobSpec {
                backoff_limit: Some(1),
                ..JobSpec::default()
            }),
        },
        ..CronJobSpec::default()
    };
    apply_defaults(&mut spec);
    CronJob {
        metadata: ObjectMeta {
            name: Some("report".into()),
            namespace: Some("default".into()),
            uid: Some("cj-uid".into()),
            creation_timestamp: Some(Time(t(-30))),
            ..ObjectMeta::default()
        },
        spec,
        status: None,
    }
}

fn with_status(mut cj: CronJob, last: Option<Timestamp>, active: &[&Job]) -> CronJob {
    cj.status = Some(CronJobStatus {
        active: (!active.is_empty()).then(|| active.iter().map(|j| job_reference(j)).collect()),
        last_schedule_time: last.map(Time),
        last_successful_time: None,
    });
    cj
}

/// A Job the controller made for the schedule time `minute`.
fn job(minute: i64, state: Option<(&str, i64)>) -> Job {
    let scheduled = tm(minute);
    let name = format!("report-{}", scheduled.as_second() / 60);
    Job {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some("default".into()),
            uid: Some(format!("uid-{name}")),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: "report".into(),
                uid: "cj-uid".into(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec::default()),
        status: Some(JobStatus {
            start_time: Some(Time(scheduled)),
            completion_time: state.filter(|(c, _)| *c == "Complete").map(|(_, secs)| {
                Time(
                    scheduled
                        .checked_add(SignedDuration::from_secs(secs))
                        .unwrap_or(scheduled),
                )
            }),
            conditions: state.map(|(c, _)| {
                vec![JobCondition {
                    type_: c.into(),
                    status: "True".into(),
                    ..JobCondition::default()
                }]
            }),
            ..JobStatus::default()
        }),
    }
}

fn run(cj: &CronJob, jobs: &[Job], now: Timestamp) -> CronJobPlan {
    reconcile_with_local(cj, jobs, now, &TimeZone::UTC)
}

fn reasons(plan: &CronJobPlan) -> Vec<&str> {
    plan.events.iter().map(|e| e.reason.as_str()).collect()
}

fn created_name(plan: &CronJobPlan) -> Option<&str> {
    plan.create
        .as_ref()
        .and_then(|c| c.job.metadata.name.as_deref())
}

fn active_names(status: &CronJobStatus) -> Vec<&str> {
    status
        .active
        .iter()
        .flatten()
        .filter_map(|r| r.name.as_deref())
        .collect()
}

fn ms(d: Option<Duration>) -> Option<u128> {
    d.map(|d| d.as_millis())
}

/// The engine's side: create what the plan asks, with a uid, and fold the outcome in.
fn created(plan: &mut CronJobPlan, cj: &CronJob) -> Job {
    let mut job = plan
        .create
        .as_ref()
        .map(|c| c.job.clone())
        .unwrap_or_else(|| panic!("nothing to create"));
    job.metadata.uid = Some(format!(
        "uid-{}",
        job.metadata.name.clone().unwrap_or_default()
    ));
    plan.record_create(cj, CreateOutcome::Created(&job));
    job
}

#[test]
fn job_name_is_the_schedule_time_in_minutes() {
    let cj = cronjob("* * * * *", "Allow");
    assert_eq!(job_name(&cj, tm(1)), "report-29539321");
    assert_eq!(job_name(&cj, t(61)), "report-29539321");
}

#[test]
fn first_schedule_creates_the_job_and_requeues_for_the_next() {
    let cj = cronjob("*/1 * * * ?", "Allow");
    // Created at 09:59:30; at 09:59:50 nothing is due: sleep until 10:00 plus 100 ms.
    let plan = run(&cj, &[], t(-10));
    assert_eq!(plan.create, None);
    assert_eq!(ms(plan.requeue_after), Some(10_100));
    assert!(plan.events.is_empty());

    // 10:01:00.250: the job for 10:01.
    let mut plan = run(&cj, &[], at_ms(60, 250));
    let creation = plan.create.clone().unwrap_or_else(|| panic!("no job"));
    assert_eq!(creation.scheduled_time, tm(1));
    let job = &creation.job;
    assert_eq!(job.metadata.name.as_deref(), Some("report-29539321"));
    assert_eq!(job.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(
        job.metadata.labels,
        Some(BTreeMap::from([("app".to_string(), "report".to_string())]))
    );
    assert_eq!(
        job.metadata.annotations,
        Some(BTreeMap::from([
            (
                SCHEDULED_TIMESTAMP_ANNOTATION.to_string(),
                "2026-03-01T10:01:00Z".to_string()
            ),
            ("team".to_string(), "ops".to_string()),
        ]))
    );
    assert_eq!(
        job.metadata.owner_references,
        Some(vec![OwnerReference {
            api_version: "batch/v1".into(),
            kind: "CronJob".into(),
            name: "report".into(),
            uid: "cj-uid".into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }])
    );
    assert_eq!(job.spec.as_ref().and_then(|s| s.backoff_limit), Some(1));
    assert_eq!(ms(plan.requeue_after), Some(59_850));
    assert!(plan.events.is_empty());

    let job = created(&mut plan, &cj);
    assert_eq!(reasons(&plan), ["SuccessfulCreate"]);
    assert_eq!(plan.events[0].message, "Created job report-29539321");
    assert_eq!(plan.status.last_schedule_time, Some(Time(tm(1))));
    assert_eq!(plan.status.active, Some(vec![job_reference(&job)]));
    assert_eq!(
        plan.status
            .active
            .as_ref()
            .and_then(|a| a[0].uid.as_deref()),
        Some("uid-report-29539321")
    );
}

#[test]
fn a_processed_time_is_not_run_again() {
    let running = job(1, None);
    let cj = with_status(cronjob("* * * * *", "Allow"), Some(tm(1)), &[&running]);
    let plan = run(&cj, std::slice::from_ref(&running), t(75));
    assert_eq!(plan.create, None);
    assert!(plan.events.is_empty());
    assert_eq!(ms(plan.requeue_after), Some(45_100));
    // The same with only the active entry carrying the name (status write raced).
    let mut cj2 = cj.clone();
    if let Some(s) = cj2.status.as_mut() {
        s.last_schedule_time = Some(Time(tm(0)));
    }
    assert_eq!(
        run(&cj2, std::slice::from_ref(&running), t(75)).create,
        None
    );
}

#[test]
fn allow_runs_jobs_concurrently() {
    // e2e "should schedule multiple jobs concurrently".
    let first = job(1, None);
    let cj = with_status(cronjob("*/1 * * * ?", "Allow"), Some(tm(1)), &[&first]);
    let mut plan = run(&cj, std::slice::from_ref(&first), tm(2));
    assert_eq!(created_name(&plan), Some("report-29539322"));
    assert!(plan.delete.is_empty());
    created(&mut plan, &cj);
    assert_eq!(
        active_names(&plan.status),
        ["report-29539321", "report-29539322"]
    );
}

#[test]
fn forbid_skips_while_a_job_runs() {
    // e2e "should not schedule new jobs when ForbidConcurrent".
    let running = job(1, None);
    let cj = with_status(cronjob("*/1 * * * ?", "Forbid"), Some(tm(1)), &[&running]);
    let plan = run(&cj, std::slice::from_ref(&running), t(125));
    assert_eq!(plan.create, None);
    assert_eq!(reasons(&plan), ["JobAlreadyActive"]);
    assert_eq!(
        plan.events[0].message,
        "Not starting job because prior execution is running and concurrency policy is Forbid"
    );
    assert_eq!(plan.events[0].type_, EventType::Normal);
    // Sleeps until the next minute; lastScheduleTime stays, so that one is tried too.
    assert_eq!(ms(plan.requeue_after), Some(55_100));
    assert_eq!(plan.status.last_schedule_time, Some(Time(tm(1))));
}

#[test]
fn forbid_runs_once_the_prior_job_finished() {
    let done = job(1, Some(("Complete", 20)));
    let cj = with_status(cronjob("*/1 * * * ?", "Forbid"), Some(tm(1)), &[&done]);
    let mut plan = run(&cj, std::slice::from_ref(&done), tm(2));
    assert_eq!(reasons(&plan), ["SawCompletedJob"]);
    assert_eq!(
        plan.events[0].message,
        "Saw completed job: report-29539321, condition: Complete"
    );
    assert_eq!(created_name(&plan), Some("report-29539322"));
    assert_eq!(plan.status.last_successful_time, Some(Time(t(80))));
    created(&mut plan, &cj);
    assert_eq!(active_names(&plan.status), ["report-29539322"]);
}

#[test]
fn replace_deletes_the_active_jobs_then_creates() {
    // e2e "should replace jobs when ReplaceConcurrent".
    let running = job(1, None);
    let cj = with_status(cronjob("*/1 * * * ?", "Replace"), Some(tm(1)), &[&running]);
    let mut plan = run(&cj, std::slice::from_ref(&running), tm(2));
    assert_eq!(plan.delete, ["report-29539321"]);
    assert_eq!(reasons(&plan), ["SuccessfulDelete"]);
    assert_eq!(plan.events[0].message, "Deleted job report-29539321");
    assert_eq!(plan.status.active, None);
    assert_eq!(created_name(&plan), Some("report-29539322"));
    created(&mut plan, &cj);
    assert_eq!(active_names(&plan.status), ["report-29539322"]);

    // Next reconcile: the replaced Job is being deleted; it is simply gone.
    let mut replaced = running.clone();
    replaced.metadata.deletion_timestamp = Some(Time(tm(2)));
    let cj = CronJob {
        status: Some(plan.status.clone()),
        ..cj
    };
    let new = job(2, None);
    let plan = run(&cj, &[replaced, new], t(130));
    assert!(plan.events.is_empty(), "{:?}", plan.events);
    assert!(plan.delete.is_empty());
    assert_eq!(plan.create, None);
}

#[test]
fn missed_schedules_only_the_most_recent_runs() {
    // Engine down from 10:00:30 to 10:05:10: five minutes missed, one job, for 10:05.
    let cj = with_status(cronjob("*/1 * * * ?", "Allow"), Some(tm(0)), &[]);
    let mut plan = run(&cj, &[], t(310));
    assert_eq!(created_name(&plan), Some("report-29539325"));
    assert!(plan.events.is_empty());
    assert_eq!(ms(plan.requeue_after), Some(50_100));
    created(&mut plan, &cj);
    assert_eq!(plan.status.last_schedule_time, Some(Time(tm(5))));
}

#[test]
fn missed_schedule_within_the_deadline_runs() {
    let mut cj = with_status(cronjob("0 * * * *", "Forbid"), Some(tm(-60)), &[]);
    cj.spec.starting_deadline_seconds = Some(200);
    // 10:00 was missed; at 10:03:10 it is 190 s late, within 200 s.
    let plan = run(&cj, &[], t(190));
    assert_eq!(created_name(&plan), Some("report-29539320"));
    assert_eq!(plan.create.as_ref().map(|c| c.scheduled_time), Some(tm(0)));
}

#[test]
fn missed_schedule_beyond_the_deadline_is_skipped() {
    let mut cj = with_status(cronjob("0 * * * *", "Forbid"), Some(tm(-60)), &[]);
    cj.spec.starting_deadline_seconds = Some(200);
    // At 10:03:30 the 10:00 start is 210 s late: nothing runs; wait for 11:00.
    let plan = run(&cj, &[], t(210));
    assert_eq!(plan.create, None);
    assert!(plan.events.is_empty());
    assert_eq!(ms(plan.requeue_after), Some((3600 - 210) * 1000 + 100));
    // Without a deadline it would have run, however late.
    cj.spec.starting_deadline_seconds = None;
    assert_eq!(
        created_name(&run(&cj, &[], t(3000))),
        Some("report-29539320")
    );
}

#[test]
fn more_than_a_hundred_missed_times_warn_and_still_run() {
    // e2e "should be able to schedule after more than 100 missed schedule".
    let mut cj = with_status(
        cronjob("*/1 * * * ?", "Forbid"),
        Some(tm(-98 * 24 * 60)),
        &[],
    );
    cj.metadata.creation_timestamp = Some(Time(tm(-99 * 24 * 60)));
    let plan = run(&cj, &[], t(15));
    assert_eq!(reasons(&plan), ["TooManyMissedTimes"]);
    assert_eq!(plan.events[0].type_, EventType::Warning);
    assert_eq!(
        plan.events[0].message,
        "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
    );
    assert_eq!(created_name(&plan), Some("report-29539320"));
    assert_eq!(ms(plan.requeue_after), Some(45_100));
    // A deadline keeps the count small: no warning.
    cj.spec.starting_deadline_seconds = Some(60);
    let plan = run(&cj, &[], t(15));
    assert!(plan.events.is_empty());
    assert_eq!(created_name(&plan), Some("report-29539320"));
}

#[test]
fn suspended_cronjobs_create_nothing_and_sleep() {
    // e2e "should not schedule jobs when suspended".
    let done = job(1, Some(("Complete", 5)));
    let mut cj = with_status(cronjob("*/1 * * * ?", "Allow"), Some(tm(1)), &[&done]);
    cj.spec.suspend = Some(true);
    let plan = run(&cj, std::slice::from_ref(&done), tm(10));
    assert_eq!(plan.create, None);
    assert_eq!(plan.requeue_after, None);
    // The status is still kept: the finished job leaves the active list.
    assert_eq!(reasons(&plan), ["SawCompletedJob"]);
    assert_eq!(plan.status.active, None);
}

#[test]
fn history_limits_delete_the_oldest_finished_jobs() {
    let mut cj = cronjob("*/1 * * * ?", "Allow");
    cj.spec.successful_jobs_history_limit = Some(3);
    cj.spec.failed_jobs_history_limit = Some(1);
    let mut unstarted = job(9, Some(("Complete", 1)));
    if let Some(s) = unstarted.status.as_mut() {
        s.start_time = None;
    }
    let jobs = vec![
        job(5, Some(("Complete", 1))),
        job(2, Some(("Complete", 1))),
        unstarted,
        job(4, Some(("Complete", 1))),
        job(3, Some(("Complete", 1))),
        job(6, Some(("Failed", 0))),
        job(1, Some(("Failed", 0))),
        job(7, Some(("Failed", 0))),
        job(8, None),
    ];
    let cj = with_status(cj, Some(tm(9)), &[&jobs[8]]);
    let plan = run(&cj, &jobs, t(550));
    // Successful: 2, 3 go (oldest start first; the unstarted one sorts last and stays);
    // failed: 1, 6 go. The running job stays.
    assert_eq!(
        plan.delete,
        [
            "report-29539322",
            "report-29539323",
            "report-29539321",
            "report-29539326"
        ]
    );
    assert_eq!(reasons(&plan), ["SuccessfulDelete"; 4]);
    assert_eq!(active_names(&plan.status), ["report-29539328"]);
    // Unset limits: nothing is cleaned (the API server defaults them to 3 and 1).
    let mut cj2 = cj.clone();
    cj2.spec.successful_jobs_history_limit = None;
    cj2.spec.failed_jobs_history_limit = None;
    assert!(run(&cj2, &jobs, t(550)).delete.is_empty());
}

#[test]
fn history_limits_of_the_e2e_tests() {
    // "should delete successful finished jobs with limit of one successful job".
    let mut cj = cronjob("*/1 * * * ?", "Allow");
    cj.spec.successful_jobs_history_limit = Some(1);
    cj.spec.failed_jobs_history_limit = Some(0);
    let jobs = [job(1, Some(("Complete", 1))), job(2, Some(("Complete", 1)))];
    let cj1 = with_status(cj.clone(), Some(tm(2)), &[]);
    assert_eq!(run(&cj1, &jobs, t(150)).delete, ["report-29539321"]);
    // "should delete failed finished jobs with limit of one job".
    cj.spec.successful_jobs_history_limit = Some(0);
    cj.spec.failed_jobs_history_limit = Some(1);
    let jobs = [
        job(1, Some(("Failed", 0))),
        job(2, Some(("Failed", 0))),
        job(3, Some(("Complete", 1))),
    ];
    let cj2 = with_status(cj, Some(tm(3)), &[]);
    assert_eq!(
        run(&cj2, &jobs, t(190)).delete,
        ["report-29539323", "report-29539321"]
    );
}

#[test]
fn last_successful_time_is_the_latest_completion() {
    let jobs = [
        job(1, Some(("Complete", 50))),
        job(2, Some(("Complete", 5))),
        job(3, Some(("Failed", 0))),
    ];
    let cj = with_status(cronjob("*/1 * * * ?", "Allow"), Some(tm(3)), &[]);
    let plan = run(&cj, &jobs, t(190));
    assert_eq!(plan.status.last_successful_time, Some(Time(t(125))));
}

#[test]
fn deleted_active_jobs_go_missing() {
    // e2e "should remove from active list jobs that have been deleted".
    let running = job(1, None);
    let cj = with_status(cronjob("*/1 * * * ?", "Forbid"), Some(tm(1)), &[&running]);
    let plan = run(&cj, &[], t(90));
    assert_eq!(reasons(&plan), ["MissingJob"]);
    assert_eq!(
        plan.events[0].message,
        "Active job went missing: report-29539321"
    );
    assert_eq!(plan.status.active, None);
    // A Job marked for deletion counts as gone too.
    let mut deleting = running.clone();
    deleting.metadata.deletion_timestamp = Some(Time(t(80)));
    assert_eq!(reasons(&run(&cj, &[deleting], t(90))), ["MissingJob"]);
}

#[test]
fn normal_runs_emit_no_unexpected_events() {
    // e2e "should not emit unexpected warnings": two minutes of create / finish.
    let cj = cronjob("*/1 * * * ?", "Allow");
    let mut plan = run(&cj, &[], tm(1));
    let first = created(&mut plan, &cj);
    let cj = CronJob {
        status: Some(plan.status.clone()),
        ..cj
    };
    let mut done = first.clone();
    done.status = job(1, Some(("Complete", 3))).status;
    let mut plan = run(&cj, std::slice::from_ref(&done), tm(2));
    let second = created(&mut plan, &cj);
    let cj = CronJob {
        status: Some(plan.status.clone()),
        ..cj
    };
    let plan2 = run(&cj, &[done, second], t(125));
    let all: Vec<&str> = reasons(&plan).into_iter().chain(reasons(&plan2)).collect();
    assert!(
        !all.contains(&"UnexpectedJob") && !all.contains(&"MissingJob"),
        "{all:?}"
    );
}

#[test]
fn a_job_made_before_the_status_write_is_adopted_once() {
    // The engine stopped after creating the 10:01 Job and before writing the status:
    // the next reconcile warns, asks for the same name again, and adopts it.
    let cj = with_status(cronjob("*/1 * * * ?", "Forbid"), Some(tm(0)), &[]);
    let orphan = job(1, None);
    let mut plan = run(&cj, std::slice::from_ref(&orphan), t(70));
    assert_eq!(reasons(&plan), ["UnexpectedJob"]);
    assert_eq!(
        plan.events[0].message,
        "Saw a job that the controller did not create or forgot: report-29539321"
    );
    assert_eq!(created_name(&plan), Some("report-29539321"));
    plan.record_create(&cj, CreateOutcome::AlreadyExists(&orphan));
    assert_eq!(reasons(&plan), ["UnexpectedJob"]);
    assert_eq!(active_names(&plan.status), ["report-29539321"]);
    assert_eq!(plan.status.last_schedule_time, Some(Time(tm(1))));
    assert!(plan.requeue_after.is_some());
}

#[test]
fn a_foreign_job_of_the_same_name_is_left_alone() {
    let cj = with_status(cronjob("*/1 * * * ?", "Allow"), Some(tm(0)), &[]);
    let mut plan = run(&cj, &[], t(70));
    let mut foreign = job(1, None);
    if let Some(refs) = foreign.metadata.owner_references.as_mut() {
        refs[0].uid = "someone-else".into();
    }
    plan.record_create(&cj, CreateOutcome::AlreadyExists(&foreign));
    assert_eq!(plan.status.active, None);
    assert_eq!(plan.status.last_schedule_time, Some(Time(tm(0))));
    assert_eq!(plan.requeue_after, None);

    let mut plan = run(&cj, &[], t(70));
    plan.record_create(&cj, CreateOutcome::Failed("disk full"));
    assert_eq!(reasons(&plan), ["FailedCreate"]);
    assert_eq!(plan.events[0].message, "Error creating job: disk full");
    assert_eq!(plan.status.active, None);
}

#[test]
fn manual_jobs_are_unexpected_but_do_not_block_forbid() {
    let cj = with_status(cronjob("*/1 * * * ?", "Forbid"), Some(tm(0)), &[]);
    let mut manual = job_from_cronjob(&cj, "report-manual");
    manual.metadata.uid = Some("uid-manual".into());
    let plan = run(&cj, std::slice::from_ref(&manual), t(70));
    assert_eq!(reasons(&plan), ["UnexpectedJob"]);
    assert_eq!(created_name(&plan), Some("report-29539321"));
    // Finished, it counts for lastSuccessfulTime and the history.
    manual.status = Some(JobStatus {
        completion_time: Some(Time(t(50))),
        conditions: Some(vec![JobCondition {
            type_: "Complete".into(),
            status: "True".into(),
            ..JobCondition::default()
        }]),
        ..JobStatus::default()
    });
    let mut cj0 = cj.clone();
    cj0.spec.successful_jobs_history_limit = Some(0);
    let plan = run(&cj0, std::slice::from_ref(&manual), t(70));
    assert!(!reasons(&plan).contains(&"UnexpectedJob"));
    assert_eq!(plan.status.last_successful_time, Some(Time(t(50))));
    assert_eq!(plan.delete, ["report-manual"]);
}

#[test]
fn job_from_cronjob_is_kubectls() {
    let cj = cronjob("*/1 * * * ?", "Allow");
    let job = job_from_cronjob(&cj, "report-now");
    assert_eq!(job.metadata.name.as_deref(), Some("report-now"));
    assert_eq!(
        job.metadata.annotations,
        Some(BTreeMap::from([
            (INSTANTIATE_ANNOTATION.to_string(), "manual".to_string()),
            ("team".to_string(), "ops".to_string()),
        ]))
    );
    assert_eq!(
        job.metadata.labels,
        Some(BTreeMap::from([("app".to_string(), "report".to_string())]))
    );
    assert_eq!(
        job.metadata.owner_references,
        Some(vec![OwnerReference {
            api_version: "batch/v1".into(),
            kind: "CronJob".into(),
            name: "report".into(),
            uid: "cj-uid".into(),
            controller: Some(true),
            block_owner_deletion: None,
        }])
    );
    assert_eq!(job.spec, cj.spec.job_template.spec);
}

#[test]
fn time_zone_drives_the_schedule_and_the_annotation() {
    let mut cj = with_status(cronjob("0 9 * * *", "Allow"), Some(tm(-24 * 60)), &[]);
    cj.spec.time_zone = Some("Asia/Tokyo".into());
    // 2026-03-02T00:00:05Z is 09:00:05 in Tokyo.
    let now = ts("2026-03-02T00:00:05Z");
    let plan = run(&cj, &[], now);
    let c = plan.create.as_ref().unwrap_or_else(|| panic!("no job"));
    assert_eq!(c.scheduled_time, ts("2026-03-02T00:00:00Z"));
    assert_eq!(
        c.job
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(SCHEDULED_TIMESTAMP_ANNOTATION))
            .map(String::as_str),
        Some("2026-03-02T09:00:00+09:00")
    );
    // No timeZone: the local zone runs the schedule, the annotation is in UTC.
    cj.spec.time_zone = None;
    let tokyo = schedule::resolve_time_zone("Asia/Tokyo").unwrap_or(TimeZone::UTC);
    let plan = reconcile_with_local(&cj, &[], now, &tokyo);
    assert_eq!(
        plan.create
            .as_ref()
            .and_then(|c| c.job.metadata.annotations.as_ref())
            .and_then(|a| a.get(SCHEDULED_TIMESTAMP_ANNOTATION))
            .map(String::as_str),
        Some("2026-03-02T00:00:00Z")
    );
}

#[test]
fn daylight_saving_gap_skips_the_day_in_new_york() {
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT; a 02:30 job does not run that day.
    let mut cj = cronjob("30 2 * * *", "Allow");
    cj.spec.time_zone = Some("America/New_York".into());
    let cj = with_status(cj, Some(ts("2026-03-07T07:30:00Z")), &[]);
    let plan = run(&cj, &[], ts("2026-03-08T12:00:00Z"));
    assert_eq!(plan.create, None);
    // Next: 2026-03-09 02:30 EDT = 06:30Z.
    let want = (ts("2026-03-09T06:30:00Z").as_second() - ts("2026-03-08T12:00:00Z").as_second())
        as u128
        * 1000
        + 100;
    assert_eq!(ms(plan.requeue_after), Some(want));
}

#[test]
fn unusable_specs_record_a_warning_and_stop() {
    let mut cj = cronjob("*/1 * * * ?", "Allow");
    cj.spec.time_zone = Some("Mars/Olympus".into());
    let plan = run(&cj, &[], tm(5));
    assert_eq!(reasons(&plan), ["UnknownTimeZone"]);
    assert_eq!(
        plan.events[0].message,
        r#"invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus"#
    );
    assert_eq!((plan.create, plan.requeue_after), (None, None));

    let cj = cronjob("61 * * * *", "Allow");
    let plan = run(&cj, &[], tm(5));
    assert_eq!(reasons(&plan), ["UnparseableSchedule"]);
    assert_eq!(
        plan.events[0].message,
        r#"unparseable schedule: "61 * * * *" : end of range (61) above maximum (59): 61"#
    );

    let cj = cronjob("0 0 30 2 *", "Allow");
    let plan = run(&cj, &[], tm(5));
    assert_eq!(reasons(&plan), ["InvalidSchedule"]);
    assert_eq!(
        plan.events[0].message,
        "invalid schedule: 0 0 30 2 * : time difference between two schedules is less than 1 second"
    );
    assert_eq!(plan.requeue_after, None);

    // A legacy TZ prefix still runs, with a warning.
    let cj = cronjob("TZ=UTC */1 * * * *", "Allow");
    let plan = run(&cj, &[], tm(1));
    assert_eq!(reasons(&plan), ["UnsupportedSchedule"]);
    assert!(plan.create.is_some());
}

#[test]
fn a_cronjob_being_deleted_only_updates_its_status() {
    let mut cj = cronjob("*/1 * * * ?", "Allow");
    cj.metadata.deletion_timestamp = Some(Time(tm(1)));
    let plan = run(&cj, &[], tm(5));
    assert_eq!((plan.create, plan.requeue_after), (None, None));
}

#[test]
fn every_schedule_runs_from_creation() {
    let cj = cronjob("@every 90s", "Allow");
    // Created at 09:59:30: first time 10:01:00.
    assert_eq!(ms(run(&cj, &[], t(0)).requeue_after), Some(60_100));
    assert_eq!(
        run(&cj, &[], tm(1)).create.map(|c| c.scheduled_time),
        Some(tm(1))
    );
}

#[test]
fn defaults_and_validation() {
    let mut spec = CronJobSpec::default();
    apply_defaults(&mut spec);
    assert_eq!(spec.concurrency_policy.as_deref(), Some("Allow"));
    assert_eq!(spec.suspend, Some(false));
    assert_eq!(spec.successful_jobs_history_limit, Some(3));
    assert_eq!(spec.failed_jobs_history_limit, Some(1));

    let bad = CronJobSpec {
        schedule: "TZ=UTC 0 * * * *".into(),
        starting_deadline_seconds: Some(-1),
        time_zone: Some("Mars/Olympus".into()),
        concurrency_policy: Some("Sometimes".into()),
        successful_jobs_history_limit: Some(-1),
        failed_jobs_history_limit: Some(-2),
        ..CronJobSpec::default()
    };
    let shown: Vec<String> = validate_spec(&bad, None)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shown,
        [
            r#"spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"#,
            "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
            r#"spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus"#,
            r#"spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace""#,
            "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
            "spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
        ]
    );
    // An unchanged timeZone is not checked again on update.
    assert!(
        validate_spec(
            &CronJobSpec {
                schedule: "@daily".into(),
                concurrency_policy: Some("Allow".into()),
                time_zone: Some("Gone/Zone".into()),
                ..CronJobSpec::default()
            },
            Some(&CronJobSpec {
                time_zone: Some("Gone/Zone".into()),
                ..CronJobSpec::default()
            })
        )
        .is_empty()
    );
    assert!(validate_name(&"a".repeat(52)).is_empty());
    assert_eq!(
        validate_name(&"a".repeat(53))
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [format!(
            "metadata.name: Invalid value: \"{}\": must be no more than 52 characters",
            "a".repeat(53)
        )]
    );
}

fn ts(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad timestamp {s}: {e}"))
}
