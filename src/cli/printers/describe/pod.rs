//! `describe pod` (kubectl's `describePod`) and the pod's QoS class.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use k8s_openapi::api::core::v1::{Container, Event, Pod};

use super::super::age::since;
use super::super::quantity;
use super::containers::{describe_containers, describe_resources};
use super::events::describe_events;
use super::volumes::describe_volumes;
use super::{
    LEVEL_0, LEVEL_1, Writer, print_controlled_by, print_labels_annotations, print_name_namespace,
    print_node_selectors_tolerations, rfc1123z,
};

/// `kubectl describe pod`, as kubectl 1.32 lays it out (the sections dockjob's pods can
/// have). `tz` is the zone times are shown in.
pub fn describe_pod(pod: &Pod, events: &[Event], now: Timestamp, tz: &TimeZone) -> String {
    let mut w = Writer::new();
    let meta = &pod.metadata;
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    print_name_namespace(&mut w, meta);
    if let Some(p) = spec.priority {
        w.write(LEVEL_0, &format!("Priority:\t{p}\n"));
    }
    if let Some(pc) = spec
        .priority_class_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(LEVEL_0, &format!("Priority Class Name:\t{pc}\n"));
    }
    if let Some(rc) = spec.runtime_class_name.as_deref().filter(|s| !s.is_empty()) {
        w.write(LEVEL_0, &format!("Runtime Class Name:\t{rc}\n"));
    }
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(LEVEL_0, &format!("Service Account:\t{sa}\n"));
    }
    match spec.node_name.as_deref().filter(|s| !s.is_empty()) {
        None => w.write(LEVEL_0, "Node:\t<none>\n"),
        Some(node) => w.write(
            LEVEL_0,
            &format!(
                "Node:\t{node}/{}\n",
                status.host_ip.as_deref().unwrap_or("")
            ),
        ),
    }
    if let Some(start) = &status.start_time {
        w.write(
            LEVEL_0,
            &format!("Start Time:\t{}\n", rfc1123z(Some(start), tz)),
        );
    }
    print_labels_annotations(&mut w, meta);
    let phase = status.phase.clone().unwrap_or_default();
    match &meta.deletion_timestamp {
        Some(deleted) if phase != "Failed" && phase != "Succeeded" => {
            w.write(
                LEVEL_0,
                &format!(
                    "Status:\tTerminating (lasts {})\n",
                    since(Some(deleted.0), now)
                ),
            );
            w.write(
                LEVEL_0,
                &format!(
                    "Termination Grace Period:\t{}s\n",
                    meta.deletion_grace_period_seconds.unwrap_or(0)
                ),
            );
        }
        _ => w.write(LEVEL_0, &format!("Status:\t{phase}\n")),
    }
    if let Some(reason) = status.reason.as_deref().filter(|s| !s.is_empty()) {
        w.write(LEVEL_0, &format!("Reason:\t{reason}\n"));
    }
    if let Some(message) = status.message.as_deref().filter(|s| !s.is_empty()) {
        w.write(LEVEL_0, &format!("Message:\t{message}\n"));
    }
    if let Some(profile) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
    {
        w.write(LEVEL_0, &format!("SeccompProfile:\t{}\n", profile.type_));
        if profile.type_ == "Localhost" {
            w.write(
                LEVEL_0,
                &format!(
                    "LocalhostProfile:\t{}\n",
                    profile.localhost_profile.as_deref().unwrap_or("")
                ),
            );
        }
    }
    w.write(
        LEVEL_0,
        &format!("IP:\t{}\n", status.pod_ip.as_deref().unwrap_or("")),
    );
    match status.pod_ips.as_ref().filter(|ips| !ips.is_empty()) {
        None => w.write(LEVEL_0, "IPs:\t<none>\n"),
        Some(ips) => {
            w.write(LEVEL_0, "IPs:\n");
            for ip in ips {
                w.write(LEVEL_1, &format!("IP:\t{}\n", ip.ip));
            }
        }
    }
    print_controlled_by(&mut w, meta);
    if let Some(n) = status
        .nominated_node_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(LEVEL_0, &format!("NominatedNodeName:\t{n}\n"));
    }
    if let Some(resources) = &spec.resources {
        w.write(LEVEL_0, "Resources:\n");
        describe_resources(&mut w, Some(resources), LEVEL_1);
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|i| !i.is_empty()) {
        let statuses = status
            .init_container_statuses
            .as_deref()
            .unwrap_or_default();
        describe_containers(
            &mut w,
            "Init Containers",
            init,
            Some(statuses),
            Some(pod),
            "",
            tz,
        );
    }
    let statuses = status.container_statuses.as_deref().unwrap_or_default();
    describe_containers(
        &mut w,
        "Containers",
        &spec.containers,
        Some(statuses),
        Some(pod),
        "",
        tz,
    );
    let conditions = status.conditions.clone().unwrap_or_default();
    if let Some(gates) = spec.readiness_gates.as_ref().filter(|g| !g.is_empty()) {
        w.write(LEVEL_0, "Readiness Gates:\n  Type\tStatus\n");
        for g in gates {
            let s = conditions
                .iter()
                .find(|c| c.type_ == g.condition_type)
                .map_or("<none>".to_string(), |c| c.status.clone());
            w.write(LEVEL_1, &format!("{} \t{s} \n", g.condition_type));
        }
    }
    if !conditions.is_empty() {
        w.write(LEVEL_0, "Conditions:\n  Type\tStatus\n");
        for c in &conditions {
            w.write(LEVEL_1, &format!("{} \t{} \n", c.type_, c.status));
        }
    }
    describe_volumes(&mut w, spec.volumes.as_ref(), "");
    w.write(LEVEL_0, &format!("QoS Class:\t{}\n", qos_class(pod)));
    print_node_selectors_tolerations(&mut w, &spec, "");
    describe_events(&mut w, events, now);
    w.finish()
}

