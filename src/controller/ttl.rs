//! The TTL-after-finished controller as a pure function
//! (`pkg/controller/ttlafterfinished/ttlafterfinished_controller.go`): when a finished
//! Job with `spec.ttlSecondsAfterFinished` is due for removal.
//!
//! Owns only the decision; the engine deletes the Job (cascading to its pods and their
//! containers) on `DeleteNow` and looks again on `RequeueAfter`. Must not do I/O or
//! read the clock.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;

use super::job::finished_condition;

/// What to do about a Job's TTL now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TtlDecision {
    /// The TTL has expired: delete the Job (foreground: its pods go with it).
    DeleteNow,
    /// Finished with a TTL still running: look again after this long.
    RequeueAfter(Duration),
    /// Not finished, no TTL, already being deleted, or no usable finish time.
    Nothing,
}

/// `processTTL`: a Job being deleted or not needing cleanup (`needsCleanup`: finished
/// and with a TTL) is left alone; otherwise it expires `ttlSecondsAfterFinished` after
/// its finish time (`jobFinishTime`: the Complete or Failed condition's
/// lastTransitionTime). A TTL of 0 deletes it at once. A finish time in the future
/// (clock skew) defers the cleanup, as in Kubernetes.
pub fn reconcile(job: &Job, now: Timestamp) -> TtlDecision {
    if job.metadata.deletion_timestamp.is_some() {
        return TtlDecision::Nothing;
    }
    let Some(ttl) = job.spec.as_ref().and_then(|s| s.ttl_seconds_after_finished) else {
        return TtlDecision::Nothing;
    };
    let Some(cond) = finished_condition(job) else {
        return TtlDecision::Nothing;
    };
    // Kubernetes reports an error and retries when the time is missing; nothing here
    // can make it appear, so there is nothing to do until the Job changes.
    let Some(finished_at) = cond.last_transition_time.as_ref().map(|t| t.0) else {
        return TtlDecision::Nothing;
    };
    let ttl = jiff::SignedDuration::from_secs(i64::from(ttl.max(0)));
    let Some(expire_at) = finished_at.checked_add(ttl).ok() else {
        return TtlDecision::Nothing;
    };
    match Duration::try_from(expire_at.duration_since(now)) {
        Ok(left) if left > Duration::ZERO => TtlDecision::RequeueAfter(left),
        _ => TtlDecision::DeleteNow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::{JobCondition, JobSpec, JobStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_767_225_600 + secs).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn job(ttl: Option<i32>, cond: Option<(&str, &str)>, finished_at: Option<i64>) -> Job {
        Job {
            metadata: ObjectMeta {
                name: Some("pi".into()),
                ..ObjectMeta::default()
            },
            spec: Some(JobSpec {
                ttl_seconds_after_finished: ttl,
                ..JobSpec::default()
            }),
            status: Some(JobStatus {
                conditions: cond.map(|(type_, status)| {
                    vec![JobCondition {
                        type_: type_.into(),
                        status: status.into(),
                        last_transition_time: finished_at.map(|s| Time(t(s))),
                        ..JobCondition::default()
                    }]
                }),
                ..JobStatus::default()
            }),
        }
    }

    #[test]
    fn ttl_after_finished_decisions() {
        let cases: &[(&str, Job, i64, TtlDecision)] = &[
            (
                "no ttl",
                job(None, Some(("Complete", "True")), Some(0)),
                100,
                TtlDecision::Nothing,
            ),
            (
                "not finished",
                job(Some(0), None, None),
                100,
                TtlDecision::Nothing,
            ),
            (
                "interim condition is not finished",
                job(Some(0), Some(("SuccessCriteriaMet", "True")), Some(0)),
                100,
                TtlDecision::Nothing,
            ),
            (
                "condition False is not finished",
                job(Some(0), Some(("Failed", "False")), Some(0)),
                100,
                TtlDecision::Nothing,
            ),
            (
                "ttl 0 deletes at once",
                job(Some(0), Some(("Complete", "True")), Some(10)),
                10,
                TtlDecision::DeleteNow,
            ),
            (
                "complete, ttl running",
                job(Some(60), Some(("Complete", "True")), Some(10)),
                30,
                TtlDecision::RequeueAfter(Duration::from_secs(40)),
            ),
            (
                "failed, ttl expired exactly",
                job(Some(60), Some(("Failed", "True")), Some(10)),
                70,
                TtlDecision::DeleteNow,
            ),
            (
                "long expired",
                job(Some(5), Some(("Failed", "True")), Some(10)),
                7000,
                TtlDecision::DeleteNow,
            ),
            (
                "finished in the future defers",
                job(Some(0), Some(("Complete", "True")), Some(50)),
                20,
                TtlDecision::RequeueAfter(Duration::from_secs(30)),
            ),
            (
                "no finish time",
                job(Some(0), Some(("Complete", "True")), None),
                20,
                TtlDecision::Nothing,
            ),
        ];
        for (name, j, now, want) in cases {
            assert_eq!(reconcile(j, t(*now)), *want, "{name}");
        }
    }

    #[test]
    fn a_job_being_deleted_is_left_alone() {
        let mut j = job(Some(0), Some(("Complete", "True")), Some(0));
        j.metadata.deletion_timestamp = Some(Time(t(1)));
        assert_eq!(reconcile(&j, t(100)), TtlDecision::Nothing);
    }
}
