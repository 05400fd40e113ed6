#!/usr/bin/env python3
"""Checks that every TONGBAN_* variable a service reads can be set from the Helm values and
is documented in docs/deploy.md, that docs/deploy.md's configuration table matches
values.yaml (every key, every default), and that ports and probe paths match what the
services serve.

Where the variables come from: docs/configuration.md (shared), the "Configuration" table of
each services/<name>/README.md, and, when the binaries are built, `<binary> --print-env`
(what the code really reads). "Settable" is shown on the chart rendered with every feature on
(ci/all-features-values.yaml): the variable, or for a secret its _FILE variant, is in the
environment of the Deployment of every service that reads it.

Usage: check_config.py <repository root> <build dir> <all-features render>
"""
import json
import os
import re
import subprocess
import sys

import yaml
from report import report

ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*(.*?)\s*\|\s*(.*?)\s*\|")
VAR = re.compile(r"`(TONGBAN_[A-Z0-9_<>]+)`")
# Maps whose keys are free (labels, Kubernetes structures, librdkafka properties): documented
# as one row each. env and secretEnv are documented per variable instead.
WHOLE = {"commonLabels", "properties", "config", "resources", "podSecurityContext",
         "securityContext", "probes", "affinity", "nodeSelector", "podAnnotations", "podLabels",
         "labels", "annotations", "rollingUpdate", "autoscaling", "podDisruptionBudget",
         "requests", "limits", "storage", "image"}
# Set by the chart itself, not by a value.
FIXED = {"TONGBAN_NODE_ID", "TONGBAN_HTTP_ADDR"}

problems = []


def knob_table(path, heading=None):
    """TONGBAN_* names in the first column of the tables of a Markdown file (or section)."""
    if not os.path.exists(path):
        return []
    text = open(path).read()
    if heading:
        # The section runs to the next heading of any level.
        m = re.search(r"^## " + heading + r"\s*$(.*?)(?=^#{1,6} |\Z)", text, re.M | re.S)
        text = m.group(1) if m else ""
    return [m.group(1) for m in re.finditer(r"^\|\s*`(TONGBAN_[A-Z0-9_<>]+)`", text, re.M)]


def printed_knobs(build_dir, service):
    """What the built binary reads (--print-env), or None when it is not built."""
    binary = os.path.join(build_dir, "services", service, f"tongban-{service}")
    if not os.access(binary, os.X_OK):
        return None
    try:
        out = subprocess.run([binary, "--print-env"], capture_output=True, text=True,
                             timeout=20, env={"PATH": "/usr/bin:/bin"}).stdout
        return [k["name"] for k in json.loads(out)]
    except (subprocess.SubprocessError, ValueError) as e:
        problems.append(f"{binary} --print-env failed: {e}")
        return None


def leaves(node, prefix=""):
    """The documented keys of values.yaml: scalars, lists, empty maps and WHOLE maps."""
    if isinstance(node, dict) and node and prefix.rsplit(".", 1)[-1] not in WHOLE:
        for k, v in node.items():
            yield from leaves(v, f"{prefix}.{k}" if prefix else k)
    else:
        yield prefix, node


