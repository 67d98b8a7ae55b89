#!/usr/bin/env python3
"""Import circles between sibling modules of src/ (issue 10: "no import circles").

For every folder of modules, the siblings (files and sub-folders under one
parent, the crate's top-level modules among them) form a graph: an edge A -> B
when code in A (at any depth) names B through `crate::...::B` or `super::B`.
A strongly connected group of two or more siblings is a circle and fails the
check. A parent and its children are not siblings: a child naming `super::X`
defined in its parent's mod.rs is how Rust modules share, not a circle.

    python3 tools/checks/module_cycles.py [src]     # exit 1 and the circles, or "no import circles"
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "src"
PATH = re.compile(r"\b(crate|super)((?:::\w+)+)")
USE_GROUP = re.compile(r"\b(crate|super)((?:::\w+)*)::\{([^;]*?)\};", re.S)


def module_of(path):
    """src/http/risk.rs -> ['http', 'risk']; src/http/mod.rs -> ['http']."""
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return rel


def strip_tests(text):
    cut = text.find("#[cfg(test)]\nmod tests")
    return text if cut < 0 else text[:cut]


def references(module, text):
    """Absolute module paths (lists of names) that `text` in `module` names."""
    text = re.sub(r"//[^\n]*", "", strip_tests(text))
    found = []
    def resolve(root, rest):
        names = [n for n in rest.split("::") if n]
        if root == "crate":
            return names
        base = module[:-1] if module else []
        while names and names[0] == "super":
            names, base = names[1:], base[:-1]
        return base + names
    for match in USE_GROUP.finditer(text):
        head = resolve(match[1], match[2])
        for item in re.split(r",", match[3]):
            first = re.split(r"::|\s", item.strip())[0]
            if first and first != "self":
                found.append(head + [first])
            elif head:
                found.append(head)
    for match in PATH.finditer(text):
        found.append(resolve(match[1], match[2]))
    return found


def main():
    modules = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".rs") and "tests" not in os.path.relpath(folder, ROOT).split(os.sep):
                path = os.path.join(folder, name)
                modules[tuple(module_of(path))] = open(path, encoding="utf-8").read()
    known = set(modules)
    edges = {}
    for module, text in modules.items():
        for target in references(list(module), text):
            # the longest known module prefix of the target
            target = tuple(target)
            while target and target not in known:
                target = target[:-1]
            # the siblings: below the common parent, one level each
            common = 0
            while common < min(len(module), len(target)) and module[common] == target[common]:
                common += 1
            if common == len(module) or common == len(target):
                continue  # parent and child (or the module itself)
            parent = module[:common]
            a, b = module[: common + 1], target[: common + 1]
            edges.setdefault(parent, {}).setdefault(a, set()).add(b)
    circles = []
    for parent, graph in edges.items():
        circles += [sorted(group) for group in components(graph) if len(group) > 1]
    if circles:
        for group in circles:
            print("import circle:", " <-> ".join("::".join(m) or "crate" for m in group))
        sys.exit(1)
    print(f"no import circles ({len(modules)} modules)")


def components(graph):
    """Tarjan's strongly connected components."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    nodes = set(graph) | {b for bs in graph.values() for b in bs}
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop(); on.discard(w); group.append(w)
                if w == v:
                    break
            out.append(group)
    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    main()
