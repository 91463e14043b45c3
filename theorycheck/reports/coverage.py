"""Which numbered results of the paper this package covers, and how (`theorycheck coverage`).

The list of the paper's numbered items (`ITEMS`: definitions, conditions, theorems, corollaries,
lemmas with their appendix twins, figures, tables) is a fact of the paper and is kept here. How
each item is covered is never written down by hand: it is read from the code each time.

* registered checks and scaling checks: the item references in their `ref` field (the first
  item named is the one the check is about; the others are sub-claims, gates or caps);
* bounds: the `ref` of every `bounds.RESULTS` entry and of every `bounds.CONDITIONS` entry;
* tests: the `@pytest.mark.paper("lemA.3", ...)` markers (or a module's `pytestmark`) of
  tests/test_*.py, read by parsing the files (nothing is imported or run). Tests are scanned
  only from a source checkout (a `tests/` folder beside the packages); an installed wheel has
  none, and the table then says so (`tests_scanned` is false) instead of counting them;
* figures and tables: the item references in the help text of the commands that produce them
  (`figures`, `reproduce`, `images`), with the document that shows their output.

An item is covered *numerically* when a registered check, a scaling check, a numeric test (any
marked test outside the symbolic test files `tests/test_*bounds*.py`) or a figure/table command
names it. The verdict column reads the default preset's runs from the results store when every
run of the check's plan is stored, and judges them; nothing is ever run. Scaling checks are
adaptive (a bisection whose next probe depends on the last), so their verdicts are not read.
"""

from __future__ import annotations

import ast
import pathlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..judge.render import render

KINDS = ("definition", "condition", "theorem", "corollary", "lemma", "figure", "table")
# how an item is covered, best first; every status but the last two is numeric
STATUSES = ("check", "scaling", "sub-claim", "figure/table", "numeric tests", "symbolic only", "not covered")


@dataclass(frozen=True)
class Item:
    """One numbered item of the paper: its id, kind, the numbers it carries (twins included), the
    docs/model.md section that accounts for it, and why it carries no numeric content, if so."""

    id: str
    kind: str
    numbers: tuple[str, ...]  # e.g. ('5.4', 'B.4', 'C.8'): the paper's labels of the same statement
    section: str  # docs/model.md section, e.g. '§7.2'
    why_not: str = ""  # the reason an uncovered item has no numeric check (shown when nothing covers it)

    @property
    def label(self) -> str:
        word = {"definition": "Definition", "condition": "Condition", "theorem": "Theorem"}.get(self.kind)
        word = word or {"corollary": "Corollary", "lemma": "Lemma", "figure": "Fig.", "table": "Table"}[self.kind]
        return f"{word} {' = '.join(self.numbers)}"