def lookup(values, key):
    node = values
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def main():
    root, build_dir, render = sys.argv[1:4]
    values = yaml.safe_load(open(os.path.join(root, "helm/tongban/values.yaml")))
    services = list(values["services"])

    # What each service reads.
    shared = knob_table(os.path.join(root, "docs/configuration.md"), "Shared by every service[^\n]*")
    reads = {}
    built = []
    for s in services:
        knobs = set(shared) | set(knob_table(os.path.join(root, "services", s, "README.md"),
                                             "Configuration"))
        printed = printed_knobs(build_dir, s)
        if printed is not None:
            built.append(s)
            knobs |= set(printed)
        reads[s] = knobs
    secrets = {k[: -len("_FILE")] for ks in reads.values() for k in ks if k.endswith("_FILE")}

    # docs/deploy.md's configuration table.
    text = open(os.path.join(root, "docs/deploy.md")).read()
    m = re.search(r"^## Configuration\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        problems.append("docs/deploy.md has no '## Configuration' section")
        rows = []
    else:
        rows = [ROW.match(line) for line in m.group(1).splitlines()]
        rows = [r for r in rows if r and not r.group(1).startswith("-")]
    documented_keys = {}
    documented_vars = {}
    for r in rows:
        key, default, variables = r.group(1), r.group(2), r.group(3)
        documented_keys[key] = default
        for v in VAR.findall(variables):
            documented_vars.setdefault(v, key)
        if key.startswith("("):
            continue  # set by the chart, e.g. "(pod name)"
        try:
            actual = lookup(values, key)
        except KeyError:
            problems.append(f"docs/deploy.md documents {key}, which values.yaml does not have")
            continue
        cell = default.strip()
        if cell.startswith("`") and cell.endswith("`"):
            doc_value = yaml.safe_load(cell.strip("`")) if cell.strip("`") else ""
            if doc_value != actual and not (doc_value in ("", None) and actual in ("", None)):
                problems.append(f"docs/deploy.md: {key} default {cell}, values.yaml has "
                                f"{json.dumps(actual)}")
        elif cell != "(see values.yaml)":
            problems.append(f"docs/deploy.md: {key} default {cell!r} is not `yaml`")

    for key, _ in leaves(values):
        if key not in documented_keys:
            problems.append(f"values.yaml key {key} is not in docs/deploy.md's table")

    # Every variable a service reads: documented, and settable.
    objs = [o for o in yaml.safe_load_all(open(render)) if o]
    deployments = {o["metadata"]["labels"]["app.kubernetes.io/component"]: o
                   for o in objs if o["kind"] == "Deployment"}
    for s in services:
        d = deployments.get(s)
        env = set()
        if d is None:
            problems.append(f"{s}: no Deployment in the all-features render")
        else:
            env = {e["name"] for e in d["spec"]["template"]["spec"]["containers"][0].get("env", [])}
        for k in sorted(reads[s]):
            if k not in documented_vars:
                problems.append(f"{s} reads {k}, which docs/deploy.md's table does not name "
                                "(add it to values.yaml and the table)")
            if k.endswith("_FILE") or k in FIXED or d is None:
                continue
            if k == "TONGBAN_KAFKA_PROP_<NAME>":
                if not any(e.startswith("TONGBAN_KAFKA_PROP_") for e in env):
                    problems.append(f"{s}: no TONGBAN_KAFKA_PROP_* in the rendered environment")
            elif k in secrets:
                if k in env:
                    problems.append(f"{s}: secret {k} rendered as a value, not a file")
                elif k + "_FILE" not in env:
                    problems.append(f"{s}: secret {k} cannot be set (no {k}_FILE rendered)")
            elif k not in env:
                problems.append(f"{s} reads {k}, which the chart does not set "
                                "(a services.<name>.env entry or a structured value)")

    # Ports: the chart's, the local stack's (scripts/services.txt, commented lines too).
    listed = {}
    for line in open(os.path.join(root, "scripts/services.txt")):
        m = re.match(r"^#?\s*([a-z]+)\s+([0-9]{4,5})\b", line)
        if m:
            listed[m.group(1)] = int(m.group(2))
    for s in services:
        port = values["services"][s]["port"]
        if s in listed and listed[s] != port:
            problems.append(f"{s}: chart port {port}, scripts/services.txt says {listed[s]}")
        if s not in listed:
            problems.append(f"{s}: not in scripts/services.txt (its local port)")
        if d := deployments.get(s):
            c = d["spec"]["template"]["spec"]["containers"][0]
            if c["ports"][0]["containerPort"] != port:
                problems.append(f"{s}: containerPort {c['ports'][0]['containerPort']} != {port}")

    # Probe and metrics paths: what libs/service registers for every service.
    service_cpp = open(os.path.join(root, "libs/service/src/service.cpp")).read()
    for path in ("/healthz", "/readyz", "/metrics"):
        if not re.search(r'"' + re.escape(path) + r'"', service_cpp):
            problems.append(f"libs/service/src/service.cpp does not register {path}")

    return report(problems, f"{sum(len(v) for v in reads.values())} variables of "
                  f"{len(services)} services (binaries read: {', '.join(built) or 'none built'}), "
                  f"{len(documented_keys)} documented values, ports and probe paths")


if __name__ == "__main__":
    sys.exit(main())
