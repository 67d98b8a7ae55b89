"""Factor reasons of FRM-1, rendered from the wording specification docs/reasons.md.

The templates and labels are read from that file's tables (not copied here),
so the reference says exactly what the specification says; the number rules
of its section "Numbers" are implemented below. Standard library only; it
knows nothing of the Rust engine.

    spec = load()                       # docs/reasons.md
    spec.render("age", "built", yearBuilt=1998, age=28)  -> "built 1998: 28 years old"
"""
from __future__ import annotations

import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPEC = os.path.normpath(os.path.join(HERE, "..", "..", "docs", "reasons.md"))

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9]+)(?::([^/{}]+)/([^{}]+))?\}")


def _tables(text: str, section: str) -> list[list[list[str]]]:
    """The tables under a heading, each a list of rows with its header first."""
    tables, current, inside = [], None, False
    for line in text.splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() == section
            current = None
            continue
        if not inside:
            continue
        if line.startswith("|"):
            if re.match(r"^\|[-| ]+\|$", line):
                continue
            if current is None:
                current = []
                tables.append(current)
            current.append([c.strip() for c in line.strip().strip("|").split("|")])
        else:
            current = None
    return tables


def _table(text: str, section: str) -> list[list[str]]:
    tables = _tables(text, section)
    if len(tables) != 1:
        raise ValueError(f"reasons spec: section {section!r} needs exactly one table")
    return tables[0]


def _code(cell: str) -> str:
    m = re.fullmatch(r"`([^`]*)`", cell)
    if not m:
        raise ValueError(f"reasons spec: template not in backticks: {cell!r}")
    return m.group(1)


def fixed(x: float, decimals: int) -> str:
    """Round-to-nearest of the exact binary value, ties to even; no separators."""
    # Python's format rounds the exact double correctly with ties to even.
    return f"{x:.{decimals}f}"


class ReasonSpec:
    def __init__(self, templates, labels, kinds):
        self.templates = templates  # {(factor, branch): template}
        self.labels = labels        # {table key: {value: label}}
        self.kinds = kinds          # {value name: "written as"}

    def branches(self) -> list[tuple[str, str]]:
        return list(self.templates)

    def write(self, name: str, value) -> str:
        kind = self.kinds.get(name)
        if kind is None:
            raise KeyError(f"reasons spec: no value named {name!r}")
        if kind in ("integer", "count"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: {value!r} is not a non-negative integer")
            return str(value)
        if kind == "text":
            return str(value)
        if kind == "label":
            table = "flag list" if name == "flagList" else "performance"
            return self.labels[table][value]
        m = re.fullmatch(r"(\d+) decimals?", kind)
        if m:
            return fixed(float(value), int(m.group(1)))
        if kind == "USD":
            return fixed(float(value), 0)
        raise ValueError(f"reasons spec: unknown format {kind!r} for {name}")

    def render(self, factor: str, branch: str, **values) -> str:
        template = self.templates[(factor, branch)]

        def sub(m):
            name, one, many = m.group(1), m.group(2), m.group(3)
            text = self.write(name, values[name])
            if one is None:
                return text
            return f"{text} {one if values[name] == 1 else many}"

        return _PLACEHOLDER.sub(sub, template)


def parse(text: str) -> ReasonSpec:
    templates = {}
    rows = _table(text, "Templates")
    if rows[0][:2] != ["factor", "branch"]:
        raise ValueError("reasons spec: no Templates table")
    for factor, branch, _when, template in rows[1:]:
        key = (factor, branch)
        if key in templates:
            raise ValueError(f"reasons spec: branch {key} twice")
        templates[key] = _code(template)
    labels = {}
    for table in _tables(text, "Labels"):
        header, body = table[0], table[1:]
        labels[header[0]] = {value: label for value, label in body}
    kinds = {}
    rows = _table(text, "Values")
    for name, _value, written in rows[1:]:
        kinds[name] = written
    for template in templates.values():
        for m in _PLACEHOLDER.finditer(template):
            if m.group(1) not in kinds:
                raise ValueError(f"reasons spec: {template!r} uses undefined {m.group(1)!r}")
    return ReasonSpec(templates, labels, kinds)


def load(path: str = DEFAULT_SPEC) -> ReasonSpec:
    with open(path, encoding="utf-8") as fh:
        return parse(fh.read())
