"""Every citation of docs/model.md in the repository names a section, and an item of it, that exists.

A citation is "docs/model.md §N", "§N.M", "§N item K" or "§N items K–L, J", alone or chained
("§0.3, §1 item 5"). In code, README.md, paper_refs.md and docs/model.md itself a bare "§N" means
docs/model.md; in the other pages a bare "§N" is the page's own section and is not checked here.
A section's items are the numbered list entries between its heading and the next heading.
"""

from __future__ import annotations

import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL = "docs/model.md"
#: pages whose bare "§N" cites docs/model.md (code files always do)
BARE_MEANS_MODEL = {"README.md", "paper_refs.md", MODEL, "docs/test_list_by_lemma.md"}

REF = re.compile(r"§\s?(\d+(?:\.\d+)?)(?:\s+items?\s+(\d+(?:\s*(?:[-–]|,|and|or)\s*\d+(?![.\d]))*))?")
DOC_BEFORE = re.compile(r"([\w./-]+\.md)[`)\]]*\s*[(\[`]*\s*$")
JOIN = re.compile(r"^(?:\s|,|;|/|[-–]|and|or|\(|\))*$")


def model_index() -> dict[str, set[int]]:
    """section id -> the item numbers listed directly under its heading."""
    out: dict[str, set[int]] = {}
    current = None
    for line in (ROOT / MODEL).read_text().splitlines():
        h = re.match(r"^#{2,4}\s+(\d+(?:\.\d+)?)\.?\s", line)
        if h:
            current = h.group(1)
            out[current] = set()
            continue
        if line.startswith("#"):
            current = None  # a heading without a number ends the section's list
            continue
        item = re.match(r"^(\d+)\.\s", line)
        if item and current is not None:
            out[current].add(int(item.group(1)))
    return out


def item_numbers(text: str) -> list[int]:
    """ "7-8" -> [7, 8]; "1, 2, 5" -> [1, 2, 5]; "4 and 7" -> [4, 7]."""
    nums: list[int] = []
    for part in re.split(r"\s*(?:,|and|or)\s*", text.strip()):
        ends = [int(x) for x in re.split(r"\s*[-–]\s*", part)]
        nums += list(range(ends[0], ends[-1] + 1))
    return nums


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    this = pathlib.Path(__file__).resolve().relative_to(ROOT).as_posix()  # its examples are made up
    return [f for f in out.split() if f.endswith((".py", ".md")) and f != this and (ROOT / f).is_file()]


def citations(path: str) -> list[tuple[int, str, list[int]]]:
    """(line, section, items) of every docs/model.md citation in `path`."""
    return citations_in((ROOT / path).read_text(), path.endswith(".py") or path in BARE_MEANS_MODEL)


def citations_in(text: str, bare_is_model: bool) -> list[tuple[int, str, list[int]]]:
    out = []
    prev_end, prev_doc = -1, None
    for m in REF.finditer(text):
        before = text[max(0, prev_end) : m.start()] if prev_end >= 0 else None
        doc_m = DOC_BEFORE.search(text[max(0, m.start() - 80) : m.start()])
        if doc_m:
            doc = doc_m.group(1)
        elif before is not None and JOIN.match(before):
            doc = prev_doc
        else:
            doc = MODEL if bare_is_model else None
        if doc is not None and doc.rsplit("/", 1)[-1] == "model.md":
            doc = MODEL  # "model.md" and "../docs/model.md" name the same page
        prev_end, prev_doc = m.end(), doc
        if doc == MODEL:
            items = item_numbers(m.group(2)) if m.group(2) else []
            out.append((text.count("\n", 0, m.start()) + 1, m.group(1), items))
    return out


def test_the_index_reads_the_sections_and_items():
    idx = model_index()
    assert {"0", "0.3", "1", "5.6", "8", "11"} <= set(idx)
    assert set(range(1, 20)) <= idx["1"] and {4, 7} <= idx["8"]


def test_the_parser_reads_ranges_and_chains():
    assert item_numbers("7-8") == [7, 8] and item_numbers("4–5") == [4, 5] and item_numbers("1, 2, 5") == [1, 2, 5]
    assert item_numbers("4 and 7") == [4, 7]


def test_the_reader_tells_model_citations_from_other_pages():
    text = (
        "see docs/model.md §1 items 7-8, §5.6 and §8 item 4;\n"
        "docs/reproduction.md §3, §4 are another page's. Bare: §0.3 item 2"
    )
    assert citations_in(text, True) == [(1, "1", [7, 8]), (1, "5.6", []), (1, "8", [4]), (2, "0.3", [2])]
    assert citations_in(text, False) == [(1, "1", [7, 8]), (1, "5.6", []), (1, "8", [4])]
    idx = model_index()
    assert "12" not in idx and 25 not in idx["1"]  # what a broken citation would name


def test_every_model_citation_exists():
    idx = model_index()
    broken, seen = [], 0
    for path in tracked_files():
        for line, section, items in citations(path):
            seen += 1
            if section not in idx:
                broken.append(f"{path}:{line}: §{section} is not a section of {MODEL}")
            for k in items:
                if section in idx and k not in idx[section]:
                    broken.append(f"{path}:{line}: §{section} has no item {k}")
    assert seen > 100, f"only {seen} citations found: the reader is broken"
    assert not broken, "\n".join(broken)
