//! kubectl's resource arguments (cli-runtime's `ResourceTypeOrNameArgs`): `KIND`,
//! `KIND NAME...`, `KIND1,KIND2 [NAME...]`, `all` and `KIND/NAME...`, read into the
//! kinds to visit, in order, with the names asked for. Pure: no I/O.

use anyhow::bail;

use crate::api::kinds::Kind;

/// kubectl's `all` category as the API server's discovery lists it (core group first,
/// then apps, then batch; resources in each in discovery order), restricted to the
/// kinds dockjob serves.
pub const ALL_CATEGORY: [Kind; 5] = [
    Kind::Pod,
    Kind::Service,
    Kind::ReplicaSet,
    Kind::CronJob,
    Kind::Job,
];

/// The kinds dockjob serves, as the usage errors list them (kubectl points at `kubectl
/// api-resources` instead, which dockjob does not have).
pub const KINDS_HINT: &str = "pods (po), jobs, cronjobs (cj), services (svc), replicasets (rs), configmaps (cm), secrets, events (ev), namespaces (ns), all";

/// cli-runtime's `missingResourceError`: what `kubectl delete` and `kubectl wait` say
/// when given nothing to act on.
pub const MISSING_RESOURCE: &str = "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

/// One kind to visit: every object of it (no names), or the named ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub kind: Kind,
    pub names: Vec<String>,
}

/// What the arguments select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// In the order kubectl visits them.
    pub requests: Vec<Request>,
    /// cli-runtime's `MultipleTypesRequested`: `all`, `a,b`, or `KIND/NAME` arguments of
    /// several types; kubectl then names objects `kind.group/name` in tables.
    pub with_kind: bool,
    /// kubectl's `singleItemImplied`: one type and one name, so `-o yaml|json` prints
    /// the object rather than a `List`.
    pub single_item: bool,
}

impl Selection {
    /// Whether more than one kind is visited.
    pub fn several_kinds(&self) -> bool {
        self.requests
            .first()
            .is_some_and(|first| self.requests.iter().any(|r| r.kind != first.kind))
    }

    /// Whether any object was asked for by name.
    pub fn has_names(&self) -> bool {
        self.requests.iter().any(|r| !r.names.is_empty())
    }
}

/// The kind for a name typed on the command line, or kubectl's error.
pub fn parse_kind(name: &str) -> anyhow::Result<Kind> {
    match Kind::from_cli(name) {
        Some(k) => Ok(k),
        None if super::namespaces::is_namespace_word(name) => {
            bail!("{}", super::namespaces::IMPLICIT)
        }
        None => bail!("the server doesn't have a resource type \"{name}\""),
    }
}

/// Reads `args` as kubectl does. `verb` words the messages (`get`, `delete`...).
pub fn parse(verb: &str, args: &[String]) -> anyhow::Result<Selection> {
    let Some(first) = args.first() else {
        if verb == "delete" {
            bail!("{MISSING_RESOURCE}");
        }
        bail!("you must specify the type of resource to {verb}. Use one of: {KINDS_HINT}.");
    };
    if args.iter().any(|a| a.contains('/')) {
        return parse_tuples(verb, args);
    }
    let mut types: Vec<&str> = Vec::new();
    for t in first.split(',') {
        if !types.contains(&t) {
            types.push(t);
        }
    }
    let with_kind = types.len() > 1 || types.contains(&"all");
    let names: Vec<String> = args[1..].to_vec();
    let mut requests: Vec<Request> = Vec::new();
    for t in &types {
        if t.is_empty() {
            bail!("arguments in resource/name form must have a single resource and name");
        }
        let kinds: Vec<Kind> = if t.eq_ignore_ascii_case("all") {
            ALL_CATEGORY.to_vec()
        } else {
            vec![parse_kind(t)?]
        };
        for kind in kinds {
            if !requests.iter().any(|r| r.kind == kind) {
                requests.push(Request {
                    kind,
                    names: names.clone(),
                });
            }
        }
    }
    let single_item = requests.len() == 1 && names.len() == 1 && !with_kind;
    Ok(Selection {
        requests,
        with_kind,
        single_item,
    })
}

