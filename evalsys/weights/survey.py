"""Expert surveys: reading pairwise-comparison answers from a table, and writing them back.

A survey gives, for each expert, pairwise judgments over the children of the dimension
nodes of a tree.  Two layouts are read (``layout=``; ``"auto"`` tells them by their columns):

``tidy``
    One row per expert × node × pair, with columns ``expert``, ``node``, ``a``, ``b`` and
    ``value``: how much more important child ``a`` is than child ``b`` of ``node``.
``wide``
    The usual questionnaire export: one row per expert, a column naming the expert
    (``expert`` by default) and one column per pair named ``node:a~b``.  Columns without a
    ``:`` (a submission time, a respondent number …) are ignored and reported.

and two scales (``scale=``):

``saaty``
    Saaty's 1–9 scale: ``3`` means ``a`` is moderately more important than ``b``; a
    reciprocal (``1/3`` as text, or the decimal ``0.333``) means ``b`` over ``a``.  Values
    must lie in 1/9 … 9.
``symmetric``
    The −9 … 9 scale of many questionnaire tools: ``s >= 1`` means ``a`` over ``b`` by
    ``s``; ``s <= -1`` means ``b`` over ``a`` by ``|s|`` (the judgment ``a_ab = 1/|s|``);
    ``0``, ``1`` and ``-1`` mean equal importance.

A pair may be asked either way round (``a~b`` or ``b~a``); answers are stored with ``a``
before ``b`` in the node's children order.  Rows are numbered as in a spreadsheet: the
header is row 1, the first answer row 2.  Every problem — an unknown node or child, a
value that is not a number or is off the scale, an expert who answered a pair twice — is
one :class:`~evalsys.errors.DataError` naming the file, node, column, row and expert.
Turning the answers into matrices, CRs and a tree (and matrices back into a survey) is
:mod:`evalsys.weights.survey_group`.
"""

from __future__ import annotations

import datetime
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from evalsys.errors import DataError, UnknownMethodError
from evalsys.model.nodes import DimensionNode
from evalsys.model.tree import TreeSpec
from evalsys.weights.ahp import RECIPROCAL_RTOL, SAATY_BOUNDS

__all__ = [
    "LAYOUTS",
    "SCALES",
    "TIDY_COLUMNS",
    "Answer",
    "SurveyAnswers",
    "check_choice",
    "expert_sort_key",
    "format_judgment",
    "parse_answers",
    "read_survey",
    "scale_value",
]

#: Survey layouts; ``"auto"`` picks ``"tidy"`` when the tidy columns are present.
LAYOUTS = ("auto", "tidy", "wide")
#: Judgment scales (see the module notes).
SCALES = ("saaty", "symmetric")
#: The columns of the tidy layout.
TIDY_COLUMNS = ("expert", "node", "a", "b", "value")

_BLANK = frozenset({"", "-", "?", "na", "n/a", "nan", "none", "null"})
_PAIR = re.compile(r"^\s*([^:~]+?)\s*:\s*([^:~]+?)\s*~\s*([^:~]+?)\s*$")


@dataclass(frozen=True, slots=True)
class Answer:
    """One expert's answer to one pair of a node's children.

    ``a`` comes before ``b`` in the node's children order; ``value`` is the judgment
    ``a_ab`` on the ratio scale (after the survey scale is applied), ``None`` for a blank
    answer.  ``row`` (spreadsheet numbering, header = 1) and ``column`` locate the cell.
    """

    expert: str
    node: str
    a: str
    b: str
    value: float | None
    row: int
    column: str


