"""Renderers: judgements in, text / Markdown / CSV / LaTeX / HTML tables and figures out."""

from . import tables  # noqa: F401  (gives Judgement its text and HTML forms)
