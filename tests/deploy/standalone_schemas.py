#!/usr/bin/env python3
"""Writes kubeconform-ready standalone Kubernetes JSON schemas from a kubernetes-validate wheel.

kubernetes-validate (PyPI) ships, per Kubernetes version, one draft 2020-12 schema per kind
whose $refs point at an absolute https://kubernetes.io/api/_definitions.json. kubeconform
would try to fetch that URL; the deploy check runs offline. So each kind's schema is written
with the definitions it reaches copied into its own "$defs" and its refs made local.

Usage: standalone_schemas.py <wheel> <out dir> <k8s version>...   (e.g. 1.30.0)
Writes <out>/v<version>-standalone-strict/<kind>-<group>-<version>.json, the layout of
kubeconform's default schema location template.
"""
import json
import os
import re
import sys
import zipfile

REF = re.compile(r"^(?:/api/_definitions\.json)?#/\$defs/(.+)$")


def refs(node, out):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            m = REF.match(ref)
            if not m:
                raise SystemExit(f"unexpected $ref {ref}")
            out.add(m.group(1))
        for v in node.values():
            refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def localise(node):
    if isinstance(node, dict):
        # A property may be named "$ref" (JSONSchemaProps): only a string value is a reference.
        return {k: ("#/$defs/" + REF.match(v).group(1)
                    if k == "$ref" and isinstance(v, str) else localise(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [localise(v) for v in node]
    return node


def main():
    wheel, out, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        for version in versions:
            src = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
            defs = json.loads(z.read(src + "_definitions.json"))["$defs"]
            written = 0
            for name in names:
                if not name.startswith(src) or "/" in name[len(src):]:
                    continue
                base = name[len(src):]
                if base in ("_definitions.json", "all.json") or not base.endswith(".json"):
                    continue
                schema = json.loads(z.read(name))
                if "x-kubernetes-group-version-kind" not in schema:
                    continue  # a part of a kind, never looked up by kubeconform
                needed, todo = set(), set()
                refs(schema, todo)
                while todo:
                    d = todo.pop()
                    if d in needed:
                        continue
                    needed.add(d)
                    refs(defs[d], todo)
                schema.pop("$id", None)
                schema = localise(schema)
                schema["$defs"] = {d: localise(defs[d]) for d in sorted(needed)}
                path = f"{out}/v{version}-standalone-strict/{base}"

                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    json.dump(schema, f, separators=(",", ":"))
                written += 1
            if written == 0:
                raise SystemExit(f"no schemas for Kubernetes {version} in {wheel}")
            print(f"Kubernetes {version}: {written} kinds", file=sys.stderr)


if __name__ == "__main__":
    main()