_SCALINGS = "parameter scalings, not outcomes: bounds evaluates them at each run's values and checks show them"
_GEN = "its err_S/err_D statement is Theorem {}'s; the internal F bounds are not measured on their own"
_STAGE2 = "Stage-II levels need converged runs along a lambda ladder; not built yet"
_REAL = "needs the real-data experiments (CIFAR-10/ImageNet); see `theorycheck images`"
ITEMS: tuple[Item, ...] = (
    Item("def3.1", "definition", ("3.1",), "§2"),
    Item("def3.2", "definition", ("3.2",), "§3.1"),
    Item("condA.1", "condition", ("A.1",), "§5.1", _SCALINGS),
    Item("condA.2", "condition", ("A.2",), "§5.2", _SCALINGS),
    Item("thm4.1", "theorem", ("4.1",), "§6"),
    Item("thm4.2", "theorem", ("4.2",), "§6"),
    Item("cor4.3", "corollary", ("4.3",), "§6"),
    Item("thm4.4", "theorem", ("4.4",), "§6"),
    Item("thm4.5", "theorem", ("4.5",), "§6"),
    Item("cor4.6", "corollary", ("4.6",), "§6"),
    Item("lemA.3", "lemma", ("A.3",), "§7.4"),
    Item("lemA.4", "lemma", ("A.4",), "§2"),
    Item("lemA.5", "lemma", ("A.5",), "§3.3"),
    Item("lemA.6", "lemma", ("A.6",), "§3.2"),
    Item("lemA.7", "lemma", ("A.7",), "§4.2"),
    Item("lemA.8", "lemma", ("A.8",), "§4.2"),
    Item("lem5.1", "lemma", ("5.1", "B.1", "C.3"), "§7.2"),
    Item("lem5.2", "lemma", ("5.2", "B.2"), "§7.2"),
    Item("lemC.1", "lemma", ("C.1",), "§4.7"),
    Item("lemC.2", "lemma", ("C.2",), "§4.8"),
    Item("lemC.4", "lemma", ("C.4",), "§7.2"),
    Item("lemC.5", "lemma", ("C.5",), "§7.2"),
    Item("lemC.6", "lemma", ("C.6",), "§7.2", "an induction that joins Lemmas C.4 and C.5"),
    Item("lemC.7", "lemma", ("C.7",), "§7.2"),
    Item("lem5.3", "lemma", ("5.3", "B.3"), "§7.2"),
    Item("lem5.4", "lemma", ("5.4", "B.4", "C.8"), "§7.2"),
    Item("lemC.9", "lemma", ("C.9",), "§7.2", _GEN.format("4.2")),
    Item("lemB.5", "lemma", ("B.5", "C.10"), "§7.2"),
    Item("lemC.11", "lemma", ("C.11",), "§4.9"),
    Item("lemB.6", "lemma", ("B.6", "C.12"), "§7.3"),
    Item("lemB.7", "lemma", ("B.7", "C.13"), "§7.3", "the reversal epoch T_r is not measured yet"),
    Item("lemB.8", "lemma", ("B.8", "C.14"), "§7.3", _STAGE2),
    Item("lemB.9", "lemma", ("B.9", "C.15"), "§7.3"),
    Item("lemC.16", "lemma", ("C.16",), "§7.3", _GEN.format("4.4")),
    Item("lemB.10", "lemma", ("B.10", "C.17"), "§7.3"),
    Item("lemB.11", "lemma", ("B.11", "C.18"), "§7.3", _STAGE2),
    Item(
        "lemB.12",
        "lemma",
        ("B.12", "C.19"),
        "§7.3",
        "the mini-batch expectation needs Lemma C.11's alignment; only the large-batch twin B.9 is tested",
    ),
    Item("lemC.20", "lemma", ("C.20",), "§7.3", _GEN.format("4.5")),
    Item("fig1", "figure", ("1",), "§9.1"),
    Item("fig2", "figure", ("2",), "§9.2"),
    Item("fig3", "figure", ("3",), "§9.3"),
    Item("fig4", "figure", ("4",), "§9.3"),
    Item("fig5", "figure", ("5",), "§9.3"),
    Item("fig6", "figure", ("6",), "§9.3"),
    Item("fig7", "figure", ("7",), "§9.4", _REAL),
    Item("fig8", "figure", ("8",), "§9.4", _REAL),
    Item("fig9", "figure", ("9",), "§9.4", _REAL),
    Item("fig10", "figure", ("10",), "§9.4", _REAL),
    Item("fig11", "figure", ("11",), "§9.4", "needs ImageNet-1K (real data)"),
    Item("fig12", "figure", ("12",), "§9.4", "needs ImageNet-1K (real data)"),
    Item("tab1", "table", ("1",), "§9.3"),
    Item("tab2", "table", ("2",), "§9.3"),
)
BY_ID = {it.id: it for it in ITEMS}

# the commands that produce figures or tables, and where their output is documented
FIGURE_COMMANDS = {"figures": "docs/figures/", "reproduce": "docs/reproduction.md", "images": "docs/images.md"}


# ---- reading item references out of text -------------------------------------------------------
# a keyword, then a run of labels joined by separators: 'Lemma 5.1 (= B.1, C.3)', 'Lemmas C.4-C.7',
# 'Thms 4.1/4.2', 'Figs 1-6', 'Fig. 1 (Figs 7-10, 11)', 'Condition A.2(5)'
_KEYWORDS = {
    "definition": r"Definitions?|Defs?\.?",
    "condition": r"Conditions?",
    "theorem": r"Theorems?|Thms?\.?",
    "corollary": r"Corollar(?:y|ies)|Cors?\.?",
    "lemma": r"Lemmas?",
    "figure": r"Figures?|Figs?\.?",
    "table": r"Tables?",
}
_LABEL = r"(?:[A-D]\.)?\d+(?:\.\d+)?"
_JOIN = r"(?:\s*(?:[,/;=–-]|\(=?|\)|and|\(\d+\))\s*)+"
_RUN = re.compile(
    r"\b("
    + "|".join(f"(?P<{k}>{v})" for k, v in _KEYWORDS.items())
    + r")\s*(?P<labels>"
    + _LABEL
    + r"(?:"
    + _JOIN
    + _LABEL
    + r")*)"
)
_TOKEN = re.compile(_LABEL + r"|[–-]")


