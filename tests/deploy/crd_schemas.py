#!/usr/bin/env python3
"""Converts CustomResourceDefinitions into strict JSON schemas kubeconform reads.

Each served version's openAPIV3Schema becomes <out>/<group>/<kind>_<version>.json (kind in
lower case), the layout of the -schema-location template
"<out>/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json". The conversion is
the one openapi2jsonschema does in its strict mode: an object with declared properties
rejects undeclared ones (unless x-kubernetes-preserve-unknown-fields), int-or-string
becomes integer-or-string, nullable allows null.

Usage: crd_schemas.py <out dir> <crd.yaml>...
"""
import json
import os
import sys

import yaml


def convert(node):
    if isinstance(node, list):
        return [convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: convert(v) for k, v in node.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    for key in [k for k in out if k.startswith("x-kubernetes-")]:
        del out[key]
    return out


def main():
    out_dir, files = sys.argv[1], sys.argv[2:]
    for path in files:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                kind = spec["names"]["kind"].lower()
                for version in spec["versions"]:
                    schema = convert(version["schema"]["openAPIV3Schema"])
                    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
                    target = os.path.join(out_dir, spec["group"], f"{kind}_{version['name']}.json")
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "w") as f:
                        json.dump(schema, f, separators=(",", ":"))
                    print(f"{spec['group']}/{version['name']} {spec['names']['kind']}",
                          file=sys.stderr)


if __name__ == "__main__":
    main()