@dataclass(frozen=True, slots=True)
class SurveyAnswers:
    """The checked answers of a survey.

    Attributes
    ----------
    file
        The survey file (for messages), or ``None``.
    layout, scale
        How the survey was read (``"tidy"`` / ``"wide"``, ``"saaty"`` / ``"symmetric"``).
    answers
        One per expert × node × pair, sorted by node (tree order), expert
        (:func:`expert_sort_key`) and pair (children order); a pair an expert left blank
        appears once with ``value=None`` unless another row answers it.
    expert_rows
        Wide layout: the row of each expert (their first row); empty for tidy surveys.
    ignored_columns
        Wide layout: columns that are neither the expert column nor a pair column.
    """

    file: str | None
    layout: str
    scale: str
    answers: tuple[Answer, ...]
    expert_rows: Mapping[str, int]
    ignored_columns: tuple[str, ...] = ()

    @property
    def experts(self) -> tuple[str, ...]:
        """Every expert with at least one answer, in :func:`expert_sort_key` order."""
        names = {a.expert for a in self.answers if a.value is not None}
        return tuple(sorted(names, key=expert_sort_key))

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes with at least one answer, in tree order."""
        seen: dict[str, None] = {}
        for a in self.answers:
            if a.value is not None:
                seen.setdefault(a.node)
        return tuple(seen)


def expert_sort_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of expert names: ``E2`` before ``E10``, numbers by value.

    The written tree lists experts in this order, so the row order of a survey never
    changes the result (the group's geometric mean is summed in this order).
    """
    parts = re.split(r"(\d+)", name)
    key: list[tuple[int, int | str]] = []
    for k, p in enumerate(parts):
        key.append((1, int(p)) if k % 2 else (0, p.casefold()))
    key.append((0, name))
    return tuple(key)


# ------------------------------------------------------------------------ values


