#!/usr/bin/env python3
"""Checks rendered manifests (helm template or kustomize build) for what issue #8 promises
and a schema cannot see: the restricted security context on every pod, probes on the paths
the services serve, PDB and NetworkPolicy coverage, pinned images, standard labels, Kafka
topics with their dead-letter topics, and CRD objects only where asked for.

Usage: check_rendered.py [--each] [--expect KEY=VALUE]... <manifest.yaml>...
  --each                       check every file on its own (default: all files as one set)
  --expect servicemonitors=N   exactly N ServiceMonitor objects
  --expect kafkatopics=N       exactly N KafkaTopic objects
  --expect pdb=yes|no          every service Deployment has a PodDisruptionBudget (or none)
  --expect services=a,b,c      the service Deployments present (by component label)
Prints one line per finding; exit 1 if any.
"""
import re
import sys

import yaml
from report import report

SERVICE_PROBES = {"startupProbe": "/healthz", "livenessProbe": "/healthz",
                  "readinessProbe": "/readyz"}
STANDARD_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/instance",
                   "app.kubernetes.io/component", "app.kubernetes.io/part-of"]
TOPIC = re.compile(r"^tongban\.[a-z]+\.[a-z.]+\.v[0-9]+(\.dlq)?$")

# libyaml's loader when present: five times faster on the kustomize combinations.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

findings = []


def finding(obj, message):
    findings.append(f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}: {message}")


def pod_spec(obj):
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet", "Job"):
        return obj["spec"]["template"]["spec"]
    return None


def selects(selector, labels):
    match = (selector or {}).get("matchLabels", {})
    return all(labels.get(k) == v for k, v in match.items())


