//! The kubelet's next step for one pod: what to do to Docker now, from the pod spec and
//! what Docker shows of the pod's containers.
//!
//! Pure: a function of its inputs, table-tested. The runtime executes one step, observes
//! Docker again and asks again, until the answer is [`Step::Wait`] or [`Step::Done`]. No
//! step depends on remembering a previous one, so an engine killed at any point resumes
//! by asking again: a container created but not started is started, an init container
//! that finished while nobody watched lets the next one run, and nothing that ran to its
//! end is ever run twice. Must not talk to Docker or decide anything about Jobs.

use super::translate::Role;

/// One container of the pod as Docker shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// No such container.
    Missing,
    /// Created and never started (the engine stopped between create and start).
    Created,
    /// Running, or being restarted in place by Docker (its restart policy).
    Running,
    /// Exited with 0; Docker will not run it again.
    Succeeded,
    /// Exited non-zero, or was stopped, or never started (`start_error`: Docker could not
    /// run the process, which it will not retry); Docker will not run it again.
    Failed { start_error: bool },
}

impl Seen {
    /// Whether the container ended and will not run again under `restart_policy`: the
    /// kubelet restarts a container that failed under `OnFailure` (Docker does it in
    /// place; one that Docker will not restart, because it was killed or stopped from
    /// outside or with dockerd, we start again), so such a container is not over.
    fn finished(self, restart_policy: &str) -> bool {
        match self {
            Seen::Succeeded | Seen::Failed { start_error: true } => true,
            Seen::Failed { start_error: false } => restart_policy != "OnFailure",
            _ => false,
        }
    }
}

/// The pod as the step function needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodView {
    /// `Never`, `OnFailure` or `Always`.
    pub restart_policy: String,
    /// The pod has no infra container: its one app container is its sandbox
    /// (`translate::owns_sandbox`), so there is no sandbox to make, stop or lose.
    pub owns_sandbox: bool,
    /// The infra container (ignored when `owns_sandbox`).
    pub infra: Seen,
    /// One per `spec.initContainers`, in order.
    pub init: Vec<Seen>,
    /// One per `spec.containers`, in order.
    pub apps: Vec<Seen>,
}

/// What to do next. Container indexes are into `spec.initContainers` / `spec.containers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Create the infra container (the pod sandbox: network namespace, hostname, IP).
    CreateInfra,
    /// Start (or restart) the infra container.
    StartInfra,
    /// Create an init or app container, joined to the infra container.
    Create(Role, usize),
    /// Start a created (or, for `restartPolicy: Always`, an exited) container.
    Start(Role, usize),
    /// The pod is over: stop the infra container, which frees the pod's IP.
    StopInfra,
    /// Nothing to do until Docker reports a change (a container runs, or Docker restarts
    /// it in place).
    Wait,
    /// The pod is over and nothing of it runs.
    Done,
}

/// Whether no container of the pod will run again: an init container failed under
/// `restartPolicy: Never`, or every app container has finished and the policy does not
/// restart it.
pub fn is_over(view: &PodView) -> bool {
    let never = view.restart_policy == "Never";
    if never && view.init.iter().any(|s| matches!(s, Seen::Failed { .. })) {
        return true;
    }
    if view.apps.is_empty() || !view.apps.iter().all(|s| s.finished(&view.restart_policy)) {
        return false;
    }
    // An Always pod is never over, not even when Docker cannot run its process (the
    // kubelet keeps such a pod Running and backs off): a Failed pod would make its
    // ReplicaSet replace it at once, forever. A start error is left to show.
    view.restart_policy != "Always"
}

