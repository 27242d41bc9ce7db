"""The package's modules import each other without cycles.

Only imports executed when a module loads count (the top level, not the
body of a function), and ``from package import name`` counts as an import of
the submodule ``package.name`` when there is one. A cycle means that which
module works depends on which one was imported first.
"""

import ast
from pathlib import Path

import glassnet

ROOT = Path(glassnet.__file__).resolve().parent


def _module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _load_time_imports(path, modules):
    """The glassnet modules that ``path`` imports as it loads."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    tree = ast.parse(path.read_text())
    for node in tree.body:  # the top level only: a late import inside a function does not count
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
    return {m for m in found if m in modules and m != name}


def _graph():
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    return {name: _load_time_imports(path, paths) for name, path in paths.items()}


def _find_cycle(graph):
    """One import cycle as a list of module names, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_checker_sees_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_graph_has_the_expected_edges():
    graph = _graph()
    assert "glassnet.tensor" in graph["glassnet.autograd.function"]
    assert "glassnet.autograd.engine" not in graph["glassnet.tensor"]


def test_no_module_of_the_package_imports_itself_back():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_only_autograd_touches_the_recording_switch():
    """Ops ask ``is_recording``/``first_order``/``needs_input_grad``; the switch itself is private."""
    readers = [
        str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
        if "_State" in p.read_text() and p.parent.name != "autograd"
    ]
    assert readers == []
