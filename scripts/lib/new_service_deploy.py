#!/usr/bin/env python3
"""The deployment side of scripts/new-service: a new service's Helm values block, its rows in
docs/deploy.md, its k8s/base file with its kustomization entry, its HPA and ServiceMonitor in
the kustomize components, its line in the dev and prod overlays, identity's ingress from it
(it fetches the JWKS) and its switch in the chart's `partial` scenario (identity and catalog
only). scripts/check-deploy passes with the service added.

Every edit is an insertion at an anchor; a missing anchor stops the script before anything
is written, naming the file, so a reshaped file fails loudly instead of being half-edited.

Usage: new_service_deploy.py ROOT NAME PORT
"""
import os
import re
import sys


class Edits:
    def __init__(self, root):
        self.root = root
        self.files = {}  # path relative to root -> new text
        self.created = []

    def text(self, rel):
        if rel not in self.files:
            with open(os.path.join(self.root, rel)) as f:
                self.files[rel] = f.read()
        return self.files[rel]

    def insert(self, rel, pattern, block, after=False, last=False):
        """Inserts block before (or after) the line(s) matching pattern (multiline regex;
        the last match when last=True, else the first)."""
        text = self.text(rel)
        matches = list(re.finditer(pattern, text, re.M))
        if not matches:
            sys.exit(f"new-service: {rel}: no line matches /{pattern}/; add the service by hand "
                     "(docs/deploy.md, 'Adding a service')")
        m = matches[-1] if last else matches[0]
        at = m.end() if after else m.start()
        if after and not text[at - 1:at] == "\n":
            at = text.index("\n", at) + 1
        self.files[rel] = text[:at] + block + text[at:]

    def replace(self, rel, pattern, repl):
        text = self.text(rel)
        new, n = re.subn(pattern, repl, text, count=1, flags=re.M)
        if n != 1:
            sys.exit(f"new-service: {rel}: no line matches /{pattern}/")
        self.files[rel] = new

    def create(self, rel, content):
        if os.path.exists(os.path.join(self.root, rel)):
            sys.exit(f"new-service: {rel} exists already")
        self.files[rel] = content
        self.created.append(rel)

    def write(self):
        for rel, content in self.files.items():
            path = os.path.join(self.root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(content)


def main():
    root, name, port = sys.argv[1:4]
    templates = os.path.join(root, "scripts/templates/deploy")

    def fill(template):
        with open(os.path.join(templates, template)) as f:
            return (f.read().replace("__NAME__", name.upper()).replace("__name__", name)
                    .replace("__port__", port))

    e = Edits(root)
    values = "helm/tongban/values.yaml"
    if re.search(rf"^  {name}:\s*$", e.text(values), re.M):
        sys.exit(f"new-service: {values} has services.{name} already")

    # Helm: the block after the last service's, i.e. before the blank line ending `services:`.
    e.insert(values, r"\n(?=networkPolicy:\s*$)", fill("helm-values.yaml"))
    # The partial scenario stays "identity and catalog only".
    e.insert("helm/tongban/ci/partial-values.yaml", r"^  [a-z0-9]+: \{enabled: false\}\n",
             f"  {name}: {{enabled: false}}\n", after=True, last=True)

    # docs/deploy.md: the services table and the configuration table.
    deploy = "docs/deploy.md"
    e.insert(deploy, r"^\| loadgen \| ", f"| {name} | {port} | `tongban-{name}` | — |\n")
    e.insert(deploy, r"^\| `networkPolicy\.enabled` \|", fill("deploy-rows.md"))

    # kustomize: the base file and its entry, identity's ingress, the components, overlays.
    e.create(f"k8s/base/{name}.yaml", fill("k8s-base.yaml"))
    e.insert("k8s/base/kustomization.yaml", r"^  - [a-z0-9]+\.yaml\n(?=[^ ])",
             f"  - {name}.yaml\n", after=True)
    selector = ("        - podSelector:\n            matchLabels:\n"
                "              app.kubernetes.io/name: tongban\n"
                "              app.kubernetes.io/instance: tongban\n"
                f"              app.kubernetes.io/component: {name}\n")
    # identity's ingress rule lists its callers, then its port.
    e.insert("k8s/base/identity.yaml", r"^      ports:\n        - \{port: 8081, protocol: TCP\}",
             selector)
    e.files["k8s/components/hpa/hpa.yaml"] = e.text("k8s/components/hpa/hpa.yaml") + fill("hpa.yaml")
    sm = "k8s/components/servicemonitor/servicemonitors.yaml"
    e.files[sm] = e.text(sm) + fill("servicemonitor.yaml")
    e.insert("k8s/overlays/dev/kustomization.yaml", r"^  - \{name: tongban-[a-z0-9]+, count: 1\}\n",
             f"  - {{name: tongban-{name}, count: 1}}\n", after=True, last=True)
    prod = "k8s/overlays/prod/kustomization.yaml"
    e.insert(prod, r"^  - \{name: ghcr\.io/tongban/tongban-[a-z0-9]+, newTag: [^}]+\}\n",
             f"  - {{name: ghcr.io/tongban/tongban-{name}, newTag: 0.1.0}}\n", after=True, last=True)
    e.replace(prod, r"(app\.kubernetes\.io/component in \([a-z0-9,]+)\)", rf"\1,{name})")

    e.write()
    print("\n".join(sorted(e.files)))


if __name__ == "__main__":
    main()