def check_pod(obj, spec):
    psc = spec.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True:
        finding(obj, "pod securityContext.runAsNonRoot is not true")
    if not isinstance(psc.get("runAsUser"), int) or psc["runAsUser"] == 0:
        finding(obj, "pod securityContext.runAsUser is not a fixed non-zero uid")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        finding(obj, "pod seccompProfile is not RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        finding(obj, "pod mounts a service-account token")
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False:
            finding(obj, f"container {c['name']}: allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            finding(obj, f"container {c['name']}: root filesystem is not read-only")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            finding(obj, f"container {c['name']}: capabilities do not drop ALL")
        if sc.get("privileged"):
            finding(obj, f"container {c['name']}: privileged")
        image = c.get("image", "")
        tag = image.split("@")[0].rsplit(":", 1)
        if len(tag) < 2 or "/" in tag[1] or tag[1] in ("", "latest"):
            finding(obj, f"container {c['name']}: image {image} has no pinned tag")
        res = c.get("resources", {})
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(kind, {}):
                    finding(obj, f"container {c['name']}: no {kind}.{r}")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        if "/tmp" not in mounts or "emptyDir" not in volumes.get(mounts["/tmp"], {}):
            finding(obj, f"container {c['name']}: /tmp is not an emptyDir")
        for e in c.get("env", []):
            if "valueFrom" in e and "secretKeyRef" in e["valueFrom"]:
                finding(obj, f"container {c['name']}: secret {e['name']} in the environment "
                        "(mount it and use the _FILE variable)")
            if re.search(r"PASSWORD$|_KEY$", e["name"]) and "value" in e:
                finding(obj, f"container {c['name']}: secret-looking {e['name']} has a value")


def check_service_deployment(obj, spec, grace_min):
    c = spec["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    if "http" not in ports:
        finding(obj, "no port named http")
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    if "TONGBAN_HTTP_PORT" in env and str(ports.get("http")) != env["TONGBAN_HTTP_PORT"]:
        finding(obj, f"TONGBAN_HTTP_PORT {env['TONGBAN_HTTP_PORT']} != containerPort "
                f"{ports.get('http')}")
    for probe, path in SERVICE_PROBES.items():
        got = c.get(probe, {}).get("httpGet", {})
        if got.get("path") != path or got.get("port") not in ("http", ports.get("http")):
            finding(obj, f"{probe} is not GET {path} on the http port")
    drain = env.get("TONGBAN_DRAIN_TIMEOUT_MS")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    if drain is not None and grace * 1000 <= int(drain):
        finding(obj, f"terminationGracePeriodSeconds {grace} does not exceed the drain "
                f"time {drain} ms")
    if not spec.get("topologySpreadConstraints") and not spec.get("affinity"):
        finding(obj, "neither topology spread nor affinity")
    strategy = obj["spec"].get("strategy", {})
    if strategy.get("type") != "RollingUpdate":
        finding(obj, "not a RollingUpdate strategy")


def main():
    args = sys.argv[1:]
    expect = {}
    files = []
    each = False
    while args:
        a = args.pop(0)
        if a == "--expect":
            k, v = args.pop(0).split("=", 1)
            expect[k] = v
        elif a == "--each":
            each = True
        else:
            files.append(a)
    groups = [[f] for f in files] if each else [files]
    return max(check_files(g, expect) for g in groups)


def check_files(files, expect):
    findings.clear()
    objs = []
    for f in files:
        with open(f) as fh:
            objs += [o for o in yaml.load_all(fh, Loader=LOADER) if o]
    by_kind = {}
    for o in objs:
        by_kind.setdefault(o["kind"], []).append(o)
        labels = o.get("metadata", {}).get("labels", {})
        for label in STANDARD_LABELS:
            if label not in labels:
                finding(o, f"no {label} label")

    service_deployments = []
    for o in objs:
        spec = pod_spec(o)
        if spec is None:
            continue
        check_pod(o, spec)
        if o["kind"] == "Deployment":
            service_deployments.append(o)
            check_service_deployment(o, spec, 0)

    components = sorted(d["metadata"]["labels"].get("app.kubernetes.io/component")
                        for d in service_deployments)
    if "services" in expect and components != sorted(expect["services"].split(",")):
        findings.append(f"service Deployments {components}, expected {expect['services']}")

    # Deny by default: one policy selecting every pod with no rules, and each workload's own.
    policies = by_kind.get("NetworkPolicy", [])
    if not any(not p["spec"].get("ingress") and not p["spec"].get("egress")
               and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
               and "app.kubernetes.io/component" not in
               p["spec"]["podSelector"].get("matchLabels", {}) for p in policies):
        findings.append("no default-deny NetworkPolicy (Ingress and Egress, no rules)")
    for o in objs:
        if pod_spec(o) is None:
            continue
        labels = o["spec"]["template"]["metadata"]["labels"]
        own = [p for p in policies
               if "app.kubernetes.io/component" in p["spec"]["podSelector"].get("matchLabels", {})
               and selects(p["spec"]["podSelector"], labels)]
        if not own:
            finding(o, "no NetworkPolicy of its own")
        for p in own:
            for rule in p["spec"].get("ingress", []) + p["spec"].get("egress", []):
                if not rule.get("ports"):
                    finding(p, "a rule without ports")

    pdbs = by_kind.get("PodDisruptionBudget", [])
    if expect.get("pdb") in ("yes", "no"):
        for d in service_deployments:
            labels = d["spec"]["template"]["metadata"]["labels"]
            has = any(selects(p["spec"]["selector"], labels) for p in pdbs)
            if has != (expect["pdb"] == "yes"):
                finding(d, "has no PodDisruptionBudget" if not has else "has a PDB unexpectedly")

    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        target = hpa["spec"]["scaleTargetRef"]["name"]
        d = [x for x in service_deployments if x["metadata"]["name"] == target]
        if not d:
            finding(hpa, f"scales {target}, which is not rendered")
        elif "replicas" in d[0]["spec"]:
            finding(d[0], "sets replicas although an HPA scales it")

    for key, kind in (("servicemonitors", "ServiceMonitor"), ("kafkatopics", "KafkaTopic")):
        if key in expect and len(by_kind.get(kind, [])) != int(expect[key]):
            findings.append(f"{len(by_kind.get(kind, []))} {kind} objects, expected {expect[key]}")
    topics = {t["spec"].get("topicName", t["metadata"]["name"]) for t in by_kind.get("KafkaTopic", [])}
    for t in sorted(topics):
        if not TOPIC.match(t):
            findings.append(f"KafkaTopic {t}: not tongban.<service>.<stream>.v<N>[.dlq]")
        elif not t.endswith(".dlq") and t + ".dlq" not in topics:
            findings.append(f"KafkaTopic {t}: no dead-letter topic {t}.dlq")

    if findings:
        print(f"in {' '.join(files)}:")
    return report(findings, f"{len(objs)} objects in {' '.join(files)}")


if __name__ == "__main__":
    sys.exit(main())
