#!/usr/bin/env python3
"""Checks that the Helm chart and the kustomize base deploy the same service containers, so
the two ways to install never drift: per service, the same port, probes, security contexts,
writable paths and the same TONGBAN_* variable names (kustomize's come partly from the
platform ConfigMap through envFrom). Values may differ (addresses are placeholders).

Usage: check_same.py <helm render> <kustomize render>
       check_same.py --workloads <helm render> <kustomize render>
  --workloads compares the pod specs of the StatefulSets and Jobs instead (the dev Kafka and
  Redis and the load generator: the components dev-kafka, dev-redis and loadgen).
"""
import sys

import yaml
from report import report


def load(path):
    objs = [o for o in yaml.safe_load_all(open(path)) if o]
    maps = {o["metadata"]["name"]: o.get("data", {}) for o in objs if o["kind"] == "ConfigMap"}
    out = {}
    for o in objs:
        if o["kind"] != "Deployment":
            continue
        comp = o["metadata"]["labels"]["app.kubernetes.io/component"]
        pod = o["spec"]["template"]["spec"]
        c = pod["containers"][0]
        names = {e["name"] for e in c.get("env", [])}
        for src in c.get("envFrom", []):
            names |= set(maps[src["configMapRef"]["name"]])
        out[comp] = {
            "ports": c.get("ports"),
            "env names": sorted(names),
            "probes": {p: c.get(p) for p in ("startupProbe", "livenessProbe", "readinessProbe")},
            "lifecycle": c.get("lifecycle"),
            "securityContext": c.get("securityContext"),
            "pod securityContext": pod.get("securityContext"),
            "mounts": sorted(m["mountPath"] for m in c.get("volumeMounts", [])),
            "grace": pod.get("terminationGracePeriodSeconds"),
            "automount token": pod.get("automountServiceAccountToken"),
            "resources": c.get("resources"),
        }
    return out


def load_workloads(path):
    out = {}
    for o in yaml.safe_load_all(open(path)):
        if o and o["kind"] in ("StatefulSet", "Job"):
            comp = o["metadata"]["labels"]["app.kubernetes.io/component"]
            out[comp] = o["spec"]["template"]["spec"]
    return out


def main():
    if sys.argv[1] == "--workloads":
        helm, kust = load_workloads(sys.argv[2]), load_workloads(sys.argv[3])
        problems = [f"{c}: the pod specs differ:\n    helm      {helm.get(c)}\n"
                    f"    kustomize {kust.get(c)}" for c in sorted(set(helm) | set(kust))
                    if helm.get(c) != kust.get(c)]
        return report(problems, f"{', '.join(sorted(helm))} have the same pod specs")
    helm, kust = load(sys.argv[1]), load(sys.argv[2])
    problems = []
    if sorted(helm) != sorted(kust):
        problems.append(f"services differ: helm {sorted(helm)}, kustomize {sorted(kust)}")
    for comp in sorted(set(helm) & set(kust)):
        for key, value in helm[comp].items():
            if kust[comp][key] != value:
                problems.append(f"{comp}: {key} differs:\n    helm      {value}\n"
                                f"    kustomize {kust[comp][key]}")
    return report(problems, f"{len(helm)} services render the same containers")


if __name__ == "__main__":
    sys.exit(main())
