"""The report as one self-contained HTML page, and the page shell other views reuse.

No script, no network: CSS and SVG are inline and a Content-Security-Policy forbids scripts
and remote loads as a second line of defence.  Every text from user files is escaped here.

Reusable pieces (the period view builds its page from them):

* :data:`CSS` — the style sheet (cards, sections, figures, tables);
* :func:`html_page` — the document: head with the security policy, header with title,
  subtitle and navigation, ``<main>`` body, footer;
* :func:`html_section`, :func:`html_cards`, :func:`html_figures`, :func:`html_table` —
  one section, key-figure cards, a row of charts, one table.

:func:`render_html` and :func:`write_html` render a :class:`~evalsys.report.data.Report`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from html import escape
from pathlib import Path

from evalsys._version import __version__
from evalsys.model.io import atomic_write
from evalsys.report.data import Chart, Report, Table, format_cell

__all__ = [
    "CSS",
    "html_cards",
    "html_figures",
    "html_page",
    "html_section",
    "html_table",
    "render_html",
    "write_html",
]

CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --accent:#3b6fb6; --bg:#f5f7fa; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font-family: "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
  "PingFang SC", sans-serif; font-size:14px; line-height:1.5; }
header { background:#1f3a5f; color:#fff; padding:24px 32px 16px; }
header h1 { margin:0 0 4px; font-size:26px; }
header p { margin:0; opacity:.85; }
nav { margin-top:12px; display:flex; flex-wrap:wrap; gap:6px 16px; }
nav a { color:#cfe0ff; text-decoration:none; font-size:13px; }
main { max-width:1280px; margin:0 auto; padding:16px 24px 40px; }
.cards { display:flex; flex-wrap:wrap; gap:12px; margin:8px 0 4px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 16px;
  min-width:150px; }
.card .k { color:var(--muted); font-size:12px; }
.card .v { font-size:20px; font-weight:bold; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:8px 20px 16px;
  margin:16px 0; }
section h2 { font-size:19px; border-bottom:2px solid var(--accent); padding-bottom:4px; }
.charts { display:flex; flex-wrap:wrap; gap:16px; align-items:flex-start; }
figure { margin:0; max-width:100%; overflow-x:auto; }
figure svg { max-width:100%; height:auto; display:block; }
figcaption { color:var(--muted); font-size:12px; max-width:620px; }
.tablewrap { overflow-x:auto; margin:12px 0; }
table { border-collapse:collapse; font-size:13px; }
caption { text-align:left; font-weight:bold; padding:4px 0; }
th, td { border-bottom:1px solid var(--line); padding:3px 10px; text-align:left;
  white-space:nowrap; }
th { background:#eef2f7; }
td.n { text-align:right; font-variant-numeric: tabular-nums; }
td.bad { color:#b42318; font-weight:bold; }
td.wrap { white-space:normal; min-width:240px; max-width:420px; }
details summary { cursor:pointer; color:var(--accent); margin:8px 0; }
.note { color:var(--muted); font-size:12px; }
footer { text-align:center; color:var(--muted); font-size:12px; padding:16px; }
"""
"""Style sheet of the report page (inlined; also for other pages of the same look)."""


def html_table(t: Table) -> str:
    """One table: numbers right-aligned and formatted, "NO" in red, long text wrapped;
    ``detail`` and ``collapsed`` tables folded into a ``<details>`` element."""
    e = escape
    head = "".join(f"<th>{e(c)}</th>" for c in t.columns)
    body = []
    for r in t.rows:
        cells = []
        for j, v in enumerate(r):
            text = format_cell(v, t.fmt(j))
            cls = "n" if isinstance(v, int | float) and not isinstance(v, bool) else ""
            if v == "NO":
                cls = "bad"
            elif len(text) > 36:
                cls = "wrap"
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{e(t.note)}</p>' if t.note else ""
    table = (
        f'<div class="tablewrap"><table data-table="{e(t.key)}"><caption>{e(t.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{note}"
    )
    if t.detail or t.collapsed:
        return (
            f"<details><summary>{e(t.title)} ({len(t.rows)} rows, click to expand)</summary>"
            f"{table}</details>"
        )
    return table


