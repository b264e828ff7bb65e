//! Job conditions: their types, the reasons and messages Kubernetes words them with,
//! and `ensureJobConditionStatus`.
//!
//! Pure list edits; which condition a Job gets is decided in `mod.rs`.

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::{Job, JobCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// Job condition types, as `status.conditions[].type`.
pub mod condition {
    /// Terminal: the Job succeeded.
    pub const COMPLETE: &str = "Complete";
    /// Terminal: the Job failed.
    pub const FAILED: &str = "Failed";
    /// Interim: success decided, waiting for the remaining pods to terminate.
    pub const SUCCESS_CRITERIA_MET: &str = "SuccessCriteriaMet";
    /// Interim: failure decided, waiting for the remaining pods to terminate.
    pub const FAILURE_TARGET: &str = "FailureTarget";
    /// True while `spec.suspend` holds, False once resumed.
    pub const SUSPENDED: &str = "Suspended";
}

/// Condition reasons and messages, worded exactly as Kubernetes words them.
pub mod reason {
    pub const COMPLETIONS_REACHED: &str = "CompletionsReached";
    pub const COMPLETIONS_REACHED_MESSAGE: &str = "Reached expected number of succeeded pods";
    pub const BACKOFF_LIMIT_EXCEEDED: &str = "BackoffLimitExceeded";
    pub const BACKOFF_LIMIT_EXCEEDED_MESSAGE: &str = "Job has reached the specified backoff limit";
    pub const DEADLINE_EXCEEDED: &str = "DeadlineExceeded";
    pub const DEADLINE_EXCEEDED_MESSAGE: &str = "Job was active longer than specified deadline";
    pub const POD_FAILURE_POLICY: &str = "PodFailurePolicy";
    pub const MAX_FAILED_INDEXES_EXCEEDED: &str = "MaxFailedIndexesExceeded";
    pub const MAX_FAILED_INDEXES_EXCEEDED_MESSAGE: &str =
        "Job has exceeded the specified maximal number of failed indexes";
    pub const FAILED_INDEXES: &str = "FailedIndexes";
    pub const FAILED_INDEXES_MESSAGE: &str = "Job has failed indexes";
    pub const SUCCESS_POLICY: &str = "SuccessPolicy";
    pub const JOB_SUSPENDED: &str = "JobSuspended";
    pub const JOB_SUSPENDED_MESSAGE: &str = "Job suspended";
    pub const JOB_RESUMED: &str = "JobResumed";
    pub const JOB_RESUMED_MESSAGE: &str = "Job resumed";
}

/// `ensureJobConditionStatus`: rewrite the condition of that type when its status,
/// reason or message differ (an unchanged one keeps its times); add it when missing,
/// unless the new status is False (going from nothing to False means nothing).
/// Returns whether the list changed.
pub(super) fn ensure(
    conds: &mut Vec<JobCondition>,
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: Timestamp,
) -> bool {
    let fresh = JobCondition {
        type_: type_.to_owned(),
        status: status.to_owned(),
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        last_probe_time: Some(Time(now)),
        last_transition_time: Some(Time(now)),
    };
    match conds.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => {
            let same = c.status == status
                && c.reason.as_deref().unwrap_or_default() == reason
                && c.message.as_deref().unwrap_or_default() == message;
            if !same {
                *c = fresh;
            }
            !same
        }
        None if status != "False" => {
            conds.push(fresh);
            true
        }
        None => false,
    }
}

pub(super) fn conditions(job: &Job) -> &[JobCondition] {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
}

pub(super) fn true_condition<'a>(job: &'a Job, type_: &str) -> Option<&'a JobCondition> {
    conditions(job)
        .iter()
        .find(|c| c.type_ == type_ && c.status == "True")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn ensure_adds_rewrites_and_keeps_like_kubernetes() {
        let mut conds = Vec::new();
        assert!(!ensure(
            &mut conds,
            "Suspended",
            "False",
            "JobResumed",
            "Job resumed",
            t(1)
        ));
        assert!(conds.is_empty(), "nothing to False is no change");
        assert!(ensure(
            &mut conds,
            "Suspended",
            "True",
            "JobSuspended",
            "Job suspended",
            t(2)
        ));
        assert!(!ensure(
            &mut conds,
            "Suspended",
            "True",
            "JobSuspended",
            "Job suspended",
            t(3)
        ));
        assert_eq!(conds[0].last_transition_time, Some(Time(t(2))));
        assert!(ensure(
            &mut conds,
            "Suspended",
            "False",
            "JobResumed",
            "Job resumed",
            t(4)
        ));
        assert_eq!(conds.len(), 1);
        assert_eq!(
            (
                conds[0].status.as_str(),
                conds[0].last_transition_time.clone()
            ),
            ("False", Some(Time(t(4))))
        );
    }
}
