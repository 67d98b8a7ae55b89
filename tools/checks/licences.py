#!/usr/bin/env python3
"""Fails when a crate in the dependency tree (or an npm package a tool of ours
installs) is not under a permissive licence.

The service is proprietary, so GPL, AGPL and LGPL code must not be linked or
shipped (actix-governor, for one, is GPL-3.0). Each crate's SPDX expression
from `cargo metadata` is evaluated: `A OR B` (and the old `A/B`) passes when
one side passes, `A AND B` when both do, `A WITH exception` as A. A crate
with no licence field fails, unless it is our own.

    python3 tools/checks/licences.py [--npm DIR ...]
    python3 tools/checks/licences.py --self-test
"""

import json
import re
import subprocess
import sys
from pathlib import Path

PERMISSIVE = {
    "MIT", "MIT-0", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "BSD-1-Clause", "0BSD",
    "ISC", "Zlib", "Unicode-3.0", "Unicode-DFS-2016", "MPL-2.0", "CC0-1.0", "Unlicense",
    "BSL-1.0", "OpenSSL", "CDLA-Permissive-2.0", "BlueOak-1.0.0", "Python-2.0", "CC-BY-4.0",
}


def tokens(expression):
    return re.findall(r"\(|\)|/|[A-Za-z0-9.+:-]+", expression)


def acceptable(expression):
    """True when the SPDX expression leaves a permissive choice."""
    toks = tokens(expression)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary():
        tok = take()
        if tok == "(":
            value = disjunction()
            if take() != ")":
                raise ValueError(f"unbalanced: {expression}")
        else:
            value = tok in PERMISSIVE
        if peek() == "WITH":
            take()
            take()
        return value

    def conjunction():
        value = primary()
        while peek() == "AND":
            take()
            value = primary() and value
        return value

    def disjunction():
        value = conjunction()
        while peek() in ("OR", "/"):
            take()
            value = conjunction() or value
        return value

    result = disjunction()
    if pos != len(toks):
        raise ValueError(f"cannot read: {expression}")
    return result


def cargo_findings():
    metadata = json.loads(subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--locked"], text=True))
    own = set(metadata["workspace_members"])
    findings = []
    for package in metadata["packages"]:
        if package["id"] in own:
            continue
        licence = package.get("license")
        if not licence:
            findings.append(f"crate {package['name']} {package['version']}: no licence field")
        elif not acceptable(licence):
            findings.append(f"crate {package['name']} {package['version']}: {licence}")
    return findings, len(metadata["packages"]) - len(own)


def is_package_root(manifest):
    """node_modules/NAME/package.json or node_modules/@SCOPE/NAME/package.json."""
    parts = manifest.parts
    return parts[-3] == "node_modules" or (parts[-4] == "node_modules" and parts[-3].startswith("@"))


def npm_findings(folder):
    findings, count = [], 0
    for manifest in Path(folder, "node_modules").rglob("package.json"):
        if not is_package_root(manifest):
            continue
        data = json.loads(manifest.read_text())
        count += 1
        licence = data.get("license")
        if isinstance(licence, dict):
            licence = licence.get("type")
        if not licence or not acceptable(licence):
            findings.append(f"npm {data.get('name')} {data.get('version')}: {licence}")
    return findings, count


def self_test():
    cases = {
        "MIT": True, "MIT OR Apache-2.0": True, "MIT/Apache-2.0": True,
        "GPL-3.0-or-later": False, "AGPL-3.0": False, "LGPL-2.1-or-later": False,
        "MIT OR GPL-3.0": True, "MIT AND GPL-3.0": False,
        "(MIT OR Apache-2.0) AND Unicode-3.0": True,
        "Apache-2.0 WITH LLVM-exception": True, "GPL-2.0 WITH Classpath-exception-2.0": False,
        "ISC AND (Apache-2.0 OR ISC) AND OpenSSL": True, "UNLICENSED": False,
    }
    wrong = [e for e, want in cases.items() if acceptable(e) != want]
    if wrong:
        sys.exit(f"licence self-test failed on: {wrong}")
    print(f"licence self-test: {len(cases)} expressions read as expected")


def main(argv):
    if "--self-test" in argv:
        self_test()
        return
    findings, count = cargo_findings()
    npm_dirs = [argv[i + 1] for i, a in enumerate(argv) if a == "--npm"]
    for folder in npm_dirs:
        more, n = npm_findings(folder)
        findings += more
        count += n
    if findings:
        print("not permissive (or not stated):\n  " + "\n  ".join(findings))
        sys.exit(1)
    print(f"licences: {count} packages, all permissive")


if __name__ == "__main__":
    main(sys.argv[1:])