/// The pod's QoS class: `status.qosClass` when the engine set it, else computed as the
/// API server does (only cpu and memory count; Guaranteed when every container limits
/// both and requests, where given, equal limits; BestEffort when nothing is set).
pub fn qos_class(pod: &Pod) -> String {
    if let Some(q) = pod
        .status
        .as_ref()
        .and_then(|s| s.qos_class.as_deref())
        .filter(|q| !q.is_empty())
    {
        return q.to_string();
    }
    let spec = pod.spec.clone().unwrap_or_default();
    let containers: Vec<&Container> = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .collect();
    let mut requests: std::collections::BTreeMap<&str, f64> = Default::default();
    let mut limits: std::collections::BTreeMap<&str, f64> = Default::default();
    let mut guaranteed = true;
    for c in containers {
        let r = c.resources.as_ref();
        for (name, q) in r.and_then(|r| r.requests.as_ref()).into_iter().flatten() {
            if let ("cpu" | "memory", Some(v)) = (name.as_str(), quantity::value(&q.0))
                && v != 0.0
            {
                *requests.entry(name.as_str()).or_default() += v;
            }
        }
        let mut found = 0;
        for (name, q) in r.and_then(|r| r.limits.as_ref()).into_iter().flatten() {
            if let ("cpu" | "memory", Some(v)) = (name.as_str(), quantity::value(&q.0))
                && v != 0.0
            {
                found += 1;
                *limits.entry(name.as_str()).or_default() += v;
            }
        }
        if found != 2 {
            guaranteed = false;
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort".to_string();
    }
    if guaranteed
        && requests.iter().all(|(k, v)| limits.get(k) == Some(v))
        && requests.len() == limits.len()
    {
        return "Guaranteed".to_string();
    }
    "Burstable".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::printers::test_support::now;
    use serde_json::json;

    fn failed_pod() -> Pod {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": "flaky-7bq2x", "namespace": "default",
                "creationTimestamp": "2024-05-01T11:58:00Z",
                "labels": {"batch.kubernetes.io/job-name": "flaky", "job-name": "flaky"},
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "flaky",
                                     "uid": "u1", "controller": true, "blockOwnerDeletion": true}]
            },
            "spec": {
                "restartPolicy": "OnFailure", "nodeName": "dockjob",
                "containers": [{"name": "main", "image": "dockjob-test/busybox:1",
                                "command": ["sh", "-c", "exit 3"],
                                "env": [{"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}]}]
            },
            "status": {
                "phase": "Running", "hostIP": "172.18.0.1", "podIP": "172.18.0.5",
                "podIPs": [{"ip": "172.18.0.5"}],
                "startTime": "2024-05-01T11:58:00Z",
                "conditions": [
                    {"type": "Initialized", "status": "True"},
                    {"type": "Ready", "status": "False"},
                    {"type": "PodScheduled", "status": "True"}
                ],
                "containerStatuses": [{
                    "name": "main", "image": "dockjob-test/busybox:1",
                    "imageID": "docker://sha256:abc", "containerID": "docker://0123abcd",
                    "ready": false, "restartCount": 2,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 20s"}},
                    "lastState": {"terminated": {"exitCode": 3, "reason": "Error",
                        "startedAt": "2024-05-01T11:59:00Z", "finishedAt": "2024-05-01T11:59:01Z"}}
                }]
            }
        }))
        .unwrap()
    }

    #[test]
    fn pod_with_restarts_and_events() {
        let events: Vec<Event> = serde_json::from_value(json!([
            {"metadata": {"name": "e1"}, "involvedObject": {"kind": "Pod", "name": "flaky-7bq2x"},
             "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container main",
             "source": {"component": "kubelet", "host": "dockjob"},
             "firstTimestamp": "2024-05-01T11:59:01Z", "lastTimestamp": "2024-05-01T11:59:40Z", "count": 3},
            {"metadata": {"name": "e0"}, "involvedObject": {"kind": "Pod", "name": "flaky-7bq2x"},
             "type": "Normal", "reason": "Started", "message": "Started container main",
             "reportingComponent": "dockjob",
             "firstTimestamp": "2024-05-01T11:58:01Z", "lastTimestamp": "2024-05-01T11:58:01Z", "count": 1}
        ]))
        .unwrap();
        let got = describe_pod(&failed_pod(), &events, now(), &TimeZone::UTC);
        let want = "\
Name:         flaky-7bq2x
Namespace:    default
Node:         dockjob/172.18.0.1
Start Time:   Wed, 01 May 2024 11:58:00 +0000
Labels:       batch.kubernetes.io/job-name=flaky
              job-name=flaky
Annotations:  <none>
Status:       Running
IP:           172.18.0.5
IPs:
  IP:           172.18.0.5
Controlled By:  Job/flaky
Containers:
  main:
    Container ID:  docker://0123abcd
    Image:         dockjob-test/busybox:1
    Image ID:      docker://sha256:abc
    Port:          <none>
    Host Port:     <none>
    Command:
      sh
      -c
      exit 3
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Exit Code:    3
      Started:      Wed, 01 May 2024 11:59:00 +0000
      Finished:     Wed, 01 May 2024 11:59:01 +0000
    Ready:          False
    Restart Count:  2
    Environment:
      NS:    default (v1:metadata.namespace)
    Mounts:  <none>
Conditions:
  Type           Status
  Initialized    True 
  Ready          False 
  PodScheduled   True 
Volumes:         <none>
QoS Class:       BestEffort
Node-Selectors:  <none>
Tolerations:     <none>
Events:
  Type     Reason   Age                From     Message
  ----     ------   ----               ----     -------
  Normal   Started  119s               dockjob  Started container main
  Warning  BackOff  20s (x3 over 59s)  kubelet  Back-off restarting failed container main
";
        assert_eq!(got, want);
    }

    /// A container killed for its memory limit: `Reason: OOMKilled` under State, and
    /// under Last State once it restarted (kubectl's describeStatus).
    #[test]
    fn oom_killed_shows_as_the_reason() {
        let mut pod = failed_pod();
        let status = pod.status.as_mut().unwrap();
        status.phase = Some("Failed".into());
        let cs = &mut status.container_statuses.as_mut().unwrap()[0];
        cs.state = serde_json::from_value(json!({"terminated": {"exitCode": 137,
            "reason": "OOMKilled", "startedAt": "2024-05-01T11:59:30Z",
            "finishedAt": "2024-05-01T11:59:31Z"}}))
        .unwrap();
        cs.last_state = serde_json::from_value(json!({"terminated": {"exitCode": 137,
            "reason": "OOMKilled", "startedAt": "2024-05-01T11:59:00Z",
            "finishedAt": "2024-05-01T11:59:01Z"}}))
        .unwrap();
        let got = describe_pod(&pod, &[], now(), &TimeZone::UTC);
        let want = "\
    State:          Terminated
      Reason:       OOMKilled
      Exit Code:    137
      Started:      Wed, 01 May 2024 11:59:30 +0000
      Finished:     Wed, 01 May 2024 11:59:31 +0000
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
";
        assert!(got.contains(want), "{got}");
        assert!(got.contains("Status:       Failed\n"), "{got}");
    }

    #[test]
    fn qos_classes() {
        let mut p = failed_pod();
        assert_eq!(qos_class(&p), "BestEffort");
        let c = &mut p.spec.as_mut().unwrap().containers[0];
        c.resources = Some(serde_json::from_value(json!({"limits": {"cpu": "1", "memory": "1Gi"},
                                                          "requests": {"cpu": "1000m", "memory": "1024Mi"}})).unwrap());
        assert_eq!(qos_class(&p), "Guaranteed");
        let c = &mut p.spec.as_mut().unwrap().containers[0];
        c.resources = Some(serde_json::from_value(json!({"requests": {"cpu": "100m"}})).unwrap());
        assert_eq!(qos_class(&p), "Burstable");
        p.status.as_mut().unwrap().qos_class = Some("Guaranteed".into());
        assert_eq!(qos_class(&p), "Guaranteed");
    }

    /// A pod with an init container and two containers sharing an emptyDir, reading a
    /// ConfigMap and a Secret through env, envFrom and volumes (kubectl's
    /// describeContainers and describeVolumes).
    #[test]
    fn init_containers_env_sources_mounts_and_volumes() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "default",
                         "creationTimestamp": "2024-05-01T11:58:00Z"},
            "spec": {
                "nodeName": "dockjob", "restartPolicy": "Never",
                "initContainers": [{"name": "fetch", "image": "busybox",
                    "command": ["sh", "-c", "echo hi > /data/index.html"],
                    "volumeMounts": [{"name": "scratch", "mountPath": "/data"}]}],
                "containers": [
                    {"name": "app", "image": "kuard",
                     "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                     "envFrom": [{"configMapRef": {"name": "my-config"}},
                                 {"prefix": "DB_", "secretRef": {"name": "creds", "optional": true}}],
                     "env": [{"name": "GREETING", "valueFrom": {"configMapKeyRef": {"name": "my-config", "key": "greeting"}}},
                             {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
                             {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}],
                     "volumeMounts": [{"name": "scratch", "mountPath": "/data"},
                                      {"name": "config", "mountPath": "/etc/config", "readOnly": true},
                                      {"name": "creds", "mountPath": "/etc/creds/password", "subPath": "password"}]},
                    {"name": "sidecar", "image": "busybox",
                     "volumeMounts": [{"name": "host", "mountPath": "/host", "readOnly": true}]}
                ],
                "volumes": [
                    {"name": "scratch", "emptyDir": {}},
                    {"name": "config", "configMap": {"name": "my-config", "defaultMode": 420}},
                    {"name": "creds", "secret": {"secretName": "creds", "defaultMode": 256}},
                    {"name": "host", "hostPath": {"path": "/var/log", "type": ""}}
                ]
            },
            "status": {
                "phase": "Pending", "hostIP": "172.18.0.1",
                "startTime": "2024-05-01T11:58:00Z",
                "conditions": [{"type": "Initialized", "status": "False"},
                               {"type": "Ready", "status": "False"}],
                "initContainerStatuses": [{"name": "fetch", "image": "busybox", "imageID": "",
                    "ready": false, "restartCount": 0,
                    "state": {"running": {"startedAt": "2024-05-01T11:58:01Z"}}}],
                "containerStatuses": [
                    {"name": "app", "image": "kuard", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"waiting": {"reason": "PodInitializing"}}},
                    {"name": "sidecar", "image": "busybox", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"waiting": {"reason": "PodInitializing"}}}]
            }
        }))
        .unwrap();
        let got = describe_pod(&pod, &[], now(), &TimeZone::UTC);
        let want = "\
Name:         web
Namespace:    default
Node:         dockjob/172.18.0.1
Start Time:   Wed, 01 May 2024 11:58:00 +0000
Labels:       <none>
Annotations:  <none>
Status:       Pending
IP:           
IPs:          <none>
Init Containers:
  fetch:
    Container ID:  
    Image:         busybox
    Image ID:      
    Port:          <none>
    Host Port:     <none>
    Command:
      sh
      -c
      echo hi > /data/index.html
    State:          Running
      Started:      Wed, 01 May 2024 11:58:01 +0000
    Ready:          False
    Restart Count:  0
    Environment:    <none>
    Mounts:
      /data from scratch (rw)
