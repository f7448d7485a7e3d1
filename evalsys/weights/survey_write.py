"""Writing expert surveys and the trees made from them.

:func:`write_survey_tree` writes the new tree of a
:class:`~evalsys.weights.survey_group.SurveyResult` (YAML or JSON, atomically, never over an
input); :func:`apply_survey` is the whole of ``evalsys survey``: read the survey, weight the
judged nodes, write the tree.  :func:`survey_columns` goes the other way: judgment matrices
to a survey table (tidy or wide, Saaty or symmetric scale) that
:func:`~evalsys.weights.survey.parse_answers` reads back to the same matrices — a template
to send to experts, and the round trip the tests check.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.errors import DataError
from evalsys.model.tree import TreeSpec
from evalsys.weights.survey import (
    LAYOUTS,
    SCALES,
    TIDY_COLUMNS,
    check_choice,
    expert_sort_key,
    format_judgment,
    read_survey,
)
from evalsys.weights.survey_group import SurveyResult, survey_weights

__all__ = ["apply_survey", "survey_columns", "write_survey_tree"]

_TREE_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def _tree_format(output: str | os.PathLike[str]) -> str:
    suffix = Path(output).suffix.lower()
    if suffix not in _TREE_SUFFIXES:
        raise DataError(
            f"a tree file is .yaml, .yml or .json, not '{suffix or '(none)'}'", file=str(output)
        )
    return _TREE_SUFFIXES[suffix]


def _yaml_text(tree: TreeSpec) -> str:
    """``tree`` as YAML, like :func:`~evalsys.model.io.dump_tree`, with every list of plain
    values on one line (a matrix row reads ``[1, 3, 1/5]``) and whole floats as integers."""
    import yaml

    from evalsys.model.io import tree_to_dict

    class Dumper(yaml.SafeDumper):
        pass

    def sequence(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
        flat = all(not isinstance(x, list | dict) for x in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)

    def number(dumper: yaml.SafeDumper, data: float) -> yaml.Node:
        if math.isfinite(data) and data == int(data) and abs(data) < 2**53:
            return dumper.represent_int(int(data))
        return dumper.represent_float(data)

    Dumper.add_representer(list, sequence)
    Dumper.add_representer(float, number)
    text: str = yaml.dump(
        tree_to_dict(tree), Dumper=Dumper, allow_unicode=True, sort_keys=False, width=100
    )
    return text


def write_survey_tree(
    result: SurveyResult,
    output: str | os.PathLike[str],
    *,
    inputs: tuple[str | os.PathLike[str], ...] = (),
) -> Path:
    """Write the new tree of ``result`` (YAML or JSON by extension), never over ``inputs``."""
    from evalsys.model.io import atomic_write, dump_tree

    fmt = _tree_format(output)
    if fmt == "json":
        text = dump_tree(result.tree, fmt)
    else:
        survey = result.answers.file or "a survey"
        text = (
            f"# Written by `evalsys survey` from the survey {survey}:\n"
            "# each judged node holds its experts' judgments.  Change the survey and run\n"
            "# `evalsys survey` again rather than editing them by hand.\n" + _yaml_text(result.tree)
        )
    with atomic_write(output, "wb", inputs=inputs) as fh:
        fh.write(text.encode("utf-8"))
    return Path(output)


def apply_survey(
    tree: str | os.PathLike[str],
    survey: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    layout: str = "auto",
    scale: str = "saaty",
    expert_column: str = "expert",
    aggregation: str = "aij",
    cr_max: float | None = None,
    allow_incomplete: bool = False,
    expert_weights: Mapping[str, float] | None = None,
) -> SurveyResult:
    """Read a survey, weight every judged node of ``tree`` and write the new tree ``output``.

    ``tree`` is a path or the name of a shipped tree; the other parameters are those of
    :func:`~evalsys.weights.survey.read_survey` and
    :func:`~evalsys.weights.survey_group.survey_weights`.  Neither
    input is ever overwritten.
    """
    from evalsys.model.io import load_tree, resolve_tree_path

    _tree_format(output)  # a bad extension fails before the work
    spec = load_tree(tree)
    answers = read_survey(survey, spec, layout=layout, scale=scale, expert_column=expert_column)
    result = survey_weights(
        spec,
        answers,
        aggregation=aggregation,
        cr_max=cr_max,
        allow_incomplete=allow_incomplete,
        expert_weights=expert_weights,
    )
    write_survey_tree(result, output, inputs=(resolve_tree_path(tree), survey))
    return result


def survey_columns(
    tree: TreeSpec,
    matrices: Mapping[str, Mapping[str, npt.ArrayLike]],
    *,
    layout: str = "tidy",
    scale: str = "saaty",
    expert_column: str = "expert",
) -> dict[str, list[Any]]:
    """The survey (columns of text) that gives the judgment ``matrices``.

    Parameters
    ----------
    tree
        The tree; each matrix is over a node's children in file order.
    matrices
        ``{node: {expert: (n, n) matrix}}``; NaN marks an unanswered pair (a missing row
        in the tidy layout, a blank cell in the wide one).
    layout, scale, expert_column
        As in :func:`~evalsys.weights.survey.parse_answers` (``"tidy"`` or ``"wide"``).

    Returns
    -------
    dict
        Column name → values (text; ``None`` for a blank cell) that
        :func:`~evalsys.weights.survey.parse_answers` reads back to the same matrices
        (exactly, on the Saaty scale).
    """
    check_choice("layout", layout, LAYOUTS[1:])
    check_choice("scale", scale, SCALES)
    cells: list[tuple[str, str, str, str, int | float | str | None]] = []
    for node, by_expert in matrices.items():
        kids = tree.children(node)
        for expert in sorted(by_expert, key=expert_sort_key):
            a = np.asarray(by_expert[expert], dtype=np.float64)
            if a.shape != (len(kids), len(kids)):
                raise DataError(
                    f"expert '{expert}': matrix is {a.shape} but the node has {len(kids)} children",
                    node=node,
                )
            for i in range(len(kids)):
                for j in range(i + 1, len(kids)):
                    v = None if math.isnan(a[i, j]) else format_judgment(float(a[i, j]), scale)
                    cells.append((expert, node, kids[i], kids[j], v))
    if layout == "tidy":
        out: dict[str, list[Any]] = {c: [] for c in TIDY_COLUMNS}
        for cell in cells:
            if cell[4] is not None:
                for name, x in zip(TIDY_COLUMNS, (*cell[:4], str(cell[4])), strict=True):
                    out[name].append(x)
        return out
    experts = sorted({c[0] for c in cells}, key=expert_sort_key)
    wide: dict[str, list[Any]] = {expert_column: list(experts)}
    for c in cells:
        wide.setdefault(f"{c[1]}:{c[2]}~{c[3]}", [None] * len(experts))
    pos = {e: k for k, e in enumerate(experts)}
    for expert, node, a_id, b_id, v in cells:
        wide[f"{node}:{a_id}~{b_id}"][pos[expert]] = None if v is None else str(v)
    return wide