def _number(raw: object) -> float | None:
    """A cell as a float; ``None`` for a blank cell.  ``ValueError`` says what is wrong."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a number")
    if isinstance(raw, int | float | np.integer | np.floating):
        x = float(raw)
        return None if math.isnan(x) else x
    if isinstance(raw, str):
        text = raw.strip().replace(" ", "").replace("\u2212", "-")
        if text.lower() in _BLANK:
            return None
        try:
            return float(Fraction(text))
        except (ValueError, ZeroDivisionError, OverflowError):
            raise ValueError(f"'{raw}' is not a number or a fraction like '1/3'") from None
    if isinstance(raw, datetime.date | datetime.time):
        raise ValueError(
            f"{raw} is a date: the spreadsheet turned a fraction such as 1/3 into a date; "
            "format the column as text, or use the symmetric scale"
        )
    raise ValueError(f"{raw!r} is not a number")


def _shown(raw: object) -> str:
    return (
        raw.strip() if isinstance(raw, str) else f"{raw:g}" if isinstance(raw, float) else str(raw)
    )


def scale_value(x: float, scale: str, raw: object = None) -> float:
    """The judgment ``a_ab`` of a survey value ``x`` on ``scale``.

    Raises
    ------
    ValueError
        ``x`` is off the scale; the message says which values the scale allows.

    Examples
    --------
    >>> scale_value(3.0, "saaty"), scale_value(-3.0, "symmetric"), scale_value(0.0, "symmetric")
    (3.0, 0.3333333333333333, 1.0)
    """
    shown = f"'{_shown(raw if raw is not None else x)}'"
    lo, hi = SAATY_BOUNDS
    top = hi * (1.0 + RECIPROCAL_RTOL)
    if scale == "saaty":
        if lo * (1.0 - RECIPROCAL_RTOL) <= x <= top:
            return x
        hint = (
            "; negative values belong to the symmetric scale (--scale symmetric)"
            if x < 0
            else "; equal importance is 1, not 0"
            if x == 0
            else ""
        )
        raise ValueError(
            f"{shown} is off the Saaty scale 1/9 … 9 (a reciprocal such as 1/3 means b over a)"
            + hint
        )
    if x == 0.0 or abs(x) == 1.0:
        return 1.0
    if 1.0 <= abs(x) <= top:
        return x if x > 0 else 1.0 / -x
    hint = (
        "; fractions belong to the Saaty scale (--scale saaty), here b over a is negative"
        if 0 < abs(x) < 1
        else ""
    )
    raise ValueError(
        f"{shown} is off the symmetric scale -9 … 9 (negative means b over a; "
        f"0, 1 and -1 mean equal)" + hint
    )


def format_judgment(x: float, scale: str = "saaty") -> int | float | str:
    """A judgment ``a_ab`` as written in a survey (or a tree file): ``3``, ``"1/3"``, ``2.5``.

    On the Saaty scale the text parses back to exactly ``x``.  On the symmetric scale a
    judgment below 1 is written as ``-1/x`` (exact for the reciprocals 1/2 … 1/9).

    Examples
    --------
    >>> format_judgment(3.0), format_judgment(1 / 3), format_judgment(1 / 3, "symmetric")
    (3, '1/3', -3)
    """
    if scale == "symmetric" and 0.0 < x < 1.0:
        y = 1.0 / x
        return -int(y) if y == int(y) else -y
    if not math.isfinite(x):
        return x
    if x == int(x) and abs(x) < 2**53:
        return int(x)
    if x > 0:
        k = round(1.0 / x)
        if k > 1 and float(Fraction(1, k)) == x:
            return f"1/{k}"
    return x


# ------------------------------------------------------------------------ reading


def _columns(table: Any) -> dict[str, list[Any]]:
    """The columns of a pyarrow Table or a mapping of column name → values."""
    if hasattr(table, "column_names"):
        return {str(n): table.column(n).to_pylist() for n in table.column_names}
    if isinstance(table, Mapping):
        return {str(k): list(v) for k, v in table.items()}
    raise DataError(f"a survey must be a table; got {type(table).__name__}")


def _text(raw: object) -> str | None:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    text = str(raw).strip()
    return text or None


@dataclass(frozen=True, slots=True)
class _Context:
    tree: TreeSpec
    file: str | None
    scale: str

    def error(
        self, msg: str, *, row: int | None, expert: str | None, node: str | None, column: str
    ) -> DataError:
        parts = [] if row is None else ["header (row 1)" if row == 1 else f"row {row}"]
        if expert is not None:
            parts.append(f"expert '{expert}'")
        where = ", ".join(parts)
        return DataError(
            f"{where}: {msg}" if where else msg, file=self.file, node=node, column=column
        )

    def dimension(self, node: str, *, row: int, expert: str | None, column: str) -> list[str]:
        """The children of dimension ``node``; a located error otherwise."""
        try:
            spec = self.tree.node(node)
        except KeyError:
            dims = ", ".join(n.id for n in self.tree.nodes if isinstance(n, DimensionNode))
            raise self.error(
                f"'{node}' is not a node of tree '{self.tree.id}' (dimensions: {dims})",
                row=row,
                expert=expert,
                node=node,
                column=column,
            ) from None
        if not isinstance(spec, DimensionNode):
            raise self.error(
                f"'{node}' is an indicator, not a dimension; only dimensions have pairwise "
                "judgments",
                row=row,
                expert=expert,
                node=node,
                column=column,
            )
        return self.tree.children(node)

    def pair(
        self,
        node: str,
        a: str,
        b: str,
        *,
        row: int,
        expert: str | None,
        columns: tuple[str, str, str],
    ) -> tuple[str, str, bool]:
        """``(first, second, swapped)`` of a pair in children order; located errors.

        ``columns`` names the cells of the node, ``a`` and ``b`` (for messages).
        """
        kids = self.dimension(node, row=row, expert=expert, column=columns[0])
        for child, column in ((a, columns[1]), (b, columns[2])):
            if child not in kids:
                raise self.error(
                    f"'{child}' is not a child of node '{node}' (children: {', '.join(kids)})",
                    row=row,
                    expert=expert,
                    node=node,
                    column=column,
                )
        if a == b:
            raise self.error(
                f"compares '{a}' with itself", row=row, expert=expert, node=node, column=columns[2]
            )
        swapped = kids.index(a) > kids.index(b)
        return (b, a, True) if swapped else (a, b, False)

    def value(
        self, raw: object, *, row: int, expert: str, node: str, pair: str, column: str
    ) -> float | None:
        """The judgment of a cell on the survey scale; ``None`` when blank."""
        try:
            x = _number(raw)
            return None if x is None else scale_value(x, self.scale, raw)
        except ValueError as exc:
            raise self.error(
                f"pair {pair}: {exc}", row=row, expert=expert, node=node, column=column
            ) from None


def _tidy(cols: dict[str, list[Any]], ctx: _Context) -> Iterator[Answer]:
    missing = [c for c in TIDY_COLUMNS if c not in cols]
    if missing:
        raise DataError(
            f"a tidy survey needs the columns {', '.join(TIDY_COLUMNS)}; missing: "
            f"{', '.join(missing)} (columns: {', '.join(cols)})",
            file=ctx.file,
        )
    rows = zip(*(cols[c] for c in TIDY_COLUMNS), strict=True)
    for k, (e_raw, n_raw, a_raw, b_raw, v_raw) in enumerate(rows):
        row = k + 2
        texts = [_text(x) for x in (e_raw, n_raw, a_raw, b_raw)]
        if all(t is None for t in texts) and _text(v_raw) is None:
            continue  # an empty line
        for name, text in zip(TIDY_COLUMNS[:4], texts, strict=True):
            if text is None:
                raise ctx.error(
                    f"column '{name}' is blank",
                    row=row,
                    expert=texts[0],
                    node=texts[1],
                    column=name,
                )
        expert, node, a, b = (str(t) for t in texts)
        first, second, swapped = ctx.pair(
            node, a, b, row=row, expert=expert, columns=("node", "a", "b")
        )
        v = ctx.value(v_raw, row=row, expert=expert, node=node, pair=f"{a}~{b}", column="value")
        if v is not None and swapped:
            v = 1.0 / v
        yield Answer(expert, node, first, second, v, row, "value")


def _wide(
    cols: dict[str, list[Any]], ctx: _Context, expert_column: str
) -> tuple[list[Answer], dict[str, int], list[str]]:
    if expert_column not in cols:
        raise DataError(
            f"a wide survey needs a column naming the expert ('{expert_column}'; choose "
            f"another with expert_column / --expert-column); columns: {', '.join(cols)}",
            file=ctx.file,
        )
    pairs: list[tuple[str, str, str, bool, str]] = []  # node, first, second, swapped, column
    seen: dict[tuple[str, str, str], str] = {}
    ignored: list[str] = []
    for name in cols:
        if name == expert_column:
            continue
        if ":" not in name:
            ignored.append(name)
            continue
        m = _PAIR.match(name)
        if m is None:
            raise ctx.error(
                "a pair column is named 'node:a~b' (e.g. 'root:price~speed')",
                row=1,
                expert=None,
                node=None,
                column=name,
            )
        node, a, b = m.groups()
        first, second, swapped = ctx.pair(
            node, a, b, row=1, expert=None, columns=(name, name, name)
        )
        if (node, first, second) in seen:
            raise ctx.error(
                f"columns '{seen[node, first, second]}' and '{name}' ask the same pair",
                row=1,
                expert=None,
                node=node,
                column=name,
            )
        seen[node, first, second] = name
        pairs.append((node, first, second, swapped, name))
    answers: list[Answer] = []
    expert_rows: dict[str, int] = {}
    for k, raw_name in enumerate(cols[expert_column]):
        row = k + 2
        expert = _text(raw_name)
        cells = [cols[p[4]][k] for p in pairs]
        if expert is None:
            if all(_text(c) is None for c in cells):
                continue  # an empty line
            raise ctx.error(
                f"column '{expert_column}' is blank",
                row=row,
                expert=None,
                node=None,
                column=expert_column,
            )
        expert_rows.setdefault(expert, row)
        for (node, first, second, swapped, name), raw in zip(pairs, cells, strict=True):
            v = ctx.value(raw, row=row, expert=expert, node=node, pair=name, column=name)
            if v is not None and swapped:
                v = 1.0 / v
            answers.append(Answer(expert, node, first, second, v, row, name))
    return answers, expert_rows, ignored


def _deduplicate(answers: Sequence[Answer], ctx: _Context) -> list[Answer]:
    """One answer per expert × node × pair; an answer given twice is an error."""
    kept: dict[tuple[str, str, str, str], Answer] = {}
    for ans in answers:
        key = (ans.expert, ans.node, ans.a, ans.b)
        old = kept.get(key)
        if old is None or old.value is None:
            kept[key] = ans if old is None or ans.value is not None else old
            continue
        if ans.value is None:
            continue
        raise ctx.error(
            f"answered pair {ans.a}~{ans.b} twice (rows {old.row} and {ans.row}); keep one "
            "answer per expert and pair",
            row=ans.row,
            expert=ans.expert,
            node=ans.node,
            column=ans.column,
        )
    order = {n.id: i for i, n in enumerate(ctx.tree.nodes)}

    def order_key(ans: Answer) -> tuple[Any, ...]:
        kids = ctx.tree.children(ans.node)
        return (order[ans.node], expert_sort_key(ans.expert), kids.index(ans.a), kids.index(ans.b))

    return sorted(kept.values(), key=order_key)


def check_choice(name: str, value: str, valid: Sequence[str]) -> None:
    """Raise :class:`~evalsys.errors.UnknownMethodError` unless ``value`` is in ``valid``."""
    if value not in valid:
        raise UnknownMethodError(f"unknown survey {name} '{value}'; valid: {', '.join(valid)}")


def parse_answers(
    table: Any,
    tree: TreeSpec,
    *,
    layout: str = "auto",
    scale: str = "saaty",
    expert_column: str = "expert",
    file: str | None = None,
) -> SurveyAnswers:
    """Check the answers of a survey table against ``tree``.

    Parameters
    ----------
    table
        A pyarrow Table, or a mapping of column name → values.
    tree
        The tree whose dimension nodes the survey judges.
    layout
        ``"tidy"``, ``"wide"`` or ``"auto"`` (tidy when the columns ``node``, ``a``, ``b``
        and ``value`` are present).
    scale
        ``"saaty"`` or ``"symmetric"`` (see the module notes).
    expert_column
        The column naming the expert in the wide layout.
    file
        The survey's name in messages.

    Returns
    -------
    SurveyAnswers

    Raises
    ------
    DataError
        A missing column, unknown node or child, a value that is not a number or is off the
        scale, an expert who answered a pair twice; the message names the file, node,
        column, row and expert.
    UnknownMethodError
        Unknown ``layout`` or ``scale``.
    """
    check_choice("layout", layout, LAYOUTS)
    check_choice("scale", scale, SCALES)
    cols = _columns(table)
    ctx = _Context(tree, file, scale)
    if layout == "auto":
        layout = "tidy" if {"node", "a", "b", "value"} <= set(cols) else "wide"
        if layout == "wide" and not any(":" in c for c in cols):
            raise DataError(
                "cannot tell the survey layout: neither the tidy columns "
                f"({', '.join(TIDY_COLUMNS)}) nor wide pair columns 'node:a~b' are present "
                f"(columns: {', '.join(cols)})",
                file=file,
            )
    expert_rows: dict[str, int] = {}
    ignored: list[str] = []
    if layout == "tidy":
        raw = list(_tidy(cols, ctx))
    else:
        raw, expert_rows, ignored = _wide(cols, ctx, expert_column)
    answers = _deduplicate(raw, ctx)
    if not any(a.value is not None for a in answers):
        raise DataError("the survey has no answers", file=file)
    return SurveyAnswers(file, layout, scale, tuple(answers), expert_rows, tuple(ignored))


def read_survey(
    path: str | os.PathLike[str],
    tree: TreeSpec,
    *,
    layout: str = "auto",
    scale: str = "saaty",
    expert_column: str = "expert",
) -> SurveyAnswers:
    """Read a survey file (CSV, Excel, Parquet, JSON) and check it against ``tree``.

    See :func:`parse_answers` for the parameters and errors.
    """
    from evalsys.model.tables import read_table

    return parse_answers(
        read_table(path),
        tree,
        layout=layout,
        scale=scale,
        expert_column=expert_column,
        file=str(path),
    )