def html_cards(facts: Sequence[tuple[str, str]]) -> str:
    """Key figures as a row of cards (label above, value below)."""
    e = escape
    cards = "".join(
        f'<div class="card"><div class="k">{e(k)}</div><div class="v">{e(v)}</div></div>'
        for k, v in facts
    )
    return f'<div class="cards">{cards}</div>\n'


def html_figures(charts: Sequence[Chart]) -> str:
    """A wrapping row of figures, one per chart (inline SVG and its caption); empty text
    when there are no charts."""
    if not charts:
        return ""
    e = escape
    parts = ['<div class="charts">\n']
    for c in charts:
        cap = f"<figcaption>{e(c.caption)}</figcaption>" if c.caption else ""
        parts.append(f'<figure data-chart="{e(c.key)}">\n{c.svg}{cap}</figure>\n')
    parts.append("</div>\n")
    return "".join(parts)


def html_section(key: str, title: str, body: str) -> str:
    """A ``<section>`` with anchor ``key`` and heading ``title`` around ``body`` (HTML)."""
    e = escape
    return f'<section id="{e(key)}">\n<h2>{e(title)}</h2>\n{body}</section>\n'


def html_page(
    *,
    title: str,
    subtitle: str,
    nav: Sequence[tuple[str, str]],
    body: str,
    footer: str,
    kind: str = "evaluation report",
    version: str = __version__,
    css: str = CSS,
) -> str:
    """A complete self-contained HTML document.

    Parameters
    ----------
    title, subtitle
        Shown in the page header (``title`` also in the browser tab, followed by ``kind``).
    nav
        (anchor, label) links in the header, one per section.
    body
        The content of ``<main>`` (HTML, e.g. from :func:`html_section`).
    footer
        One line of plain text at the bottom.
    version
        Written as the generator (``evalsys <version>``).
    css
        The style sheet, :data:`CSS` by default.

    All plain-text arguments are escaped here; ``body`` and ``css`` are inserted as they are.
    """
    e = escape
    links = "".join(f'<a href="#{e(k)}">{e(label)}</a>' for k, label in nav)
    return "".join(
        [
            "<!DOCTYPE html>\n",
            '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">\n",
            '<link rel="icon" href="data:,">\n',
            f'<meta name="generator" content="evalsys {e(version)}">\n',
            f"<title>{e(title)} — {e(kind)}</title>\n",
            f"<style>{css}</style>\n</head>\n<body>\n",
            f"<header><h1>{e(title)}</h1><p>{e(subtitle)}</p><nav>{links}</nav></header>\n",
            "<main>\n",
            body,
            f"</main>\n<footer>{e(footer)}</footer>\n</body>\n</html>\n",
        ]
    )


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document (text)."""
    body = []
    for k, s in enumerate(report.sections):
        inner = html_cards(report.facts) if k == 0 else ""
        inner += "".join(f"<p>{escape(p)}</p>\n" for p in s.text)
        inner += html_figures(s.charts)
        inner += "".join(html_table(t) + "\n" for t in s.tables)
        body.append(html_section(s.key, s.title, inner))
    return html_page(
        title=report.title,
        subtitle=report.subtitle,
        nav=[(s.key, s.title) for s in report.sections],
        body="".join(body),
        footer=f"evalsys {report.version} · tree {report.tree_id} · {report.n_entities} "
        "entities · self-contained report (no network, no scripts)",
        version=report.version,
    )


def write_html(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write ``report`` as one self-contained HTML file (atomically); return the path."""
    target = Path(path)
    with atomic_write(target, "wb") as fh:
        fh.write(render_html(report).encode("utf-8"))
    return target
