"""Renderers: judgements in, text / Markdown / CSV / LaTeX / HTML tables and figures out."""