/// The next step for the pod (see the module docs).
pub fn next_step(view: &PodView) -> Step {
    if is_over(view) {
        return if !view.owns_sandbox && view.infra == Seen::Running {
            Step::StopInfra
        } else {
            Step::Done
        };
    }
    if sandbox_lost(view) {
        // Containers still run in the dead sandbox's network namespace: a new sandbox
        // now would split the pod. The kubelet kills them first (the engine does, see
        // `engine::podsync`), then this asks again.
        return Step::Wait;
    }
    if !view.owns_sandbox {
        match view.infra {
            Seen::Missing => return Step::CreateInfra,
            Seen::Created | Seen::Succeeded | Seen::Failed { .. } => return Step::StartInfra,
            Seen::Running => {}
        }
    }
    // Init containers run one at a time, in order, each to success, before any app
    // container exists; once app containers exist the pod was initialized.
    if view.apps.iter().all(|s| *s == Seen::Missing) {
        for (i, seen) in view.init.iter().enumerate() {
            match seen {
                Seen::Succeeded => continue,
                Seen::Missing => return Step::Create(Role::Init, i),
                Seen::Created => return Step::Start(Role::Init, i),
                Seen::Running => return Step::Wait,
                // Docker restarts a failing init container in place (on-failure); one
                // that is down anyway was stopped (e.g. with dockerd): run it again, as
                // the kubelet restarts init containers until they succeed. A process
                // that cannot start at all is left to show its StartError.
                Seen::Failed { start_error: false } => return Step::Start(Role::Init, i),
                Seen::Failed { start_error: true } => return Step::Wait,
            }
        }
    }
    for (i, seen) in view.apps.iter().enumerate() {
        match seen {
            Seen::Missing => return Step::Create(Role::App, i),
            Seen::Created => return Step::Start(Role::App, i),
            _ => {}
        }
    }
    // A container that is down (killed or stopped outside dockjob, or with dockerd) and
    // that Docker will not restart is started again where the kubelet would restart it:
    // any exit under Always, a failure under OnFailure.
    for (i, seen) in view.apps.iter().enumerate() {
        let restart = match seen {
            Seen::Succeeded => view.restart_policy == "Always",
            Seen::Failed { start_error: false } => view.restart_policy != "Never",
            _ => false,
        };
        if restart {
            return Step::Start(Role::App, i);
        }
    }
    Step::Wait
}

impl PodView {
    /// The view once `step` has done what it does, as far as that is sure: a create
    /// leaves the container created, a start leaves it running. Other steps change
    /// nothing here.
    fn after(&mut self, step: Step) {
        fn slot(view: &mut PodView, role: Role, index: usize) -> Option<&mut Seen> {
            match role {
                Role::Init => view.init.get_mut(index),
                Role::App => view.apps.get_mut(index),
                Role::Infra => Some(&mut view.infra),
            }
        }
        let (seen, slot) = match step {
            Step::CreateInfra => (Seen::Created, Some(&mut self.infra)),
            Step::StartInfra => (Seen::Running, Some(&mut self.infra)),
            Step::Create(role, index) => (Seen::Created, slot(self, role, index)),
            Step::Start(role, index) => (Seen::Running, slot(self, role, index)),
            Step::StopInfra | Step::Wait | Step::Done => return,
        };
        if let Some(slot) = slot {
            *slot = seen;
        }
    }
}

/// The steps that surely follow `step` without a fresh look at Docker: the start of what
/// it just created, and then a wait when the pod has nothing more to make.
///
/// Why: each look at Docker is a list and an inspect per container, and an inspect
/// waits while Docker starts the container; a new pod took three looks to start its
/// one container. Stopping at any other step keeps every decision that needs Docker's
/// answer (the sandbox's IP for the next container, a container that failed) on a
/// fresh look. A wrong guess costs nothing: a container that exits at once is reported
/// by Docker's events, which sync the pod again.
pub fn ahead(view: &PodView, step: Step) -> Vec<Step> {
    let mut view = view.clone();
    let mut known = Vec::new();
    let mut last = step;
    loop {
        view.after(last);
        let next = next_step(&view);
        match (last, next) {
            (Step::Create(role, index), Step::Start(r, i)) if (role, index) == (r, i) => {}
            (Step::CreateInfra, Step::StartInfra) => {}
            (Step::Start(..) | Step::StartInfra, Step::Wait) => {
                known.push(Step::Wait);
                return known;
            }
            _ => return known,
        }
        known.push(next);
        last = next;
    }
}

