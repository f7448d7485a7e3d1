r"""Tables as LaTeX: booktabs tabulars with a caption and a label, text escaped.

:func:`latex_table` renders one :class:`~evalsys.report.data.Table` as a ``table`` float
(or a ``longtable`` when it has many rows) with ``\toprule`` / ``\midrule`` /
``\bottomrule``, the caption above the tabular, ``\label{tab:<key>}``, numeric columns
right-aligned and the table's note below it.  :func:`latex_escape` escapes any text
(``\ & % $ # _ { } ~ ^ < > |``) and writes the few mathematical characters of the tables
(λ, ρ, τ, δ, ±, −, ×, ≤, ≥, →) in math mode; Chinese text is kept as UTF-8 (compile with
XeLaTeX and ``xeCJK``, or a ``ctex`` class).  :func:`plain_cell` is the number rule of every
paper table, shared with the Markdown writer: :func:`~evalsys.report.data.format_cell`
(Excel-style formats, round-half-even of the unrounded value) with a rounded zero printed
without a sign.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evalsys.report.data import Cell, Table, format_cell

__all__ = ["LATEX_PACKAGES", "latex_escape", "latex_table", "plain_cell"]

LATEX_PACKAGES = (
    "booktabs",
    "longtable",
)
"""Packages the tables need (``longtable`` only for tables over ``long_rows`` rows)."""

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "λ": r"$\lambda$",
    "ρ": r"$\rho$",
    "τ": r"$\tau$",
    "δ": r"$\delta$",
    "α": r"$\alpha$",
    "β": r"$\beta$",
    "γ": r"$\gamma$",
    "σ": r"$\sigma$",
    "μ": r"$\mu$",
    "φ": r"$\varphi$",
    "Σ": r"$\Sigma$",
    "±": r"$\pm$",
    "−": r"$-$",
    "×": r"$\times$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "→": r"$\rightarrow$",
    "…": r"\dots{}",
    "—": "---",
    "–": "--",
    "\n": " ",
    "\r": " ",
    "\t": " ",
}

_HEADERS = {
    "λmax": r"$\lambda_{\max}$",
    "D+": r"$D^{+}$",
    "D−": r"$D^{-}$",
    "V+": r"$V^{+}$",
    "V−": r"$V^{-}$",
}
"""Symbols written as formulas (column titles and text)."""

_TOKENS = re.compile(r"(λmax|(?<![A-Za-z])[DV][+−](?![A-Za-z0-9]))")


def latex_escape(s: str) -> str:
    """``s`` as LaTeX text: special characters escaped, math characters in math mode,
    line breaks as spaces; everything else (Chinese included) unchanged."""
    out = []
    for part in _TOKENS.split(str(s)):
        if part in _HEADERS:
            out.append(_HEADERS[part])
        else:
            out.append("".join(_SPECIAL.get(ch, ch) for ch in part))
    return "".join(out)


def plain_cell(v: Cell, fmt: str = "") -> str:
    """Text of one cell of a paper table: :func:`~evalsys.report.data.format_cell`, with a
    number that rounds to zero printed without a minus sign (``-0.0000`` → ``0.0000``)."""
    s = format_cell(v, fmt)
    numeric = isinstance(v, int | float) and not isinstance(v, bool)
    if numeric and s.startswith("-") and not re.search(r"[1-9]", s):
        s = s[1:]
    return s


_FRACTION = re.compile(r"^\d+(\.\d+)?(/\d+(\.\d+)?)?$")


def _align(t: Table, j: int) -> str:
    """``r`` for a number column, ``c`` for a column of judgments such as 1/3, else ``l``."""
    if _numeric(t, j):
        return "r"
    vals = [r[j] for r in t.rows if r[j] is not None]
    return "c" if vals and all(_FRACTION.match(str(v)) for v in vals) else "l"


def _numeric(t: Table, j: int) -> bool:
    vals = [r[j] for r in t.rows if r[j] is not None]
    return bool(vals) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals)


def _cell(v: Cell, fmt: str) -> str:
    s = plain_cell(v, fmt)
    if isinstance(v, int | float) and not isinstance(v, bool) and s.startswith("-"):
        return r"$-$" + latex_escape(s[1:])
    return latex_escape(s)


def _label(key: str) -> str:
    return "tab:" + re.sub(r"[^A-Za-z0-9_.:-]", "-", key)


def latex_table(
    t: Table,
    *,
    comment: Sequence[str] = (),
    long_rows: int = 40,
    placement: str = "htbp",
) -> str:
    r"""One table as LaTeX source (booktabs), ending in a newline.

    Parameters
    ----------
    t
        The table; its ``title`` is the caption, ``key`` the label (``tab:<key>``), its
        number formats the rule of every number (see :func:`plain_cell`).
    comment
        Lines written first as ``%`` comments (provenance, packages, number rule).
    long_rows
        Tables with more rows are a ``longtable`` (the header repeated on every page)
        instead of a ``table`` float.
    placement
        Float placement of the ``table`` environment.
    """
    cols = "".join(_align(t, j) for j in range(len(t.columns)))
    head = " & ".join(_HEADERS.get(c, latex_escape(c)) for c in t.columns) + r" \\"
    body = [
        "    " + " & ".join(_cell(v, t.fmt(j)) for j, v in enumerate(r)) + r" \\" for r in t.rows
    ]
    caption = latex_escape(t.title)
    note = [rf"{{\footnotesize {latex_escape(t.note)}\par}}"] if t.note else []
    out = ["% " + " ".join(c.split()) for c in comment]
    if len(t.rows) > long_rows:
        n = len(t.columns)
        out += [
            rf"\begin{{longtable}}{{{cols}}}",
            rf"  \caption{{{caption}}}\label{{{_label(t.key)}}} \\",
            r"  \toprule",
            f"  {head}",
            r"  \midrule",
            r"  \endfirsthead",
            rf"  \multicolumn{{{n}}}{{l}}{{\footnotesize (continued)}} \\",
            r"  \toprule",
            f"  {head}",
            r"  \midrule",
            r"  \endhead",
            r"  \bottomrule",
            r"  \endfoot",
            *body,
            r"\end{longtable}",
            *note,
        ]
    else:
        out += [
            rf"\begin{{table}}[{placement}]",
            r"  \centering",
            rf"  \caption{{{caption}}}",
            rf"  \label{{{_label(t.key)}}}",
            rf"  \begin{{tabular}}{{{cols}}}",
            r"    \toprule",
            f"    {head}",
            r"    \midrule",
            *("  " + b for b in body),
            r"    \bottomrule",
            r"  \end{tabular}",
            *(["  \\par\\smallskip", "  " + note[0]] if note else []),
            r"\end{table}",
        ]
    return "\n".join(out) + "\n"
