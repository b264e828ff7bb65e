//! `successPolicy` of an Indexed Job (`success_policy.go`): whether the succeeded
//! indexes meet one of the rules, and the message naming the first rule that does.
//!
//! Pure: succeeded indexes in, decision out.

use k8s_openapi::api::batch::v1::SuccessPolicy;

use super::indexed::Intervals;

/// `matchSuccessPolicy`: `Some("Matched rules at index N")` for the first rule met.
/// A rule with `succeededIndexes` is met when all those indexes succeeded, or at least
/// `succeededCount` of them; a rule with only `succeededCount` when that many indexes
/// succeeded at all.
pub fn matches(
    policy: Option<&SuccessPolicy>,
    completions: usize,
    succeeded: &Intervals,
) -> Option<String> {
    let policy = policy?;
    if succeeded.is_empty() {
        return None;
    }
    for (index, rule) in policy.rules.iter().enumerate() {
        let met = if let Some(s) = &rule.succeeded_indexes {
            let required = Intervals::parse(s, completions);
            if required.is_empty() {
                continue;
            }
            let contains = overlap(&required, succeeded);
            contains == required.total()
                || rule
                    .succeeded_count
                    .is_some_and(|n| usize::try_from(n).is_ok_and(|n| contains >= n))
        } else if let Some(n) = rule.succeeded_count {
            usize::try_from(n).is_ok_and(|n| succeeded.total() >= n)
        } else {
            false
        };
        if met {
            return Some(format!("Matched rules at index {index}"));
        }
    }
    None
}

/// How many indexes of `required` are in `succeeded`.
fn overlap(required: &Intervals, succeeded: &Intervals) -> usize {
    let mut n = 0;
    for (rf, rl) in required.runs() {
        for (sf, sl) in succeeded.runs() {
            let lo = (*rf).max(*sf);
            let hi = (*rl).min(*sl);
            if lo <= hi {
                n += hi - lo + 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::SuccessPolicyRule;

    fn rule(indexes: Option<&str>, count: Option<i32>) -> SuccessPolicyRule {
        SuccessPolicyRule {
            succeeded_indexes: indexes.map(str::to_owned),
            succeeded_count: count,
        }
    }

    #[test]
    fn rules_match_like_kubernetes() {
        type Case = (
            &'static str,
            Vec<SuccessPolicyRule>,
            &'static str,
            Option<&'static str>,
        );
        let cases: Vec<Case> = vec![
            ("nothing succeeded", vec![rule(None, Some(0))], "", None),
            (
                "count rule met",
                vec![rule(None, Some(2))],
                "0,3",
                Some("Matched rules at index 0"),
            ),
            ("count rule not met", vec![rule(None, Some(3))], "0,3", None),
            (
                "all listed indexes",
                vec![rule(Some("0"), None)],
                "0",
                Some("Matched rules at index 0"),
            ),
            (
                "listed index missing",
                vec![rule(Some("0,1"), None)],
                "0,2-4",
                None,
            ),
            (
                "listed indexes with a count",
                vec![rule(Some("0-3"), Some(2))],
                "1,3",
                Some("Matched rules at index 0"),
            ),
            (
                "second rule",
                vec![rule(Some("5"), None), rule(None, Some(1))],
                "2",
                Some("Matched rules at index 1"),
            ),
            (
                "unparsable indexes skip the rule",
                vec![rule(Some("x"), None), rule(Some("2"), None)],
                "2",
                Some("Matched rules at index 1"),
            ),
        ];
        for (name, rules, succeeded, want) in cases {
            let policy = SuccessPolicy { rules };
            let got = matches(Some(&policy), 5, &Intervals::parse(succeeded, 5));
            assert_eq!(got.as_deref(), want, "{name}");
        }
        assert_eq!(matches(None, 5, &Intervals::parse("0-4", 5)), None);
    }
}
