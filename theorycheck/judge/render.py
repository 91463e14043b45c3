"""A judgement as text, Markdown and HTML, and the one table renderer every report uses.

It sits in the judging layer so that a `Judgement` prints (``str``) and renders in notebooks
(``_repr_html_``) by itself, whatever else was imported; reports build on these functions.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tabulate import tabulate

if TYPE_CHECKING:  # typing only: verdicts imports this module
    from .verdicts import Judgement

FORMATS = ("md", "csv", "latex", "text")


def render(headers: Sequence[str], rows: Sequence[Sequence[object]], fmt: str = "md") -> str:
    """One table in one of FORMATS."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(headers)
        w.writerows(rows)
        return buf.getvalue()
    tablefmt = {"md": "github", "latex": "latex_booktabs", "text": "simple", "html": "html"}[fmt]
    return tabulate(rows, headers=headers, tablefmt=tablefmt, disable_numparse=True)


def separation_cell(c: object) -> str:
    """'yes', 'NO', or the check's stated reason why its control cannot separate the claim."""
    sep, why = getattr(c, "separated", None), getattr(c, "not_separated", "")
    if sep is None:
        return ""
    if sep:
        return "yes"
    return f"no: {why}" if why else "NO"


def claim_rows(res: Judgement, controls: bool = False) -> list[list[str]]:
    """The claims (or, with controls=True, the same rule on the negative-control runs). The margin
    is the smallest over the seeds (measured value over its cut, > 1 passes with room), marked
    '(fragile)' when some seed lies within 5% of the cut."""
    return [
        [
            c.name,
            c.predicted,
            c.rule,
            c.summary(),
            c.margin_summary(),
            f"{sum(c.passes)}/{len(c.passes)}",
            c.status,
            separation_cell(c),
        ]
        for c in (res.controls if controls else res.claims)
    ]


def fragile_line(res: Judgement) -> str:
    """A warning naming the claims within 5% of their cut on some seed ('' when none)."""
    names = [c.name for c in res.claims if c.fragile]
    return f"fragile (within 5% of the cut on some seed): {', '.join(names)}" if names else ""


CONTROL_TITLE = "negative control (the same rule where the result does not apply; it must fail on every seed):"


CLAIM_HEADERS = [
    "claim",
    "paper",
    "numeric rule",
    "measured (mean ± std)",
    "margin (min)",
    "seeds passing",
    "status",
    "separated by control",
]
HYP_HEADERS = ["hypothesis", "ref", "holds", "gating", "numbers"]


def hyp_rows(res: Judgement, gating_only: bool = False) -> list[list[str]]:
    return [
        [h.name, h.ref, "yes" if h.holds else "NO", "yes" if h.gating else "", h.detail]
        for h in res.hypotheses
        if h.gating or not gating_only
    ]


def setting_line(res: Judgement) -> str:
    """The check's own setting at this preset (checks.registry.Setting), '' when it has none."""
    st = res.meta.get("setting")
    if not st:
        return ""
    fields = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in st["fields"].items())
    return f"check setting at --preset {st['preset']}: {fields} (below --set) — {st['why']}"


def check_text(res: Judgement, verbose: bool = False) -> str:
    lines = [f"{res.check_id} ({res.ref}): {res.title}", f"verdict: {res.verdict.upper()} — {res.reason}", ""]
    if st := setting_line(res):
        lines[2:2] = [st]
    if res.claims:
        lines += [render(CLAIM_HEADERS, claim_rows(res), "text"), ""]
        if fragile_line(res):
            lines += [fragile_line(res), ""]
    if res.controls:
        lines += [CONTROL_TITLE, render(CLAIM_HEADERS, claim_rows(res, controls=True), "text"), ""]
    lines += [render(HYP_HEADERS, hyp_rows(res, gating_only=not verbose), "text")]
    ladder = [h for h in res.hypotheses if h.kind == "horizon" and not h.gating]  # judge.horizon
    if ladder and not verbose:
        lines += ["horizon ladder (the rule on the same runs, read at earlier stops):"]
        lines += [f"  {h.detail}" for h in ladder]
    if not verbose:
        missed = [h.name for h in res.hypotheses if not h.gating and not h.holds and h.kind != "horizon"]
        held = sum(1 for h in res.hypotheses if not h.gating and h.holds and h.kind != "horizon")
        lines.append(
            f"scaling conditions (non-gating): {held} hold, {len(missed)} missed"
            + (f": {', '.join(missed)}" if missed else "")
            + "  (--verbose for numbers)"
        )
    lines += [
        "",
        f"runs: {len(res.runs)} ({res.cached} from the store, {res.computed} computed, {res.wall_s:.1f} s)",
        f"reproduce: {res.command}",
    ]
    return "\n".join(lines)


def check_markdown(res: Judgement) -> str:
    out = [f"### {res.check_id} ({res.ref}) — {res.title}", "", f"**Verdict: {res.verdict}** — {res.reason}", ""]
    if st := setting_line(res):
        out += [st, ""]
    if res.claims:
        out += [render(CLAIM_HEADERS, claim_rows(res), "md"), ""]
        if fragile_line(res):
            out += [f"**{fragile_line(res)}**", ""]
    if res.controls:
        out += [
            CONTROL_TITLE[0].upper() + CONTROL_TITLE[1:],
            "",
            render(CLAIM_HEADERS, claim_rows(res, controls=True), "md"),
            "",
        ]
    out += [render(HYP_HEADERS, hyp_rows(res), "md"), "", f"Reproduce: `{res.command}`", ""]
    return "\n".join(out)


def check_html(res: Judgement) -> str:
    parts = [
        f"<h4>{html.escape(res.check_id)} ({html.escape(res.ref)}): {html.escape(res.title)}</h4>",
        f"<p><b>{html.escape(res.verdict)}</b> — {html.escape(res.reason)}</p>",
    ]
    if st := setting_line(res):
        parts.append(f"<p>{html.escape(st)}</p>")
    if res.claims:
        parts.append(render(CLAIM_HEADERS, claim_rows(res), "html"))
        if fragile_line(res):
            parts.append(f"<p><b>{html.escape(fragile_line(res))}</b></p>")
    parts.append(render(HYP_HEADERS, hyp_rows(res, gating_only=True), "html"))
    parts.append(f"<p><code>{html.escape(res.command)}</code></p>")
    return "\n".join(parts)
