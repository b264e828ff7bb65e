//! `completionMode: Indexed` (`indexed_job_utils.go`): completion indexes of pods,
//! the compressed interval form of `completedIndexes`/`failedIndexes` (`1,3-5,7`),
//! which indexes still need a pod, which active pods repeat an index, and the
//! per-index failure counts of `backoffLimitPerIndex`.
//!
//! Pure helpers over pods and strings; the Job-level decisions live in `mod.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::api::batch::v1::PodFailurePolicy;
use k8s_openapi::api::core::v1::Pod;

use super::failure_policy;
use super::pods::{finished_time, removal_order};

/// `batch.kubernetes.io/job-completion-index`: annotation and label of an Indexed
/// Job's pod.
pub const COMPLETION_INDEX_KEY: &str = "batch.kubernetes.io/job-completion-index";
/// `batch.kubernetes.io/job-index-failure-count`: failures of the index so far, on
/// each pod of a Job with `backoffLimitPerIndex`.
pub const INDEX_FAILURE_COUNT_ANNOTATION: &str = "batch.kubernetes.io/job-index-failure-count";
/// `batch.kubernetes.io/job-index-ignored-failure-count`: failures of the index that a
/// pod failure policy `Ignore` rule did not count.
pub const INDEX_IGNORED_FAILURE_COUNT_ANNOTATION: &str =
    "batch.kubernetes.io/job-index-ignored-failure-count";
/// The environment variable carrying the index into every container.
pub const COMPLETION_INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// Sorted, non-overlapping, non-adjacent-merged runs of indexes (`orderedIntervals`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Intervals(Vec<(usize, usize)>);

impl Intervals {
    /// The intervals covering exactly `indexes`.
    pub fn from_indexes(indexes: impl IntoIterator<Item = usize>) -> Self {
        let set: BTreeSet<usize> = indexes.into_iter().collect();
        let mut out: Vec<(usize, usize)> = Vec::new();
        for ix in set {
            match out.last_mut() {
                Some(last) if last.1 + 1 == ix => last.1 = ix,
                _ => out.push((ix, ix)),
            }
        }
        Intervals(out)
    }

    /// `parseIndexesFromString`: unparsable pieces are skipped, parsing stops at the
    /// first interval starting at or past `completions`, and a last index past it is
    /// clamped.
    pub fn parse(s: &str, completions: usize) -> Self {
        let mut out: Vec<(usize, usize)> = Vec::new();
        if s.is_empty() {
            return Intervals(out);
        }
        for piece in s.split(',') {
            let mut limits = piece.split('-');
            let Some(Ok(first)) = limits.next().map(str::parse::<usize>) else {
                continue;
            };
            if first >= completions {
                break;
            }
            let last = match limits.next() {
                Some(l) => match l.parse::<usize>() {
                    Ok(l) => l.min(completions.saturating_sub(1)),
                    Err(_) => continue,
                },
                None => first,
            };
            match out.last_mut() {
                Some(prev) if prev.1 + 1 == first => prev.1 = last,
                _ => out.push((first, last)),
            }
        }
        Intervals(out)
    }

    /// How many indexes the intervals hold.
    pub fn total(&self) -> usize {
        self.0.iter().map(|(f, l)| l.saturating_sub(*f) + 1).sum()
    }

    pub fn has(&self, ix: usize) -> bool {
        self.0.iter().any(|(f, l)| *f <= ix && ix <= *l)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn runs(&self) -> &[(usize, usize)] {
        &self.0
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().flat_map(|(f, l)| *f..=*l)
    }
}

impl fmt::Display for Intervals {
    /// `1,3-5,7`: runs of three or more are compressed, two are listed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (first, last)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{first}")?;
            if last > first {
                let sep = if *last == first + 1 { ',' } else { '-' };
                write!(f, "{sep}{last}")?;
            }
        }
        Ok(())
    }
}

