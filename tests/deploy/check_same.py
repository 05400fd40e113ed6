#!/usr/bin/env python3
"""Checks that the Helm chart and the kustomize base deploy the same service containers, so
the two ways to install never drift: per service, the same port, probes, security contexts,
writable paths and the same TONGBAN_* variable names (kustomize's come partly from the
platform ConfigMap through envFrom). Values may differ (addresses are placeholders).

Usage: check_same.py <helm render> <kustomize render>
"""
import sys

import yaml


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


def main():
    helm, kust = load(sys.argv[1]), load(sys.argv[2])
    problems = []
    if sorted(helm) != sorted(kust):
        problems.append(f"services differ: helm {sorted(helm)}, kustomize {sorted(kust)}")
    for comp in sorted(set(helm) & set(kust)):
        for key, value in helm[comp].items():
            if kust[comp][key] != value:
                problems.append(f"{comp}: {key} differs:\n    helm      {value}\n"
                                f"    kustomize {kust[comp][key]}")
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"ok: {len(helm)} services render the same containers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
