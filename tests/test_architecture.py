"""The layering is a tested property: it reads every import (lazy ones inside functions too,
`if TYPE_CHECKING:` blocks excepted) and checks

* bounds imports neither torch, simulations nor theorycheck; simulations imports neither sympy,
  bounds nor theorycheck;
* inside theorycheck no module imports a higher layer
  (version < engine < judge < checks < studies < reports < options/api < cli/package);
* the module import graph has no cycle.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("bounds", "simulations", "theorycheck")
LAYERS = {
    "theorycheck.version": 0,
    "theorycheck.vocab": 0.5,  # tolerances, claims, hypotheses: below engine and judge
    "theorycheck.engine": 1,
    "theorycheck.judge": 2,
    "theorycheck.checks": 3,
    "theorycheck.studies": 4,
    "theorycheck.reports": 5,
    "theorycheck.options": 6,
    "theorycheck.api": 6,
    "theorycheck.testing": 6,  # the public contract: composes checks, engine and judge
    "theorycheck.cli": 7,
    "theorycheck": 8,  # the package __init__ re-exports
    "theorycheck.__main__": 8,
}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def imports_of(path: pathlib.Path) -> set[str]:
    """Absolute names of every module imported by `path` (relative imports resolved)."""
    mod = module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                out.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                out.add(target)
                out.update(f"{target}.{a.name}" for a in child.names)  # 'from . import tables' imports a module
            visit(child)

    visit(ast.parse(path.read_text()))
    return out


MODULES = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
GRAPH = {m: {i for i in imports_of(p) if i in MODULES} for m, p in MODULES.items()}
RAW = {m: imports_of(p) for m, p in MODULES.items()}


def layer(mod: str) -> int:
    best = None
    for prefix, lv in LAYERS.items():
        if (mod == prefix or mod.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, lv)
    assert best is not None, f"{mod} has no layer: add it to LAYERS"
    return best[1]


def tops(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


@pytest.mark.parametrize(
    "pkg,forbidden",
    [("bounds", {"torch", "simulations", "theorycheck"}), ("simulations", {"sympy", "bounds", "theorycheck"})],
)
def test_lower_packages_stay_apart(pkg, forbidden):
    bad = {m: sorted(tops(imps) & forbidden) for m, imps in RAW.items() if m.split(".")[0] == pkg}
    assert not {m: b for m, b in bad.items() if b}


def test_theorycheck_layers_point_down():
    bad = []
    for m, deps in GRAPH.items():
        if not m.startswith("theorycheck"):
            continue
        for d in deps:
            if d.startswith("theorycheck") and layer(d) > layer(m):
                bad.append(f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    color: dict[str, int] = {}
    stack: list[str] = []

    def dfs(m: str) -> list[str] | None:
        color[m] = 1
        stack.append(m)
        for d in sorted(GRAPH[m]):
            if d == m or m.startswith(d + "."):  # a package's own __init__ while importing a submodule
                continue
            if color.get(d) == 1:
                return stack[stack.index(d) :] + [d]
            if d not in color and (cyc := dfs(d)):
                return cyc
        stack.pop()
        color[m] = 2
        return None

    for m in sorted(GRAPH):
        if m not in color and (cyc := dfs(m)):
            pytest.fail("import cycle: " + " -> ".join(cyc))


def test_the_reader_sees_every_module():
    assert {"theorycheck.cli", "theorycheck.engine.session", "simulations.train", "bounds.results"} <= set(MODULES)
    assert GRAPH["theorycheck.cli"], "the import reader found nothing: it would pass vacuously"


def test_engine_never_names_a_judge_type():
    """Not even under `if TYPE_CHECKING:`: the engine's Plan and Context carry only the shared
    vocabulary (theorycheck.vocab), so the judge can change without touching the engine."""
    bad = []
    for m, p in MODULES.items():
        if m.startswith("theorycheck.engine"):
            for node in ast.walk(ast.parse(p.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and "judge" in node.module.split("."):
                    bad.append(f"{m} imports {'.' * node.level}{node.module}")
    assert not bad, "\n".join(bad)


def test_judgement_renders_by_itself():
    """str(judgement) must not depend on what else was imported: the class defines its own
    rendering and no module assigns methods onto it."""
    from theorycheck.judge.verdicts import Judgement

    assert "__str__" in Judgement.__dict__ and "_repr_html_" in Judgement.__dict__
    j = Judgement(check_id="x", ref="Lemma 0", title="title", verdict="consistent", reason="reason")
    assert "CONSISTENT" in str(j) and "<p>" in j._repr_html_()
    assigners = [
        m
        for m, p in MODULES.items()
        if "Judgement.__str__ =" in p.read_text() or "Judgement._repr_html_ =" in p.read_text()
    ]
    assert not assigners