/// `getCompletionIndex`: the pod's index from its annotation, `None` when missing,
/// unparsable or negative.
pub fn completion_index(pod: &Pod) -> Option<usize> {
    pod.metadata
        .annotations
        .as_ref()?
        .get(COMPLETION_INDEX_KEY)?
        .parse::<usize>()
        .ok()
}

/// `parseInt32` of an annotation: 0 when missing, unparsable, negative or too large.
fn annotation_count(pod: &Pod, key: &str) -> i32 {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|v| i32::try_from(v).ok())
        .filter(|v| *v >= 0)
        .unwrap_or(0)
}

/// `getIndexFailureCount`.
pub fn failure_count(pod: &Pod) -> i32 {
    annotation_count(pod, INDEX_FAILURE_COUNT_ANNOTATION)
}

/// `getIndexAbsoluteFailureCount`: counted and ignored failures together.
pub fn absolute_failure_count(pod: &Pod) -> i32 {
    failure_count(pod).saturating_add(annotation_count(
        pod,
        INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
    ))
}

/// `getNewIndexFailureCounts`: the (counted, ignored) failure counts for the pod that
/// replaces `replaced` in its index; (0, 0) for the first pod of an index.
pub fn new_failure_counts(policy: Option<&PodFailurePolicy>, replaced: Option<&Pod>) -> (i32, i32) {
    let Some(pod) = replaced else {
        return (0, 0);
    };
    let counted = failure_count(pod);
    let ignored = annotation_count(pod, INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
    if failure_policy::matches(policy, pod).count_failed {
        (counted.saturating_add(1), ignored)
    } else {
        (counted, ignored.saturating_add(1))
    }
}

/// `firstPendingIndexes`: up to `count` indexes below `completions` that no active
/// pod, succeeded index, failed index or (`busy`, the terminating pods' indexes with
/// `podReplacementPolicy: Failed`) covers, lowest first.
pub fn first_pending(
    count: usize,
    completions: usize,
    succeeded: &Intervals,
    failed: Option<&Intervals>,
    busy: &BTreeSet<usize>,
) -> Vec<usize> {
    let mut taken: BTreeSet<usize> = busy.clone();
    taken.extend(succeeded.iter());
    if let Some(f) = failed {
        taken.extend(f.iter());
    }
    (0..completions)
        .filter(|ix| !taken.contains(ix))
        .take(count)
        .collect()
}

/// `activePodsForRemoval` for an Indexed Job: pods without a valid index, with an
/// index at or past `completions`, and all but the most advanced pod of a repeated
/// index go; then, if fewer than `at_least` were chosen, the least advanced of the
/// rest.
pub fn active_pods_for_removal<'a>(
    active: &[&'a Pod],
    completions: usize,
    at_least: usize,
) -> Vec<&'a Pod> {
    let mut rm: Vec<&Pod> = Vec::new();
    let mut by_index: BTreeMap<usize, Vec<&Pod>> = BTreeMap::new();
    for p in active {
        match completion_index(p) {
            Some(ix) if ix < completions => by_index.entry(ix).or_default().push(p),
            _ => rm.push(p),
        }
    }
    let mut left: Vec<&Pod> = Vec::new();
    for (_, mut same) in by_index {
        same.sort_by(|a, b| removal_order(a, b));
        if let Some(keep) = same.pop() {
            rm.extend(same);
            left.push(keep);
        }
    }
    if rm.len() < at_least {
        left.sort_by(|a, b| removal_order(a, b));
        let more = at_least - rm.len();
        rm.extend(left.into_iter().take(more));
    }
    rm
}

