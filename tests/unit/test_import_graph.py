"""The import graph of `registry/` has no cycle (issue 9, style.md §13).

grimp builds the graph from the source, function-level imports included, so an import moved into a
function to dodge a cycle at import time still counts.
"""

import ast
import pathlib

import grimp
import pytest

import registry


def cycles(graph, package: str) -> list[list[str]]:
    """Each group of modules that import one another (strongly connected, more than one module), sorted."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    inside = set(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(root: str) -> None:  # Tarjan's algorithm, iterative (no recursion limit)
        nonlocal counter
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & inside)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & inside))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])

    for module in modules:
        if module not in index:
            visit(module)
    return sorted(found)


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    graph = grimp.ImportGraph()
    for importer, imported in [("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.c", "pkg.a"),  # a three-cycle
                               ("pkg.c", "pkg.d"), ("pkg.e", "pkg.f"), ("pkg.f", "pkg.e"),  # a two-cycle
                               ("pkg.d", "pkg.g")]:
        graph.add_import(importer=importer, imported=imported)
    assert cycles(graph, "pkg") == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.e", "pkg.f"]]


def test_a_graph_without_cycles_has_none():
    graph = grimp.ImportGraph()
    for importer, imported in [("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.a", "pkg.c")]:
        graph.add_import(importer=importer, imported=imported)
    assert cycles(graph, "pkg") == []


@pytest.fixture(scope="module")
def registry_graph():
    return grimp.build_graph("registry", cache_dir=None)


def test_the_registry_graph_is_the_real_one(registry_graph):
    # Guards against an empty or partial graph passing the cycle test below.
    assert {"registry.workflow.engine", "registry.transfers", "registry.web.cases", "registry.cli"} <= \
        registry_graph.modules
    assert "registry.workflow.cases" in registry_graph.find_modules_directly_imported_by("registry.workflow.engine")


def test_registry_has_no_import_cycle(registry_graph):
    found = cycles(registry_graph, "registry")
    assert found == [], "Import cycles (break each: a hook, an argument, or a smaller shared module):\n" + "\n".join(
        " <-> ".join(group) for group in found)


# ---------------------------------------------------------------- no module uses another's private names
#
# A leading underscore says "this module's own": another module that imports or reaches for it
# (``from .reading import _Parsed``, ``assets._choice(...)``) couples itself to an implementation
# detail. Issue 9: no module imports another's private name.


def private_names_used_across_modules(source: str, module_names: set[str]) -> list[str]:
    """`from x import _name`, and `mod._name` where `mod` is a name this source imported as a module."""
    tree = ast.parse(source)
    imported_modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"from {'.' * node.level}{node.module or ''} import {alias.name}")
                elif alias.name in module_names:
                    imported_modules.add(bound)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported_modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            found.append(f"{node.value.id}.{node.attr}")
    return sorted(set(found))


def test_the_private_name_finder_finds_both_forms():
    source = ("from .reading import _Parsed, Table\nfrom . import assets\nfrom .assets import helper\n"
              "x = assets._choice(1)\ny = helper._own_attribute\nz = self._fine\n")
    assert private_names_used_across_modules(source, {"assets", "reading"}) == [
        "assets._choice", "from .reading import _Parsed"]


def test_no_module_uses_another_modules_private_names():
    root = pathlib.Path(registry.__file__).parent
    module_names = {path.stem for path in root.rglob("*.py")} | {path.name for path in root.rglob("*") if path.is_dir()}
    offenders = {}
    for path in sorted(root.rglob("*.py")):
        found = private_names_used_across_modules(path.read_text(), module_names)
        if found:
            offenders[str(path.relative_to(root.parent))] = found
    assert offenders == {}