def _number_index() -> dict[tuple[str, str], str]:
    """(kind family, paper label) -> item id; theorems and corollaries share Section 4's numbers."""
    idx: dict[tuple[str, str], str] = {}
    for it in ITEMS:
        for num in it.numbers:
            idx[(it.kind, num)] = it.id
    return idx


_INDEX = _number_index()


def _key(label: str) -> tuple[str, float]:
    head, _, tail = label.rpartition(".") if label[0].isalpha() else ("", "", label)
    if label[0].isalpha():
        return head, float(tail)
    return "", float(label)


def _expand(kind: str, lo: str, hi: str) -> list[str]:
    """Every label of `kind` between lo and hi (same appendix letter), in order."""
    (la, a), (lb, b) = _key(lo), _key(hi)
    if la != lb:
        return [lo, hi]
    return [num for (k, num) in _INDEX if k == kind and _key(num)[0] == la and a <= _key(num)[1] <= b]


def refs(text: str) -> list[str]:
    """The paper items a text names, in order of first mention (unknown labels are skipped)."""
    out: list[str] = []
    for m in _RUN.finditer(text or ""):
        kind = next(k for k in _KEYWORDS if m.group(k))
        toks = _TOKEN.findall(m.group("labels"))
        labels: list[str] = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if t in "–-":
                if labels and i + 1 < len(toks):
                    labels.extend(_expand(kind, labels.pop(), toks[i + 1]))
                    i += 2
                    continue
            else:
                labels.append(t)
            i += 1
        kinds = ("theorem", "corollary") if kind in ("theorem", "corollary") else (kind,)
        for lab in labels:
            iid = next((_INDEX[(k, lab)] for k in kinds if (k, lab) in _INDEX), None)
            if iid and iid not in out:
                out.append(iid)
    return out


def resolve(ref: str) -> str:
    """An item id, or an alias ('lemC.17' for Lemma B.10 = C.17); ValueError for an unknown one."""
    if ref in BY_ID:
        return ref
    m = re.fullmatch(r"(def|cond|thm|cor|lem|fig|tab)([A-D]?\.?\d+(?:\.\d+)?)", ref or "")
    if m:
        kind = {"def": "definition", "cond": "condition", "thm": "theorem", "cor": "corollary", "lem": "lemma"}
        kind.update(fig="figure", tab="table")
        iid = _INDEX.get((kind[m.group(1)], m.group(2)))
        if iid:
            return iid
    raise ValueError(f"{ref!r} names no numbered item of the paper (known: {', '.join(BY_ID)})")


# ---- tests, read from the source tree ----------------------------------------------------------
def tests_dir() -> pathlib.Path | None:
    """tests/ of a source checkout (beside the packages and pyproject.toml), or None (a wheel)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    t = root / "tests"
    return t if t.is_dir() and (root / "pyproject.toml").is_file() else None


def _paper_marks(decorators: Iterable[ast.expr]) -> list[str]:
    """The items of every `pytest.mark.paper(...)` call in these decorators, including those
    inside `pytest.param(..., marks=...)` of a parametrize (a marker on one case)."""
    out: list[str] = []
    for dec in decorators:
        for d in ast.walk(dec):
            if (
                isinstance(d, ast.Call)
                and isinstance(d.func, ast.Attribute)
                and d.func.attr == "paper"
                and isinstance(d.func.value, ast.Attribute)
                and d.func.value.attr == "mark"
            ):
                out.extend(a.value for a in d.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return out


def _module_marks(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            v = node.value
            return _paper_marks(v.elts if isinstance(v, (ast.List, ast.Tuple)) else [v])
    return []


def scan_tests(folder: pathlib.Path) -> dict[str, list[str]]:
    """'tests/file.py::test_name' -> the paper items its markers name (aliases resolved). An
    unknown item name raises ValueError naming the test, so a typo cannot hide."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.glob("test_*.py")):
        tree = ast.parse(path.read_text())
        module = _module_marks(tree)
        nodes: list[tuple[str, ast.AST, list[str]]] = []
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                cls = _paper_marks(node.decorator_list)
                nodes += [(f"{node.name}::{f.name}", f, cls) for f in node.body if isinstance(f, ast.FunctionDef)]
            elif isinstance(node, ast.FunctionDef):
                nodes.append((node.name, node, []))
        for name, fn, extra in nodes:
            if not name.split("::")[-1].startswith("test"):
                continue
            marks = module + extra + _paper_marks(fn.decorator_list)  # type: ignore[attr-defined]
            if not marks:
                continue
            tid = f"tests/{path.name}::{name}"
            try:
                found[tid] = list(dict.fromkeys(resolve(m) for m in marks))
            except ValueError as e:
                raise ValueError(f"{tid}: {e}") from None
    return found