/// `getPodsWithDelayedDeletionPerIndex`: for each index that has failed pods but is
/// neither succeeded, failed nor active, its last failed pod (highest absolute failure
/// count, then latest finish). Its annotations seed the replacement's counts and its
/// finish time the per-index backoff.
pub fn last_failed_per_index<'a>(
    failed_pods: &[&'a Pod],
    succeeded: &Intervals,
    failed: &Intervals,
    active: &BTreeSet<usize>,
) -> BTreeMap<usize, &'a Pod> {
    let mut out: BTreeMap<usize, &Pod> = BTreeMap::new();
    for p in failed_pods {
        let Some(ix) = completion_index(p) else {
            continue;
        };
        if succeeded.has(ix) || failed.has(ix) || active.contains(&ix) {
            continue;
        }
        let later = |cur: &Pod| {
            (absolute_failure_count(cur), finished_time(cur))
                <= (absolute_failure_count(p), finished_time(p))
        };
        match out.get(&ix) {
            Some(cur) if !later(cur) => {}
            _ => {
                out.insert(ix, p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn with_annotations(pairs: &[(&str, &str)]) -> Pod {
        Pod {
            metadata: ObjectMeta {
                annotations: Some(
                    pairs
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                ),
                ..ObjectMeta::default()
            },
            ..Pod::default()
        }
    }

    #[test]
    fn compressed_form_matches_kubernetes() {
        let cases: &[(&[usize], &str)] = &[
            (&[], ""),
            (&[0], "0"),
            (&[1, 3, 4, 5, 7], "1,3-5,7"),
            (&[3, 4], "3,4"),
            (&[0, 1, 2, 3], "0-3"),
            (&[9, 2, 2, 1], "1,2,9"),
        ];
        for (indexes, want) in cases {
            let got = Intervals::from_indexes(indexes.iter().copied());
            assert_eq!(got.to_string(), *want, "{indexes:?}");
            assert_eq!(got.total(), indexes.iter().collect::<BTreeSet<_>>().len());
        }
    }

    #[test]
    fn parse_like_parse_indexes_from_string() {
        let cases: &[(&str, usize, &str, usize)] = &[
            ("", 10, "", 0),
            ("1,3-5,7", 10, "1,3-5,7", 5),
            ("0-3,4", 10, "0-4", 5),
            ("1,x,3", 10, "1,3", 2),
            ("2-20", 5, "2-4", 3),
            ("1,7,9", 5, "1", 1),
            ("3,4", 10, "3,4", 2),
        ];
        for (s, completions, want, total) in cases {
            let got = Intervals::parse(s, *completions);
            assert_eq!(got.to_string(), *want, "{s}");
            assert_eq!(got.total(), *total, "{s}");
        }
        assert!(Intervals::parse("1,3-5", 10).has(4));
        assert!(!Intervals::parse("1,3-5", 10).has(2));
    }

    #[test]
    fn completion_index_and_failure_counts_fall_back_to_zero() {
        assert_eq!(
            completion_index(&with_annotations(&[(COMPLETION_INDEX_KEY, "3")])),
            Some(3)
        );
        assert_eq!(
            completion_index(&with_annotations(&[(COMPLETION_INDEX_KEY, "-1")])),
            None
        );
        assert_eq!(
            completion_index(&with_annotations(&[(COMPLETION_INDEX_KEY, "x")])),
            None
        );
        assert_eq!(completion_index(&Pod::default()), None);
        let p = with_annotations(&[
            (INDEX_FAILURE_COUNT_ANNOTATION, "2"),
            (INDEX_IGNORED_FAILURE_COUNT_ANNOTATION, "3"),
        ]);
        assert_eq!((failure_count(&p), absolute_failure_count(&p)), (2, 5));
        let bad = with_annotations(&[(INDEX_FAILURE_COUNT_ANNOTATION, "99999999999")]);
        assert_eq!(failure_count(&bad), 0);
        assert_eq!(new_failure_counts(None, None), (0, 0));
        assert_eq!(new_failure_counts(None, Some(&p)), (3, 3));
    }

    #[test]
    fn first_pending_skips_taken_indexes() {
        let succeeded = Intervals::from_indexes([0, 2]);
        let failed = Intervals::from_indexes([3]);
        let busy: BTreeSet<usize> = [1].into_iter().collect();
        assert_eq!(
            first_pending(2, 7, &succeeded, Some(&failed), &busy),
            [4, 5]
        );
        assert_eq!(first_pending(9, 5, &succeeded, None, &busy), [3, 4]);
        assert!(first_pending(0, 5, &succeeded, None, &busy).is_empty());
    }
}
