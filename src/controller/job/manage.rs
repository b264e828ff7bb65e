//! `manageJob`: what a running (not finishing) Job does with its pods now — stop them
//! all while suspended, stop surplus or repeated-index pods, or create the missing
//! ones (respecting the pod-failure backoff, Job-wide or per index).
//!
//! Pure; called from `reconcile` only when no terminal decision was taken.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use super::indexed::{self, Intervals};
use super::pods::{self, PodClass, classify};
use super::{Ctx, MAX_POD_CREATE_DELETE_PER_RECONCILE, backoff, i32_len, index_set, template};

/// What `manageJob` decided: pods to stop (never counted), pods to create, when to
/// look again for a pod-failure backoff.
pub(super) struct Managed<'a> {
    pub delete: Vec<&'a Pod>,
    pub create: Vec<Pod>,
    pub requeue_after: Option<Duration>,
}

/// `manageJob`: bring the active pods to what the Job wants now. Deletion takes
/// precedence over creation within one reconcile, as in Kubernetes.
#[allow(clippy::too_many_arguments)]
pub(super) fn manage<'a>(
    ctx: &Ctx<'_>,
    pods: &[&'a Pod],
    active_pods: &[&'a Pod],
    succeeded: i32,
    succeeded_indexes: Option<&Intervals>,
    failed_indexes: Option<&Intervals>,
    last_failed: &BTreeMap<usize, &Pod>,
    failed_pods: &[&Pod],
    succeeded_pods: &[&Pod],
    terminating: i32,
    now: Timestamp,
) -> Managed<'a> {
    let mut out = Managed {
        delete: Vec::new(),
        create: Vec::new(),
        requeue_after: None,
    };
    let active = i32_len(active_pods.len());
    if ctx.suspended {
        out.delete = pods_for_removal(ctx, active_pods, active_pods.len());
        return out;
    }
    let parallelism = ctx.spec.parallelism.unwrap_or(1).max(0);
    let want_active = match ctx.spec.completions {
        // Work queue: once any pod succeeded, let the rest finish, add none.
        None if succeeded > 0 => active,
        None => parallelism,
        Some(completions) => (completions - succeeded).clamp(0, parallelism),
    };
    let rm_at_least = usize::try_from(active - want_active).unwrap_or(0);
    let mut rm = pods_for_removal(ctx, active_pods, rm_at_least);
    rm.truncate(MAX_POD_CREATE_DELETE_PER_RECONCILE);
    if !rm.is_empty() {
        out.delete = rm;
        return out;
    }

    let replacing = if ctx.only_replace_failed {
        terminating
    } else {
        0
    };
    let diff = want_active - replacing - active;
    if diff <= 0 {
        return out;
    }
    if ctx.per_index.is_none() {
        let wait = backoff::job_remaining(succeeded_pods, failed_pods, now);
        if wait > Duration::ZERO {
            out.requeue_after = Some(wait);
            return out;
        }
    }
    let n = usize::try_from(diff)
        .unwrap_or(0)
        .min(MAX_POD_CREATE_DELETE_PER_RECONCILE);
    let (Some(completions), Some(succ)) = (ctx.indexed, succeeded_indexes) else {
        out.create = (0..n).map(|_| template::new_pod(ctx.job, None)).collect();
        return out;
    };

    let mut busy = index_set(active_pods);
    if ctx.only_replace_failed {
        let terminating_pods: Vec<&Pod> = pods
            .iter()
            .copied()
            .filter(|p| classify(p) == PodClass::Terminating)
            .collect();
        busy.extend(index_set(&terminating_pods));
    }
    let mut indexes = indexed::first_pending(n, completions, succ, failed_indexes, &busy);
    if ctx.per_index.is_some() {
        // `getPodCreationInfoForIndependentIndexes`: only indexes whose own backoff
        // has passed; if none, wait for the soonest.
        let waits: Vec<(usize, Duration)> = indexes
            .iter()
            .map(|ix| {
                (
                    *ix,
                    backoff::index_remaining(last_failed.get(ix).copied(), now),
                )
            })
            .collect();
        indexes = waits
            .iter()
            .filter(|(_, w)| *w == Duration::ZERO)
            .map(|(ix, _)| *ix)
            .collect();
        if indexes.is_empty() {
            out.requeue_after = waits.iter().map(|(_, w)| *w).min();
            return out;
        }
    }
    let policy = ctx.spec.pod_failure_policy.as_ref();
    out.create = indexes
        .into_iter()
        .map(|index| {
            let failure_counts = ctx
                .per_index
                .map(|_| indexed::new_failure_counts(policy, last_failed.get(&index).copied()));
            template::new_pod(
                ctx.job,
                Some(template::IndexedPod {
                    index,
                    failure_counts,
                }),
            )
        })
        .collect();
    out
}

/// `activePodsForRemoval`: for an Indexed Job the pods with a bad or repeated index
/// first; then the least advanced, until at least `at_least` are chosen.
fn pods_for_removal<'a>(ctx: &Ctx<'_>, active_pods: &[&'a Pod], at_least: usize) -> Vec<&'a Pod> {
    if let Some(completions) = ctx.indexed {
        return indexed::active_pods_for_removal(active_pods, completions, at_least);
    }
    let mut sorted = active_pods.to_vec();
    sorted.sort_by(|a, b| pods::removal_order(a, b));
    sorted.truncate(at_least);
    sorted
}
