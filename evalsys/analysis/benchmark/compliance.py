"""Compliance of entities with a standards profile: :func:`check_standards`.

The source documents ask evaluators to compare merchants with industry standards and find
the gaps (與行業標準對標,識別差距), with standards that may differ by segment
(差异化的服务标准).  :func:`check_standards` gives per entity and indicator pass/fail, the
gap to the limit in the indicator's unit, the relative gap and a severity, and per
indicator the share of entities compliant, as a
:class:`~evalsys.analysis.benchmark.compliance_result.ComplianceResult`.

Rules
-----
Choice of standard
    For one entity and indicator, the entries whose selector matches the entity are
    candidates; only the most specific ones (most selector keys) apply, so a segment
    standard replaces the general one (no selector) for that segment.  When several
    equally specific entries apply (e.g. ``{segment: electronics}`` and ``{tier: large}``
    for a large electronics merchant) the entity must meet all of them; the *binding*
    entry reported is a failed one if any fails, and among those the largest gap.
Gap
    In the indicator's unit, positive = how far beyond the limit: ``x − v`` for ``<=``/``<``,
    ``v − x`` for ``>=``/``>``, ``max(a − x, x − b)`` for ``between [a, b]`` (negative =
    the margin left).  Relative gap = gap / |limit| (for ``between`` the bound nearer to x).
Severity
    ``ok`` (passes), ``minor`` (fails, relative gap ≤ 10 %), ``major`` (≤ 50 %),
    ``critical`` (beyond 50 %).  The bands can be set per profile or per entry
    (``severity: {minor: 0.1, major: 0.5}``); with ``basis: absolute`` they are gaps in the
    indicator's unit instead (required for a limit of 0, where a relative gap is undefined).
    An entity that fails a strict limit (``<``, ``>``) exactly at the limit has gap 0 and
    severity ``minor``.
Empty segment
    A selector naming a value that no entity in the data has (e.g. ``segment: electronic``
    when the data say ``electronics``, or a segment absent from this period's data) is an
    *empty segment*: the entry is applied to nobody, listed in
    :attr:`ComplianceResult.unused`, and by default a :class:`StandardsWarning` is issued
    (``empty_segment="error"`` raises :class:`~evalsys.errors.DataError`; ``"ignore"``
    only records it).  A warning, not an error, by default: one profile serves many data
    sets (every quarter's), and a segment can be legitimately empty in one of them.  A
    selector on a column the data do not have at all (e.g. ``case: complex`` for data
    without a request-type column) is recorded as not applicable, without a warning: the
    profile covers a situation these data do not describe.  To catch typos in selector
    keys and values early, a profile may declare its segment columns and values
    (``segments:``); selectors are then checked when the profile is loaded.
Units
    Limits and values are compared in the indicator's unit, never converted (see
    :mod:`~evalsys.analysis.benchmark.standards`).
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import numpy.typing as npt

from evalsys.analysis.benchmark.compliance_result import ComplianceResult, UnusedStandard, _labels
from evalsys.analysis.benchmark.standards import (
    SeverityBands,
    StandardEntry,
    StandardsProfile,
    StandardsWarning,
    check_profile,
    indicator_unit,
)
from evalsys.errors import DataError, UnknownMethodError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData

__all__ = ["EMPTY_SEGMENT_POLICIES", "check_standards"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

EMPTY_SEGMENT_POLICIES = ("warn", "error", "ignore")


def _entry_eval(
    entry: StandardEntry, bands: SeverityBands, x: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray, npt.NDArray[np.int8]]:
    """limit, gap, relative gap, pass and severity of one entry for values x (E,)."""
    v = entry.value
    if isinstance(v, tuple):
        below, above = v[0] - x, x - v[1]
        gap = np.maximum(below, above)
        limit = np.where(below >= above, v[0], v[1])
        ok = (x >= v[0]) & (x <= v[1])
    else:
        limit = np.full(x.shape, float(v))
        gap = x - v if entry.side == "upper" else v - x
        ok = {"<=": x <= v, "<": x < v, ">=": x >= v, ">": x > v}[entry.op]
    absl = np.abs(limit)
    rel = np.divide(gap, absl, out=np.full(x.shape, np.nan), where=absl > 0)
    measure = rel if bands.basis == "relative" else gap
    sev = np.where(measure <= bands.minor, 1, np.where(measure <= bands.major, 2, 3))
    sev = np.where(ok, 0, sev).astype(np.int8)
    return limit, gap, rel, np.asarray(ok, dtype=bool), sev


def check_standards(
    compiled: CompiledTree,
    data: IndicatorData,
    profile: StandardsProfile,
    *,
    empty_segment: Literal["warn", "error", "ignore"] = "warn",
) -> ComplianceResult:
    """Check every entity of ``data`` against the standards of ``profile``.

    Parameters
    ----------
    compiled
        The compiled tree the data were checked against.
    data
        Checked indicator data (:func:`evalsys.model.data.indicator_data`); selector columns must
        be among its passthrough columns (pass ``passthrough=profile.selector_columns()``
        plus your own to :func:`~evalsys.model.data.indicator_data`).
    profile
        The standards profile.
    empty_segment
        ``"warn"`` (default), ``"error"`` or ``"ignore"`` for entries whose segment has no
        entity in the data (see the module docstring).

    Returns
    -------
    ComplianceResult

    Raises
    ------
    TreeSpecError
        The profile does not fit the tree (:func:`check_profile`).
    DataError
        An empty segment under ``empty_segment="error"``.
    UnknownMethodError
        Unknown ``empty_segment`` policy.

    Notes
    -----
    For entity e and entry k with selector :math:`S_k` (a set of column = value
    conditions), entry k *matches* e when every condition holds; the applicable entries are
    the matching ones with the largest :math:`|S_k|`.  With value x and limit v the gap is
    :math:`x - v` (``<=``, ``<``), :math:`v - x` (``>=``, ``>``) or
    :math:`\\max(a - x, x - b)` (``between [a, b]``) and the relative gap is gap / |v|.
    The computation loops over the profile's entries (a handful), never over entities.

    Examples
    --------
    >>> import evalsys as es
    >>> from evalsys.model.io import shipped_path
    >>> tree = es.compile_tree(es.load_tree("ecommerce_service"))
    >>> table = es.read_table(shipped_path("samples", "ecommerce_merchants.csv"))
    >>> res = check_standards(tree, es.indicator_data(tree, table),
    ...                       es.load_standards("ecommerce_documents"))
    >>> i = res.indicator_ids.index("order_processing_time")
    >>> round(float(res.compliance[i]), 3)
    0.656
    """
    if empty_segment not in EMPTY_SEGMENT_POLICIES:
        raise UnknownMethodError(
            f"unknown empty-segment policy '{empty_segment}'; valid names: "
            f"{', '.join(EMPTY_SEGMENT_POLICIES)}"
        )
    check_profile(profile, compiled)
    E = data.n_entities
    leaf_pos = {lid: j for j, lid in enumerate(compiled.leaf_ids)}
    leaves = compiled.spec.leaves()
    ind_ids = tuple(sorted(profile.indicators(), key=leaf_pos.__getitem__))
    n_ind = len(ind_ids)

    label_cache: dict[str, npt.NDArray[np.str_]] = {}
    matches: list[BoolArray] = []
    unused: list[UnusedStandard] = []
    for k, e in enumerate(profile.standards):
        m = np.ones(E, dtype=bool)
        absent_cols = [c for c, _ in e.selector if c not in data.passthrough]
        for col, val in e.selector:
            if col in data.passthrough:
                if col not in label_cache:
                    label_cache[col] = _labels(data.passthrough[col])
                m &= label_cache[col] == val
        if absent_cols:
            m[:] = False
            unused.append(
                UnusedStandard(
                    k,
                    e.indicator,
                    e.describe_selector(),
                    f"the data have no column {', '.join(repr(c) for c in absent_cols)}",
                    False,
                )
            )
        elif not m.any():
            unused.append(
                UnusedStandard(
                    k,
                    e.indicator,
                    e.describe_selector(),
                    f"no entity has {' and '.join(f'{c} = {v!r}' for c, v in e.selector)} "
                    "(empty segment)",
                    True,
                )
            )
        matches.append(m)
    empty = [u for u in unused if u.empty_segment]
    if empty and empty_segment != "ignore":
        text = "; ".join(
            f"entry #{u.entry + 1} ({u.indicator} for {u.selector}): {u.reason}" for u in empty
        )
        if empty_segment == "error":
            raise DataError(f"standards that apply to no entity: {text}")
        warnings.warn(
            f"{len(empty)} standard(s) apply to no entity: {text}",
            StandardsWarning,
            stacklevel=2,
        )

    value = np.full((E, n_ind), np.nan)
    entry_idx = np.full((E, n_ind), -1, dtype=np.intp)
    limit = np.full((E, n_ind), np.nan)
    assessed = np.zeros((E, n_ind), dtype=bool)
    passed = np.zeros((E, n_ind), dtype=bool)
    gap = np.full((E, n_ind), np.nan)
    rel = np.full((E, n_ind), np.nan)
    severity = np.full((E, n_ind), -1, dtype=np.int8)
    for i, ind in enumerate(ind_ids):  # indicators with standards, then their entries
        j = leaf_pos[ind]
        x = np.asarray(data.values[:, j], dtype=np.float64)
        present = np.asarray(data.present[:, j], dtype=bool)
        value[:, i] = x
        ks = [k for k, e in enumerate(profile.standards) if e.indicator == ind]
        M = np.stack([matches[k] for k in ks])  # (K, E)
        spec_n = np.array([len(profile.standards[k].selector) for k in ks])
        best = np.where(M, spec_n[:, None], -1).max(axis=0)
        applicable = M & (spec_n[:, None] == best[None, :])
        evals = [
            _entry_eval(profile.standards[k], profile.bands(profile.standards[k]), x) for k in ks
        ]
        lim_k = np.stack([ev[0] for ev in evals])
        gap_k = np.stack([ev[1] for ev in evals])
        rel_k = np.stack([ev[2] for ev in evals])
        ok_k = np.stack([ev[3] for ev in evals])
        sev_k = np.stack([ev[4] for ev in evals])
        fail_k = applicable & ~ok_k
        any_fail = fail_k.any(axis=0)
        cand = np.where(any_fail[None, :], fail_k, applicable)
        key = np.where(cand, np.nan_to_num(gap_k, nan=-np.inf), -np.inf)
        b = np.argmax(key, axis=0)
        cols = np.arange(E)
        has = applicable.any(axis=0) & present
        assessed[:, i] = has
        passed[:, i] = has & ~any_fail
        entry_idx[:, i] = np.where(has, np.asarray(ks)[b], -1)
        limit[:, i] = np.where(has, lim_k[b, cols], np.nan)
        gap[:, i] = np.where(has, gap_k[b, cols], np.nan)
        rel[:, i] = np.where(has, rel_k[b, cols], np.nan)
        severity[:, i] = np.where(has, sev_k[b, cols], -1)
    n_assessed = assessed.sum(axis=0).astype(np.int64)
    n_passed = passed.sum(axis=0)
    compliance = np.divide(
        n_passed, n_assessed, out=np.full(n_ind, np.nan), where=n_assessed > 0
    ).astype(np.float64)
    for arr in (value, entry_idx, limit, assessed, passed, gap, rel, severity, compliance):
        arr.flags.writeable = False
    return ComplianceResult(
        profile=profile,
        tree_id=compiled.spec.id,
        entity_ids=data.entity_ids,
        rows=data.rows,
        indicator_ids=ind_ids,
        units=tuple(str(indicator_unit(leaves[leaf_pos[i]])) for i in ind_ids),
        value=value,
        entry=entry_idx,
        limit=limit,
        assessed=assessed,
        passed=passed,
        gap=gap,
        relative_gap=rel,
        severity=severity,
        compliance=compliance,
        n_assessed=n_assessed,
        n_failed=(n_assessed - n_passed).astype(np.int64),
        unused=tuple(unused),
        passthrough=dict(data.passthrough),
        empty_segment=empty_segment,
    )