def symbolic_test(test_id: str) -> bool:
    """Tests of the symbolic side (tests/test_*bounds*.py) do not count as numeric."""
    return "bounds" in test_id.split("::")[0]


# ---- the table ---------------------------------------------------------------------------------
@dataclass
class Row:
    item: Item
    checks: list[str] = field(default_factory=list)  # registered checks about this item
    sub_checks: list[str] = field(default_factory=list)  # checks naming it as a sub-claim, gate or cap
    scaling: list[str] = field(default_factory=list)
    bounds: list[str] = field(default_factory=list)  # bounds RESULTS / CONDITIONS names
    tests: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # 'command (docs path)'
    verdicts: dict[str, str] = field(default_factory=dict)  # check id -> verdict at the default preset

    @property
    def numeric_tests(self) -> list[str]:
        return [t for t in self.tests if not symbolic_test(t)]

    @property
    def status(self) -> str:
        """How the item is covered, best first."""
        if self.checks:
            return "check"
        if self.scaling:
            return "scaling"
        if self.sub_checks:
            return "sub-claim"
        if self.figures:
            return "figure/table"
        if self.numeric_tests:
            return "numeric tests"
        if self.bounds or self.tests:
            return "symbolic only"
        return "not covered"

    @property
    def numeric(self) -> bool:
        return self.status not in ("symbolic only", "not covered")

    def how(self, list_tests: bool = False) -> str:
        """The coverage in words; list_tests names every test (else a count)."""
        parts = []
        if self.checks:
            parts.append("check " + ", ".join(self.checks))
        if self.scaling:
            parts.append("scaling " + ", ".join(self.scaling))
        if self.sub_checks:
            parts.append("within " + ", ".join(self.sub_checks))
        if self.figures:
            parts.append(", ".join(self.figures))
        if self.bounds:
            parts.append("bounds " + ", ".join(self.bounds))
        if self.tests and list_tests:
            parts.append("tests " + ", ".join(f"`{t}`" for t in self.tests))
        elif self.tests:
            parts.append(f"{len(self.tests)} test" + ("s" if len(self.tests) > 1 else ""))
        if not parts:
            parts.append("not covered: " + (self.item.why_not or "nothing in the code names it"))
        elif not self.numeric and self.item.why_not:
            parts.append("no numeric check: " + self.item.why_not)
        return "; ".join(parts)

    def verdict(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in self.verdicts.items()) if self.verdicts else ""

    def as_dict(self) -> dict:
        it = self.item
        return {
            "id": it.id,
            "label": it.label,
            "kind": it.kind,
            "model_md": f"docs/model.md {it.section}",
            "status": self.status,
            "numeric": self.numeric,
            "checks": self.checks,
            "sub_checks": self.sub_checks,
            "scaling": self.scaling,
            "bounds": self.bounds,
            "tests": self.tests,
            "figures": self.figures,
            "verdicts": self.verdicts,
            "reason": "" if self.numeric else (it.why_not or "nothing in the code names it"),
        }


@dataclass
class Coverage:
    rows: list[Row]
    tests_scanned: bool
    store: str | None  # the store the verdicts were read from (None: not read)

    def summary(self) -> dict:
        by = {st: sum(r.status == st for r in self.rows) for st in STATUSES}
        return {
            "items": len(self.rows),
            "numeric": sum(r.numeric for r in self.rows),
            "by_status": by,
            "tests_scanned": self.tests_scanned,
        }

    def as_dict(self) -> dict:
        return {"summary": self.summary(), "store": self.store, "items": [r.as_dict() for r in self.rows]}


