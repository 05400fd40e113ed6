#!/usr/bin/env python3
"""What a chart scenario deploys, from values.yaml merged with the scenario's values file the
way Helm merges them (maps deeply, everything else replaced): the enabled services and the
number of topics they own. check-deploy expects exactly these Deployments, and in strimzi
mode a KafkaTopic per topic and per dead-letter topic, so a service added to values.yaml
(scripts/new-service) is expected without editing the checks.

Usage: expected.py <values.yaml> [<scenario values>]   prints: SERVICES TOPICS
  e.g. "catalog,identity 3"
"""
import sys

import yaml


def merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return over


def main():
    values = yaml.safe_load(open(sys.argv[1]))
    for path in sys.argv[2:]:
        values = merge(values, yaml.safe_load(open(path)) or {})
    enabled = sorted(n for n, s in values["services"].items() if s.get("enabled", True))
    topics = sum(len(values["services"][n].get("topics", [])) for n in enabled)
    print(",".join(enabled), topics)


if __name__ == "__main__":
    main()
