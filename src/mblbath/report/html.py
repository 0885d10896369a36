"""The claims table as HTML, for Snakemake's report (``snakemake --report``).

:func:`claims_page` turns the Markdown of :func:`mblbath.report.write_claims` into a
standalone HTML page (Python-Markdown with its ``tables`` extension): the report shows it
as a page, with every table rendered and the verdicts coloured. :func:`summary_fragment`
is what the report's first page shows: how many claims hold, do not hold or are not
testable, and the provenance lines of the table's header (config hash, git commit,
numerics). Both work on the Markdown text alone, so they follow whatever the table holds.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from collections import Counter
from pathlib import Path

import markdown

__all__ = ["claims_page", "summary_fragment", "verdict_counts", "write_html"]

#: Colour of each verdict (the start of its text), for the table and the summary.
_VERDICT_COLOURS = {
    "holds": "#1a7f37",
    "does not hold": "#cf222e",
    "not testable": "#9a6700",
}

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em; max-width: 110em; color: #1f2328; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #d0d7de; padding: 0.35em 0.6em; vertical-align: top; text-align: left; }
th { background: #f6f8fa; }
tr:nth-child(even) td { background: #fbfcfd; }
code { background: #eff1f3; padding: 0 0.25em; border-radius: 3px; }
strong.verdict { white-space: nowrap; }
"""

#: A claims-table row: ``| # | claim | measured | rests on | **verdict** (reason) |``: the
#: verdict is the last cell, in bold, possibly followed by its reason.
_ROW = re.compile(r"^\|\s*(\d+)\s*\|.*\|\s*\*\*([^*|]+)\*\*[^|]*\|\s*$")


def verdict_counts(md_text: str) -> Counter:
    """``{verdict: number of claims}`` of the claims table (rows numbered ``| 1 | ...``)."""
    return Counter(m.group(2).strip() for m in map(_ROW.match, md_text.splitlines()) if m)


def _colour(verdict: str) -> str:
    for start, colour in _VERDICT_COLOURS.items():
        if verdict.startswith(start):
            return colour
    return "inherit"


def _mark_verdicts(body: str, verdicts: set[str]) -> str:
    """Give the bold verdict words of the table their colour."""
    for v in verdicts:
        plain = f"<strong>{html.escape(v, quote=False)}</strong>"
        styled = f'<strong class="verdict" style="color: {_colour(v)}">{html.escape(v)}</strong>'
        body = body.replace(plain, styled)
    return body


def claims_page(md_text: str) -> str:
    """The claims Markdown as a standalone HTML page."""
    body = markdown.markdown(md_text, extensions=["tables", "sane_lists"])
    body = _mark_verdicts(body, set(verdict_counts(md_text)))
    title = next((ln[2:].strip() for ln in md_text.splitlines() if ln.startswith("# ")), "Claims")
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def summary_fragment(md_text: str) -> str:
    """An HTML fragment: the verdict counts and the header's provenance list."""
    counts = verdict_counts(md_text)
    items = "".join(
        f'<li><strong style="color: {_colour(v)}">{html.escape(v)}</strong>: {n}</li>'
        for v, n in sorted(counts.items(), key=lambda kv: -kv[1])
    )
    # The header's bullet list (config hash, commit, numerics): lines before the first table.
    head = md_text.split("\n|", 1)[0]
    bullets = "\n".join(ln for ln in head.splitlines() if ln.startswith("- "))
    provenance = markdown.markdown(bullets) if bullets else ""
    return (
        '<div class="mblbath-summary">\n'
        f"<p>{sum(counts.values())} claims checked:</p>\n<ul>{items}</ul>\n"
        f"{provenance}\n</div>\n"
    )


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_html(md_path: str | os.PathLike, page: str | os.PathLike | None, summary=None) -> None:
    """Write :func:`claims_page` to ``page`` and :func:`summary_fragment` to ``summary``
    (either may be None) from the Markdown file ``md_path``."""
    md_text = Path(md_path).read_text(encoding="utf-8")
    if page is not None:
        _write_text(Path(page), claims_page(md_text))
    if summary is not None:
        _write_text(Path(summary), summary_fragment(md_text))