/// Whether the pod's sandbox died under containers that still run: its infra container
/// exited (killed or stopped from outside) while an init or app container runs in the
/// network namespace it owned. The kubelet then kills every container of the pod before
/// anything else ("pod sandbox changed"); a new sandbox is made only where the restart
/// policy restarts the killed containers ([`next_step`] decides that afterwards).
pub fn sandbox_lost(view: &PodView) -> bool {
    !view.owns_sandbox
        && matches!(
            view.infra,
            Seen::Succeeded | Seen::Failed { start_error: false }
        )
        && view
            .init
            .iter()
            .chain(view.apps.iter())
            .any(|s| *s == Seen::Running)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Seen::{Created as C, Missing as M, Running as R, Succeeded as S};

    const F: Seen = Seen::Failed { start_error: false };
    const FS: Seen = Seen::Failed { start_error: true };

    fn view(policy: &str, infra: Seen, init: &[Seen], apps: &[Seen]) -> PodView {
        PodView {
            restart_policy: policy.into(),
            owns_sandbox: false,
            infra,
            init: init.to_vec(),
            apps: apps.to_vec(),
        }
    }

    #[test]
    fn a_pod_that_owns_its_sandbox_never_makes_or_stops_one() {
        use Step::*;
        let own = |policy: &str, app: Seen| PodView {
            restart_policy: policy.into(),
            owns_sandbox: true,
            // Whatever the (absent) infra container shows is ignored.
            infra: M,
            init: vec![],
            apps: vec![app],
        };
        assert_eq!(next_step(&own("Never", M)), Create(Role::App, 0));
        assert_eq!(next_step(&own("Never", C)), Start(Role::App, 0));
        assert_eq!(next_step(&own("Never", R)), Wait);
        assert_eq!(next_step(&own("Never", S)), Done);
        assert_eq!(next_step(&own("Never", F)), Done);
        assert_eq!(next_step(&own("OnFailure", F)), Start(Role::App, 0));
        assert_eq!(next_step(&own("OnFailure", S)), Done);
        assert!(!sandbox_lost(&own("Never", R)));
    }

    #[test]
    fn the_steps_known_ahead_stop_where_docker_must_be_asked() {
        use Step::*;
        let own = PodView {
            owns_sandbox: true,
            ..view("Never", M, &[], &[M])
        };
        assert_eq!(
            ahead(&own, Create(Role::App, 0)),
            vec![Start(Role::App, 0), Wait]
        );
        // The next container needs the sandbox's IP: ask Docker after the infra starts.
        let fresh = view("Never", M, &[M], &[M]);
        assert_eq!(ahead(&fresh, CreateInfra), vec![StartInfra]);
        let started = view("Never", R, &[M], &[M]);
        assert_eq!(
            ahead(&started, Create(Role::Init, 0)),
            vec![Start(Role::Init, 0), Wait]
        );
        // Two app containers: after the first is created, the second is to be made.
        let two = view("Never", R, &[], &[M, M]);
        assert_eq!(ahead(&two, Create(Role::App, 0)), vec![Start(Role::App, 0)]);
        assert_eq!(
            ahead(&view("Never", R, &[], &[R, C]), Start(Role::App, 1)),
            vec![Wait]
        );
        assert_eq!(ahead(&view("Never", R, &[], &[S]), Done), vec![]);
    }

    /// (case, restartPolicy, infra, init containers, app containers, expected step)
    type Case = (
        &'static str,
        &'static str,
        Seen,
        &'static [Seen],
        &'static [Seen],
        Step,
    );

    #[test]
    fn table() {
        use Role::{App, Init};
        use Step::*;
        let cases: &[Case] = &[
            // A new pod: sandbox first.
            ("fresh", "Never", M, &[M, M], &[M, M], CreateInfra),
            (
                "killed after infra create",
                "Never",
                C,
                &[M],
                &[M],
                StartInfra,
            ),
            ("first init", "Never", R, &[M, M], &[M, M], Create(Init, 0)),
            (
                "killed after init create",
                "Never",
                R,
                &[C, M],
                &[M],
                Start(Init, 0),
            ),
            ("init running", "Never", R, &[R, M], &[M], Wait),
            (
                "second init after first",
                "Never",
                R,
                &[S, M],
                &[M],
                Create(Init, 1),
            ),
            (
                "init done: first app",
                "Never",
                R,
                &[S, S],
                &[M, M],
                Create(App, 0),
            ),
            ("second app", "Never", R, &[S], &[R, M], Create(App, 1)),
            (
                "killed after app create",
                "Never",
                R,
                &[S],
                &[R, C],
                Start(App, 1),
            ),
            ("all running", "Never", R, &[S], &[R, R], Wait),
            ("one finished", "Never", R, &[], &[S, R], Wait),
            (
                "all finished: stop sandbox",
                "Never",
                R,
                &[],
                &[S, F],
                StopInfra,
            ),
            ("over", "Never", S, &[], &[S, F], Done),
            // Init failure.
            ("init failed, Never", "Never", R, &[F, M], &[M], StopInfra),
            ("init failed, Never, over", "Never", S, &[F, M], &[M], Done),
            (
                "init down, OnFailure: again",
                "OnFailure",
                R,
                &[F],
                &[M],
                Start(Init, 0),
            ),
            (
                "init cannot start, OnFailure",
                "OnFailure",
                R,
                &[FS],
                &[M],
                Wait,
            ),
            ("init restarting in place", "Always", R, &[R], &[M], Wait),
            // Restart policies.
            (
                "OnFailure all succeeded",
                "OnFailure",
                R,
                &[],
                &[S, S],
                StopInfra,
            ),
            (
                "OnFailure killed from outside: start again",
                "OnFailure",
                R,
                &[],
                &[F],
                Start(App, 0),
            ),
            (
                "OnFailure killed with its sandbox: sandbox first",
                "OnFailure",
                F,
                &[],
                &[S, F],
                StartInfra,
            ),
            (
                "OnFailure cannot start",
                "OnFailure",
                R,
                &[],
                &[FS],
                StopInfra,
            ),
            (
                "Never killed from outside",
                "Never",
                R,
                &[],
                &[F],
                StopInfra,
            ),
            (
                "Always exited: start again",
                "Always",
                R,
                &[],
                &[R, S],
                Start(App, 1),
            ),
            (
                "Always failed: start again",
                "Always",
                R,
                &[],
                &[F],
                Start(App, 0),
            ),
            ("Always cannot start", "Always", R, &[], &[FS], Wait),
            (
                "Always, one cannot start",
                "Always",
                R,
                &[],
                &[FS, S],
                Start(App, 1),
            ),
            ("Always running", "Always", R, &[S], &[R], Wait),
            // The sandbox went down while the pod lives (dockerd restart).
            (
                "infra down under a running app",
                "Always",
                S,
                &[],
                &[R],
                Wait,
            ),
            ("infra down, app killed", "Always", S, &[], &[F], StartInfra),
            // A start Docker refused because the sandbox was down reads as Created (see
            // `status::seen`): never a StartError that would end the pod.
            (
                "start refused by a down sandbox: sandbox first",
                "OnFailure",
                S,
                &[],
                &[C, F],
                StartInfra,
            ),
            (
                "start refused by a down sandbox, sandbox back",
                "OnFailure",
                R,
                &[],
                &[C],
                Start(App, 0),
            ),
            ("infra never started", "Always", FS, &[], &[M], StartInfra),
            // App containers exist: init containers are not run again.
            ("initialized", "Never", R, &[M], &[R], Wait),
        ];
        for (name, policy, infra, init, apps, want) in cases {
            let v = view(policy, *infra, init, apps);
            assert_eq!(next_step(&v), *want, "{name}: {v:?}");
        }
    }

    #[test]
    fn a_sandbox_is_lost_when_its_infra_exits_under_running_containers() {
        assert!(sandbox_lost(&view("Never", F, &[], &[R])));
        assert!(sandbox_lost(&view("OnFailure", S, &[R], &[M])));
        assert!(!sandbox_lost(&view("Never", F, &[], &[S])), "pod over");
        assert!(!sandbox_lost(&view("Never", R, &[], &[R])));
        assert!(
            !sandbox_lost(&view("Never", C, &[], &[M])),
            "not started yet"
        );
        assert!(!sandbox_lost(&view("Never", M, &[], &[M])));
    }

    #[test]
    fn every_path_from_a_fresh_pod_reaches_wait_without_repeating_a_step() {
        // Simulate: each step's effect, then ask again; a crash between any two steps is
        // the same as asking again, so this also covers resumption.
        let mut v = view("Never", M, &[M, M], &[M, M]);
        let mut steps = Vec::new();
        loop {
            let step = next_step(&v);
            steps.push(step);
            match step {
                Step::CreateInfra => v.infra = C,
                Step::StartInfra => v.infra = R,
                Step::Create(Role::Init, i) => v.init[i] = C,
                Step::Create(_, i) => v.apps[i] = C,
                Step::Start(Role::Init, i) => v.init[i] = S, // runs to success
                Step::Start(_, i) => v.apps[i] = R,
                Step::StopInfra => v.infra = F,
                Step::Wait | Step::Done => break,
            }
            assert!(steps.len() < 20, "{steps:?}");
        }
        use Role::{App, Init};
        assert_eq!(
            steps,
            [
                Step::CreateInfra,
                Step::StartInfra,
                Step::Create(Init, 0),
                Step::Start(Init, 0),
                Step::Create(Init, 1),
                Step::Start(Init, 1),
                Step::Create(App, 0),
                Step::Start(App, 0),
                Step::Create(App, 1),
                Step::Start(App, 1),
                Step::Wait,
            ]
        );
        v.apps = vec![S, S];
        assert_eq!(next_step(&v), Step::StopInfra);
    }
}
