#!/usr/bin/env python3
"""Static checks of docker/*.Dockerfile that hadolint does not make, since no Docker daemon
is here to build them: one image per service of the chart plus the load generator; multi-stage;
every FROM pinned (tag and sha256 digest, the same base everywhere); the runtime stage runs as
a fixed numeric non-root uid, installs no -dev package and no compiler; every COPY source exists
in the build context; each binary copied from the build stage is a CMake target of that folder
and is built by the build stage; the ENTRYPOINT runs the copied binary; EXPOSE matches the
chart's port.

Usage: check_dockerfiles.py <repository root>
"""
import os
import re
import sys

import yaml
from report import report

FROM = re.compile(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?\s*$", re.I | re.M)
PINNED = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")


def instructions(text):
    """Dockerfile instructions with continuation lines joined, comments dropped."""
    out, cur = [], ""
    for line in text.splitlines():
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        out.append(cur.strip())
        cur = ""
    return out


def main():
    root = sys.argv[1]
    values = yaml.safe_load(open(os.path.join(root, "helm/tongban/values.yaml")))
    expected = set(values["services"]) | {"loadgen"}
    problems, notes = [], []
    files = {f[: -len(".Dockerfile")]: os.path.join(root, "docker", f)
             for f in os.listdir(os.path.join(root, "docker")) if f.endswith(".Dockerfile")}
    if set(files) != expected:
        problems.append(f"docker/*.Dockerfile {sorted(files)}, expected {sorted(expected)}")
    bases = set()
    for name, path in sorted(files.items()):
        where = os.path.relpath(path, root)
        ins = instructions(open(path).read())
        stages, cur = [], None
        for i in ins:
            m = FROM.match(i)
            if m:
                cur = {"image": m.group(1), "name": m.group(2), "ins": []}
                stages.append(cur)
            elif cur is not None:
                cur["ins"].append(i)
        if len(stages) < 2:
            problems.append(f"{where}: not multi-stage")
            continue
        for s in stages:
            if not PINNED.match(s["image"]) or ":latest@" in s["image"]:
                problems.append(f"{where}: FROM {s['image']} is not pinned by tag and digest")
            bases.add(s["image"])
        build, final = stages[0], stages[-1]
        users = [i.split(None, 1)[1] for i in final["ins"] if i.upper().startswith("USER ")]
        if not users or not re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", users[-1]):
            problems.append(f"{where}: the runtime stage's USER is not a numeric non-root uid")
        for i in final["ins"]:
            if i.upper().startswith("RUN ") and re.search(r"-dev\b|build-essential|cmake|g\+\+", i):
                problems.append(f"{where}: the runtime stage installs build packages: {i[:80]}")
        build_runs = " ".join(i for i in build["ins"] if i.upper().startswith("RUN "))
        copied = []
        for s in stages:
            for i in s["ins"]:
                if not i.upper().startswith("COPY "):
                    continue
                args = i.split()[1:]
                from_stage = next((a.split("=", 1)[1] for a in args if a.startswith("--from=")), None)
                paths = [a for a in args if not a.startswith("--")]
                sources, dest = paths[:-1], paths[-1]
                for src in sources:
                    if from_stage is None:
                        if not os.path.exists(os.path.join(root, src)):
                            problems.append(f"{where}: COPY source {src} does not exist")
                        continue
                    m = re.fullmatch(r"/src/build/(.+)/([\w-]+)", src)
                    if not m:
                        problems.append(f"{where}: COPY --from={from_stage} {src} is not a build output")
                        continue
                    folder, target = m.groups()
                    copied.append(dest if not dest.endswith("/") else dest + target)
                    if f"--target" not in build_runs or target not in build_runs.split("--target", 1)[1]:
                        problems.append(f"{where}: {target} is copied but not built")
                    cml = os.path.join(root, folder, "CMakeLists.txt")
                    text = open(cml).read() if os.path.exists(cml) else ""
                    if "add_executable" not in text:
                        # The service is being written: its folder has no binary yet.
                        notes.append(f"{where}: {folder}/ builds no executable yet; {target} unchecked")
                    elif not re.search(r"add_executable\(\s*" + re.escape(target) + r"[\s)]",
                                       text):
                        problems.append(f"{where}: {folder}/CMakeLists.txt has no executable {target}")
        entry = [i for i in final["ins"] if i.upper().startswith("ENTRYPOINT ")]
        if not entry:
            problems.append(f"{where}: no ENTRYPOINT")
        else:
            m = re.match(r'ENTRYPOINT\s+\["([^"]+)"', entry[-1], re.I)
            if not m:
                problems.append(f"{where}: ENTRYPOINT is not in exec form")
            elif m.group(1) not in copied:
                problems.append(f"{where}: ENTRYPOINT runs {m.group(1)}, which no COPY puts there")
            elif os.path.basename(m.group(1)) != f"tongban-{name}":
                problems.append(f"{where}: ENTRYPOINT runs {m.group(1)}, not tongban-{name}")
        exposed = [int(i.split()[1]) for i in final["ins"] if i.upper().startswith("EXPOSE ")]
        port = values["services"].get(name, {}).get("port")
        if port is not None and exposed != [port]:
            problems.append(f"{where}: EXPOSE {exposed}, the chart's port is {port}")
    if len(bases) > 1:
        problems.append(f"the Dockerfiles use different bases: {sorted(bases)}")
    for n in notes:
        print(f"note: {n}")
    return report(problems, f"{len(files)} Dockerfiles")


if __name__ == "__main__":
    sys.exit(main())
