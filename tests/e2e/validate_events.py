#!/usr/bin/env python3
"""Validates events (one CloudEvents JSON per line) against docs/events/asyncapi.yaml.

Each event's type must be documented by a message (its payload's `type` const, or its
pattern), and the event must match that message's payload schema. Exit 0 when every event
validates; 1 with the failures listed; 2 on usage errors.

    validate_events.py docs/events/asyncapi.yaml events.ndjson [SINCE]

SINCE (RFC 3339): only events whose `time` is at or after it (the events of one run, on a
broker that keeps older ones).
"""
import json
import re
import sys

import jsonschema
import yaml


def type_rule(payload):
    """The const or pattern the payload puts on `type`, looking through allOf."""
    for part in payload.get("allOf", [payload]):
        t = part.get("properties", {}).get("type", {})
        if "const" in t:
            return ("const", t["const"])
        if "pattern" in t:
            return ("pattern", t["pattern"])
    return (None, None)


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    messages = doc["components"]["messages"]
    rules = []
    for name, message in messages.items():
        kind, value = type_rule(message["payload"])
        if kind:
            rules.append((kind, value, name, message["payload"]))
    # Exact types first, patterns after.
    rules.sort(key=lambda r: r[0] != "const")
    failures, checked, types = [], 0, set()
    with open(argv[2], encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # not an event (poison written by the fault tests): not ours to judge
            if len(argv) == 4 and event.get("time", "") < argv[3]:
                continue  # RFC 3339 UTC times of one format compare as text
            etype = event.get("type", "")
            if not etype.startswith("tongban.") or etype.startswith("tongban.test."):
                continue
            match = next((r for r in rules if (r[0] == "const" and r[1] == etype) or
                          (r[0] == "pattern" and re.search(r[1], etype))), None)
            if not match:
                failures.append(f"line {line_no}: {etype}: no message in the AsyncAPI file")
                continue
            schema = {"allOf": [match[3]], "components": doc["components"]}
            errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(event),
                            key=lambda e: list(e.path))
            for e in errors[:3]:
                failures.append(f"line {line_no}: {etype} ({match[2]}): "
                                f"{'/'.join(str(p) for p in e.path)}: {e.message[:200]}")
            checked += 1
            types.add(etype)
    print(json.dumps({"events": checked, "types": sorted(types), "failures": len(failures)}))
    for f_ in failures[:50]:
        print(f_, file=sys.stderr)
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
