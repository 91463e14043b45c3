"""`theorycheck coverage`: every numbered item of the paper, and how the code covers it.

The table is generated from the registries, bounds' tables, the @pytest.mark.paper markers and
the figure commands' help; these tests hold it to the code and to the two documents that carry
it (paper_refs.md, docs/test_list_by_lemma.md), and hold the command to the bad-input rules.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import re

import pytest

from simulations import ConfigError
from theorycheck.checks import load_all
from theorycheck.cli import cli, main
from theorycheck.reports import coverage as cov

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ("paper_refs.md", "docs/test_list_by_lemma.md")


@pytest.fixture(scope="module")
def table() -> cov.Coverage:
    return cov.build({n: cli.commands[n].help or "" for n in cov.FIGURE_COMMANDS})


def test_the_paper_has_52_numbered_items_with_unique_labels():
    assert len(cov.ITEMS) == 52
    assert len(cov.BY_ID) == 52
    labels = [(it.kind, n) for it in cov.ITEMS for n in it.numbers]
    assert len(labels) == len(set(labels))
    assert {it.kind for it in cov.ITEMS} == set(cov.KINDS)


def test_every_item_has_its_section_in_model_md():
    """The section an item names exists in docs/model.md, and that section mentions the item."""
    text = (ROOT / "docs" / "model.md").read_text()
    heads = [(m.start(), m.group(1)) for m in re.finditer(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", text, re.M)]
    for it in cov.ITEMS:
        sec = it.section.lstrip("§")
        starts = [i for i, (_, num) in enumerate(heads) if num == sec]
        assert starts, f"{it.id}: docs/model.md has no section {it.section}"
        k = starts[0]
        # the section runs to the next heading of the same or a higher level
        depth = sec.count(".")
        end = next((p for p, num in heads[k + 1 :] if num.count(".") <= depth), len(text))
        body = text[heads[k][0] : end]
        if it.kind in ("theorem", "corollary"):
            assert it.numbers[0] in body, f"{it.id} not in docs/model.md {it.section}"
        else:
            assert any(n in body for n in it.numbers), f"{it.id} not in docs/model.md {it.section}"


@pytest.mark.parametrize(
    "text,items",
    [
        ("Lemma 5.1 (= B.1, C.3)", ["lem5.1"]),
        ("Lemma 5.2 (= B.2; C.4-C.7)", ["lem5.2", "lemC.4", "lemC.5", "lemC.6", "lemC.7"]),
        ("Lemmas C.17 / C.12", ["lemB.10", "lemB.6"]),
        ("Thms 4.1-4.5", ["thm4.1", "thm4.2", "thm4.4", "thm4.5"]),
        ("Corollary 4.3 (with Theorem 4.2), q = 4", ["cor4.3", "thm4.2"]),
        ("Condition A.2(5), Lemma C.1", ["condA.2", "lemC.1"]),
        ("Lemmas 5.4/C.8, C.15, C.19", ["lem5.4", "lemB.9", "lemB.12"]),
        ("Tables 1–2 and Figs 3–6", ["tab1", "tab2", "fig3", "fig4", "fig5", "fig6"]),
        ("Lemma C.2 (docs/model.md §5.3)", ["lemC.2"]),
        ("Lemma Z.9, eq. (3.5), §4.2", []),
    ],
)
def test_refs_reads_the_paper_labels(text, items):
    assert cov.refs(text) == items


def test_resolve_takes_ids_and_twins_and_refuses_the_rest():
    assert cov.resolve("lemC.17") == "lemB.10"
    assert cov.resolve("lemC.8") == "lem5.4"
    assert cov.resolve("fig9") == "fig9"
    with pytest.raises(ValueError, match=r"lemZ\.1"):
        cov.resolve("lemZ.1")


def test_every_registered_check_names_a_paper_item():
    """A check whose ref no longer parses would silently drop out of the table."""
    for cid, chk in load_all(None).items():
        assert cov.refs(chk.ref), f"{cid}: its ref {chk.ref!r} names no numbered item"


def test_the_table_follows_the_registry(table):
    """Each registered check is listed under the item its ref names first; a check that
    disappears from the registry disappears from the table (and paper_refs.md then disagrees)."""
    rows = {r.item.id: r for r in table.rows}
    for cid, chk in load_all().items():
        assert cid in rows[cov.refs(chk.ref)[0]].checks
    for cid, chk in load_all("scaling").items():
        assert cid in rows[cov.refs(chk.ref)[0]].scaling
    listed = {c for r in table.rows for c in r.checks + r.sub_checks + r.scaling}
    assert listed == set(load_all(None))


def test_markers_are_scanned_and_unknown_items_fail(tmp_path):
    (tmp_path / "test_x.py").write_text(
        "import pytest\n"
        "pytestmark = pytest.mark.paper('def3.1')\n"
        "@pytest.mark.paper('lemC.8')\n"
        "def test_a():\n    pass\n"
        "def helper():\n    pass\n"
        "class TestB:\n    def test_c(self):\n        pass\n"
        "@pytest.mark.parametrize('x', [pytest.param(1, marks=pytest.mark.paper('lemB.9')), 2])\n"
        "def test_e(x):\n    pass\n"
    )
    found = cov.scan_tests(tmp_path)
    assert found == {
        "tests/test_x.py::test_a": ["def3.1", "lem5.4"],
        "tests/test_x.py::TestB::test_c": ["def3.1"],
        "tests/test_x.py::test_e": ["def3.1", "lemB.9"],
    }
    (tmp_path / "test_y.py").write_text("import pytest\n@pytest.mark.paper('lemQ.1')\ndef test_d():\n    pass\n")
    with pytest.raises(ValueError, match=r"test_y\.py::test_d"):
        cov.scan_tests(tmp_path)


def test_marked_tests_exist_and_count(table):
    """Every marked test is listed under its item; tests of the symbolic side do not count as numeric."""
    found = cov.scan_tests(ROOT / "tests")
    assert found, "no @pytest.mark.paper marker found"
    rows = {r.item.id: r for r in table.rows}
    for tid, items in found.items():
        for iid in items:
            assert tid in rows[iid].tests
    assert table.tests_scanned
    assert cov.symbolic_test("tests/test_bounds_scaling.py::test_x")
    assert not cov.symbolic_test("tests/test_lemmas_init.py::test_x")


def test_a_wheel_without_tests_says_so(monkeypatch):
    monkeypatch.setattr(cov, "tests_dir", lambda: None)  # an installed wheel has no tests/ beside the packages
    wheel = cov.build({n: cli.commands[n].help or "" for n in cov.FIGURE_COMMANDS})
    assert all(not r.tests for r in wheel.rows)
    assert not wheel.tests_scanned
    assert "tests not scanned" in cov.summary_text(wheel)


def test_status_is_derived_and_uncovered_items_give_a_reason(table):
    s = table.summary()
    assert s["items"] == 52
    assert sum(s["by_status"].values()) == 52
    assert s["numeric"] == sum(r.numeric for r in table.rows)
    for r in table.rows:
        if r.status == "not covered":
            assert "not covered:" in r.how()
        if r.status == "check":
            assert r.numeric


@pytest.mark.parametrize("doc", DOCS)
def test_docs_carry_the_generated_table(table, doc):
    """paper_refs.md and docs/test_list_by_lemma.md carry the generated block unchanged.
    Regenerate both with `theorycheck coverage --no-verdicts --into paper_refs.md --into docs/test_list_by_lemma.md`."""
    text = (ROOT / doc).read_text()
    assert cov.current_block(text) == cov.block(table), (
        f"{doc} disagrees with the code: run "
        "`theorycheck coverage --no-verdicts --into paper_refs.md --into docs/test_list_by_lemma.md`"
    )


def test_splice_replaces_only_the_block(table):
    text = f"head\n{cov.BEGIN}\nSTALE-BLOCK-TEXT\n{cov.END}\ntail\n"
    out = cov.splice(text, table)
    assert out.startswith("head\n") and out.endswith("\ntail\n") and "STALE-BLOCK-TEXT" not in out
    with pytest.raises(ConfigError) as e:
        cov.splice("no block here", table)
    assert e.value.param == "into"


class _FakeStore:
    """A store that holds every run of some checks' default plans (verdicts read, nothing run)."""

    path = "fake.sqlite"

    def __init__(self, holds):
        self.holds = holds

    def exists(self):
        return True

    def get_many(self, cfgs):
        cfgs = list(cfgs)
        return {c: object() for c in cfgs} if self.holds(cfgs) else {c: object() for c in cfgs[:-1]}


