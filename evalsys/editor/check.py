"""The live consistency figures of one editable block, as the editor's page shows them.

:func:`check_block` computes, with the project's own weighting code, the priorities,
λmax, CI, CR (RI from :mod:`evalsys.weights.ri_tables`) and verdict of a
:class:`~evalsys.editor.blocks.Block` — the same figures ``evalsys weights`` prints — its
most inconsistent judgment (:func:`evalsys.weights.diagnosis.diagnose`) and, for a
complete matrix over the threshold, the suggested repair
(:func:`evalsys.weights.diagnosis.suggest_repair`).  An incomplete matrix is completed by
its specification's method first (:func:`evalsys.weights.incomplete.incomplete_priorities`);
only the judgments actually given are ranked.  A matrix that cannot be evaluated (an
incomplete one whose judgments do not connect every child) gives ``error`` instead.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from evalsys.editor.blocks import SCALE, Block
from evalsys.errors import EvalsysError
from evalsys.model.weights_spec import parse_number
from evalsys.weights.diagnosis import diagnose, suggest_repair
from evalsys.weights.incomplete import incomplete_priorities

__all__ = ["check_block", "display_value"]

_BY_VALUE = {float(Fraction(t)): t for t in SCALE}


def display_value(x: float) -> str:
    """``"3"``, ``"1/3"`` for a value on the Saaty scale, else 4 significant digits.

    Examples
    --------
    >>> display_value(1 / 3), display_value(2.5)
    ('1/3', '2.5')
    """
    for v, text in _BY_VALUE.items():
        if math.isclose(x, v, rel_tol=1e-9):
            return text
    return f"{x:.4g}"


def _cell(value: float | str | None) -> dict[str, Any]:
    if value is None:
        return {"text": None, "value": None, "on_scale": False}
    x = parse_number(value)
    text = display_value(x)
    return {"text": text, "value": x, "on_scale": text in _BY_VALUE.values()}


def check_block(block: Block, *, repair: bool = True) -> dict[str, Any]:
    """The figures of ``block`` as a JSON-ready dict (see the module docstring).

    Parameters
    ----------
    block
        The judgments to check.
    repair
        Whether to compute a suggested repair of an inconsistent complete matrix.

    Returns
    -------
    dict
        Keys ``key``, ``node``, ``expert``, ``expert_name``, ``labels``, ``names``,
        ``complete``, ``cells`` (n × n of ``{text, value, on_scale}``), ``method``,
        ``ri_table``, ``threshold``, ``incomplete_method``, and either ``error`` or
        ``weights``, ``lambda_max``, ``ci``, ``cr``, ``consistent``, ``worst``
        (``{i, j, value, implied, share}`` with ``i < j``, or ``None`` when every judgment
        agrees with the priorities), ``triads`` (intransitive ``[i, j, k]``) and
        ``repair`` (``{changes: [{i, j, old, new}], cr_after, consistent}`` or ``None``).
    """
    out: dict[str, Any] = {
        "key": block.key,
        "node": block.node,
        "expert": block.expert,
        "expert_name": block.expert_name,
        "labels": list(block.labels),
        "names": list(block.names),
        "complete": block.complete,
        "cells": [[_cell(v) for v in row] for row in block.values],
        "method": block.method,
        "ri_table": block.ri,
        "threshold": block.threshold,
        "incomplete_method": None if block.complete else block.incomplete_method,
    }
    a = np.asarray(block.matrix(), dtype=np.float64)
    known = ~np.isnan(a)
    try:
        if block.complete:
            diag = diagnose(a, block.method, block.ri, block.threshold, scale=None)
            figures = (diag.weights, diag.lambda_max, diag.ci, diag.cr, diag.consistent)
        else:
            inc = incomplete_priorities(
                a,
                method=block.incomplete_method,
                ri=block.ri,
                threshold=block.threshold,
                scale=None,
                labels=block.labels,
            )
            diag = diagnose(inc.completed, block.method, block.ri, block.threshold, scale=None)
            figures = (inc.weights, inc.lambda_max, inc.ci, inc.cr, inc.consistent)
    except EvalsysError as exc:
        out["error"] = exc.message
        return out
    weights, lam, ci, cr, consistent = figures
    ranked = [d for d in diag.judgments if known[d.i, d.j]]
    worst = ranked[0] if ranked and abs(ranked[0].log_deviation) > 1e-9 else None
    out |= {
        "weights": [float(x) for x in weights],
        "lambda_max": float(lam),
        "ci": float(ci),
        "cr": float(cr),
        "consistent": bool(consistent),
        "ri_table": diag.ri_table,
        "worst": None
        if worst is None
        else {
            "i": worst.i,
            "j": worst.j,
            "value": display_value(worst.value),
            "implied": worst.implied,
            "share": worst.share,
        },
        "triads": [
            list(t)
            for t in diag.intransitive_triads
            if known[t[0], t[1]] and known[t[1], t[2]] and known[t[0], t[2]]
        ],
        "repair": None,
    }
    if repair and block.complete and not out["consistent"]:
        rep = suggest_repair(a, block.threshold, method=block.method, ri=block.ri, scale=None)
        out["repair"] = {
            "changes": [
                {"i": c.i, "j": c.j, "old": display_value(c.old), "new": display_value(c.new)}
                for c in rep.changes
            ],
            "cr_after": rep.cr_after,
            "consistent": rep.consistent,
        }
    return out