/// `KIND/NAME...`: every argument must be one; consecutive ones of a kind are visited
/// together.
fn parse_tuples(verb: &str, args: &[String]) -> anyhow::Result<Selection> {
    let mut requests: Vec<Request> = Vec::new();
    let mut typed: Vec<&str> = Vec::new();
    for arg in args {
        let Some((k, name)) = arg.split_once('/') else {
            bail!(
                "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'dockjob {verb} resource/<resource_name>' instead of 'dockjob {verb} resource resource/<resource_name>'"
            );
        };
        if k.is_empty() || name.is_empty() || name.contains('/') {
            bail!("arguments in resource/name form must have a single resource and name");
        }
        let kind = parse_kind(k)?;
        if !typed.contains(&k) {
            typed.push(k);
        }
        match requests.last_mut() {
            Some(last) if last.kind == kind => last.names.push(name.to_string()),
            _ => requests.push(Request {
                kind,
                names: vec![name.to_string()],
            }),
        }
    }
    let single_item = args.len() == 1;
    Ok(Selection {
        requests,
        with_kind: typed.len() > 1,
        single_item,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn kinds(s: &Selection) -> Vec<Kind> {
        s.requests.iter().map(|r| r.kind).collect()
    }

    #[test]
    fn one_kind_with_and_without_names() {
        let s = parse("get", &args(&["jobs"])).unwrap();
        assert_eq!(kinds(&s), [Kind::Job]);
        assert!(!s.with_kind && !s.single_item && !s.has_names());
        let s = parse("get", &args(&["job", "oneshot"])).unwrap();
        assert!(s.single_item && !s.with_kind);
        assert_eq!(s.requests[0].names, ["oneshot"]);
        let s = parse("get", &args(&["job", "a", "b"])).unwrap();
        assert!(!s.single_item);
    }

    #[test]
    fn several_kinds_keep_their_order_and_show_kind() {
        let s = parse("delete", &args(&["rs,svc,job"])).unwrap();
        assert_eq!(kinds(&s), [Kind::ReplicaSet, Kind::Service, Kind::Job]);
        assert!(s.with_kind && s.several_kinds());
        // Duplicates (even through aliases) are visited once.
        let s = parse("get", &args(&["jobs,job,jobs"])).unwrap();
        assert_eq!(kinds(&s), [Kind::Job]);
        assert!(s.with_kind, "two distinct words, as kubectl counts them");
        let s = parse("get", &args(&["jobs,jobs"])).unwrap();
        assert!(!s.with_kind);
        let s = parse("get", &args(&["rs,svc", "queue"])).unwrap();
        assert_eq!(s.requests[1].names, ["queue"]);
        assert!(!s.single_item);
    }

    #[test]
    fn all_is_kubectls_category() {
        let s = parse("get", &args(&["all"])).unwrap();
        assert_eq!(kinds(&s), ALL_CATEGORY);
        assert!(s.with_kind);
        let s = parse("get", &args(&["all,cm"])).unwrap();
        assert_eq!(kinds(&s).last(), Some(&Kind::ConfigMap));
    }

    #[test]
    fn kind_slash_name() {
        let s = parse("get", &args(&["job/oneshot", "pod/x", "pod/y"])).unwrap();
        assert_eq!(
            s.requests,
            [
                Request {
                    kind: Kind::Job,
                    names: args(&["oneshot"])
                },
                Request {
                    kind: Kind::Pod,
                    names: args(&["x", "y"])
                },
            ]
        );
        assert!(s.with_kind && !s.single_item);
        let s = parse("delete", &args(&["rs/queue"])).unwrap();
        assert!(s.single_item && !s.with_kind);
    }

    #[test]
    fn kubectls_errors() {
        let err = |a: &[&str]| parse("get", &args(a)).unwrap_err().to_string();
        assert_eq!(
            err(&["widgets"]),
            "the server doesn't have a resource type \"widgets\""
        );
        assert!(err(&["job", "job/x"]).starts_with("there is no need to specify a resource type"));
        assert_eq!(
            err(&["job/"]),
            "arguments in resource/name form must have a single resource and name"
        );
        assert!(err(&[]).starts_with(
            "you must specify the type of resource to get. Use one of: pods (po), jobs,"
        ));
        assert!(
            parse("delete", &[])
                .unwrap_err()
                .to_string()
                .starts_with("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n")
        );
    }
}