def test_verdicts_are_judged_from_stored_runs_only(monkeypatch):
    """A check whose default plan is stored in full is judged from the store; one run short and
    it reads 'not run'. Nothing runs: judging is the only step (replaced here)."""
    import importlib

    from theorycheck.engine.plan import all_configs

    J = importlib.import_module("theorycheck.judge.judge")  # the module (the package re-exports the function)

    lem51 = set(all_configs([load_all()["lem5.1"].plan()]))

    class _J:
        verdict = "consistent"

    monkeypatch.setattr(J, "judge", lambda plan, runs: _J())
    c = cov.build({}, tests={}, store=_FakeStore(lambda cfgs: set(cfgs) == lem51))
    rows = {r.item.id: r for r in c.rows}
    assert rows["lem5.1"].verdicts["lem5.1"] == "consistent"
    assert rows["thm4.1"].verdicts["thm4.1"] == "not run"
    assert c.store == "fake.sqlite"


def _snapshot(root: pathlib.Path) -> dict:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


def _exit_code(args: list) -> int:
    try:
        main(args)
    except SystemExit as e:
        return e.code
    return 0


def test_cli_json_lists_every_item_and_reads_an_absent_store_as_not_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THEORYCHECK_STORE", str(tmp_path / "results" / "s.sqlite"))
    assert _exit_code(["coverage", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [i["id"] for i in out["items"]] == [it.id for it in cov.ITEMS]
    assert out["summary"]["items"] == 52
    thm41 = next(i for i in out["items"] if i["id"] == "thm4.1")
    assert thm41["verdicts"] == {"thm4.1": "not run"}
    assert list(tmp_path.iterdir()) == []  # reading an absent store creates nothing


def test_cli_md_and_into(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = tmp_path / "refs.md"
    doc.write_text(f"intro\n{cov.BEGIN}\n{cov.END}\n")
    assert _exit_code(["coverage", "--no-verdicts", "--md", "c.md", "--into", str(doc)]) == 0
    md = (tmp_path / "c.md").read_text()
    assert md.count("\n| ") >= 52 and "numbered items" in md
    assert "| Lemma A.3 " in doc.read_text() and doc.read_text().startswith("intro\n")


BAD = [
    (["coverage", "--md", "afile.txt/c.md"], "md"),
    (["coverage", "--md", "/dev/full"], "md"),
    (["coverage", "--md", ""], "md"),
    (["coverage", "--format", "latex"], "format"),
    (["coverage", "--into", "afile.txt"], "into"),
    (["coverage", "--into", "nosuch.md"], "into"),
    (["coverage", "--store", "garbage.db"], "store"),
    (["coverage", "--store", "adir"], "store"),
]


@pytest.mark.parametrize("args,param", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_cli_bad_input_exits_2_and_writes_nothing(args, param, tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "afile.txt").write_text("a file, not a folder, and no coverage block")
    (work / "garbage.db").write_bytes(b"not a database at all" * 50)
    (work / "adir").mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("THEORYCHECK_STORE", str(work / "results" / "s.sqlite"))
    before = _snapshot(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(args)
    err = capsys.readouterr().err.replace("\n", " ")
    assert e.value.code == 2, err
    assert f"'{param}'" in err or f"--{param}" in err, err
    assert _snapshot(tmp_path) == before