Containers:
  app:
    Container ID:   
    Image:          kuard
    Image ID:       
    Port:           8080/TCP
    Host Port:      0/TCP
    State:          Waiting
      Reason:       PodInitializing
    Ready:          False
    Restart Count:  0
    Environment Variables from:
      my-config  ConfigMap                 Optional: false
      creds      Secret with prefix 'DB_'  Optional: true
    Environment:
      GREETING:  <set to the key 'greeting' of config map 'my-config'>  Optional: false
      PASSWORD:  <set to the key 'password' in secret 'creds'>          Optional: false
      POD_IP:     (v1:status.podIP)
    Mounts:
      /data from scratch (rw)
      /etc/config from config (ro)
      /etc/creds/password from creds (rw,path=\"password\")
  sidecar:
    Container ID:   
    Image:          busybox
    Image ID:       
    Port:           <none>
    Host Port:      <none>
    State:          Waiting
      Reason:       PodInitializing
    Ready:          False
    Restart Count:  0
    Environment:    <none>
    Mounts:
      /host from host (ro)
Conditions:
  Type          Status
  Initialized   False 
  Ready         False 
Volumes:
  scratch:
    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:     
    SizeLimit:  <unset>
  config:
    Type:      ConfigMap (a volume populated by a ConfigMap)
    Name:      my-config
    Optional:  false
  creds:
    Type:        Secret (a volume populated by a Secret)
    SecretName:  creds
    Optional:    false
  host:
    Type:          HostPath (bare host directory volume)
    Path:          /var/log
    HostPathType:  
QoS Class:         BestEffort
Node-Selectors:    <none>
Tolerations:       <none>
Events:            <none>
";
        assert_eq!(got, want);
    }
}