def build(
    command_help: Mapping[str, str],
    tests: Mapping[str, list[str]] | None = None,
    store: Any = None,
) -> Coverage:
    """The coverage table. command_help: the help text of the figure/table commands (the CLI passes
    its own); tests: scan_tests' answer, or None to scan tests/ when there is one; store: a Store to
    read the default preset's verdicts from (None: no verdicts)."""
    import bounds

    from ..checks import load_all

    rows = {it.id: Row(it) for it in ITEMS}
    for cid, chk in load_all(None).items():
        named = refs(chk.ref)
        for k, iid in enumerate(named):
            if chk.kind == "scaling":
                rows[iid].scaling.append(cid)
            else:
                (rows[iid].checks if k == 0 else rows[iid].sub_checks).append(cid)
    for rid, res in bounds.RESULTS.items():
        for iid in refs(res.ref):
            rows[iid].bounds.append(rid)
    for name, cond in bounds.CONDITIONS.items():
        for iid in refs(cond.ref):
            rows[iid].bounds.append(name)
    scanned = tests is not None
    if tests is None:
        folder = tests_dir()
        scanned = folder is not None
        tests = scan_tests(folder) if folder is not None else {}
    for tid, iids in tests.items():
        for iid in iids:
            rows[iid].tests.append(tid)
    for cmd, doc in FIGURE_COMMANDS.items():
        for iid in refs(command_help.get(cmd, "")):
            if BY_ID[iid].kind in ("figure", "table"):
                rows[iid].figures.append(f"`theorycheck {cmd}` ({doc})")
    if store is not None:
        _read_verdicts(rows, store)
    return Coverage(list(rows.values()), scanned, getattr(store, "path", None))


def _read_verdicts(rows: dict[str, Row], store: Any) -> None:
    """Judge each registered check from the store's runs of its default plan (smoke preset, seeds
    0-2) where all of them are stored; 'not run' otherwise. Nothing is computed."""
    from ..checks import load_all
    from ..engine.plan import all_configs
    from ..engine.session import Runs, Stats
    from ..judge.judge import judge

    exists = store.exists()
    for cid, chk in load_all().items():
        verdict = "not run"
        if exists:
            plan = chk.plan()
            cfgs = list(all_configs([plan]))
            got = store.get_many(cfgs)
            if len(got) == len(set(cfgs)):
                verdict = judge(plan, Runs(got, Stats())).verdict
        for r in rows.values():
            if cid in r.checks or cid in r.sub_checks:
                r.verdicts[cid] = verdict


# ---- rendering ---------------------------------------------------------------------------------
HEADERS = ("item", "kind", "docs/model.md", "covered by", "how")


def render_rows(cov: Coverage, fmt: str, verdicts: bool = True, tests: bool = False) -> str:
    """The table as 'text' or 'md'; tests=True lists every test by name (else a count)."""
    heads = list(HEADERS) + (["verdict (smoke)"] if verdicts else [])
    body = []
    for r in cov.rows:
        row = [r.item.label, r.item.kind, r.item.section, r.status, r.how(list_tests=tests)]
        if verdicts:
            row.append(r.verdict() or ("not run" if r.checks or r.sub_checks else ""))
        body.append(row)
    if fmt == "md":  # unpadded, one line per item: a change to one item changes one line
        lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        return "\n".join(lines + ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in body])
    return render(heads, body, "text")


def summary_text(cov: Coverage) -> str:
    s = cov.summary()
    parts = ", ".join(f"{v} {k}" for k, v in s["by_status"].items())
    tail = "" if s["tests_scanned"] else " (tests not scanned: no tests/ folder beside the packages)"
    return f"{s['items']} numbered items, {s['numeric']} covered numerically: {parts}{tail}"


BEGIN = "<!-- coverage:begin (generated by `theorycheck coverage --no-verdicts --into FILE`; do not edit) -->"
END = "<!-- coverage:end -->"


def block(cov: Coverage) -> str:
    """The generated block that paper_refs.md and docs/test_list_by_lemma.md carry: the summary
    and the table with every test named, without verdicts (they depend on the store)."""
    return f"{BEGIN}\n{summary_text(cov)}\n\n{render_rows(cov, 'md', verdicts=False, tests=True)}\n{END}"


def splice(text: str, cov: Coverage, param: str = "into") -> str:
    """`text` with its generated block replaced by the current one; ConfigError(param) when the
    text has no block (both markers, in order)."""
    from simulations import ConfigError

    i, j = text.find(BEGIN), text.find(END)
    if i < 0 or j < i:
        raise ConfigError(param, f"the file has no generated coverage block ({BEGIN} ... {END}); add the two markers")
    return text[:i] + block(cov) + text[j + len(END) :]


def current_block(text: str) -> str | None:
    """The generated block a file carries, or None."""
    i, j = text.find(BEGIN), text.find(END)
    return text[i : j + len(END)] if 0 <= i < j else None
