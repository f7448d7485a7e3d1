"""Multi-level fuzzy comprehensive evaluation over a tree: invariants and reference cases."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalsys.engines.memory import score_entities
from evalsys.errors import DataError
from evalsys.model.compiled import compile_tree
from evalsys.model.data import indicator_data
from evalsys.model.io import load_tree, tree_from_dict
from evalsys.model.sample import generate_sample
from evalsys.model.tables import table_from_columns
from evalsys.scoring.fce import OPERATORS
from evalsys.scoring.result import METHODS

pytestmark = pytest.mark.filterwarnings("ignore::evalsys.errors.ValidityWarning")

TREE = load_tree("ecommerce_service")
COMPILED = compile_tree(TREE)
SAMPLE = generate_sample(TREE, 300, seed=7)


def table(cols: dict[str, Any]) -> Any:
    return table_from_columns(cols)


def scored(cols: dict[str, Any] | None = None, **kw: Any) -> Any:
    missing = kw.pop("missing", "reject")
    d = indicator_data(COMPILED, table(cols or SAMPLE), missing=missing)
    return score_entities(COMPILED, d, **kw)


def subset(cols: dict[str, Any], idx: Any) -> dict[str, Any]:
    return {k: np.asarray(v)[idx] for k, v in cols.items()}


def test_hierarchical_weighted_average_equals_flat_with_global_weights() -> None:
    """M(·,+) is linear: B_root = Σ_l W_l R_l with W the global leaf weights."""
    from evalsys.scoring.plan import leaf_plan, memberships, utilities

    res = scored()
    d = indicator_data(COMPILED, table(SAMPLE))
    plan = leaf_plan(COMPILED)
    U = utilities(plan, d.values, d.votes, COMPILED.n_grades)
    R = memberships(plan, d.values, U, d.votes, COMPILED.n_grades)
    W = res.weights.global_weights[COMPILED.leaf_nodes]
    np.testing.assert_allclose(res.B, np.einsum("l,elg->eg", W, R), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("operator", OPERATORS.names())
def test_batch_equals_one_at_a_time_and_order_free(operator: str) -> None:
    full = scored(operator=operator)
    perm = np.random.default_rng(3).permutation(300)
    shuffled = scored(subset(SAMPLE, perm), operator=operator)
    np.testing.assert_array_equal(shuffled.score, full.score[perm])
    np.testing.assert_array_equal(shuffled.grade, full.grade[perm])
    for i in (0, 17, 299):
        one = scored(subset(SAMPLE, [i]), operator=operator)
        np.testing.assert_allclose(one.score, full.score[[i]], rtol=0, atol=1e-12)
        np.testing.assert_allclose(one.B, full.B[[i]], rtol=0, atol=1e-15)


def test_contributions_add_up_to_the_score_gap() -> None:
    res = scored()
    np.testing.assert_allclose(
        res.contributions.sum(axis=1), res.score - res.score.mean(), atol=1e-9
    )
    np.testing.assert_allclose(
        res.dimension_contributions().sum(axis=1), res.contributions.sum(axis=1), atol=1e-12
    )


@settings(max_examples=25, deadline=None)
@given(
    entity=st.integers(0, 299),
    leaf=st.integers(0, COMPILED.n_leaves - 1),
    step=st.floats(0.01, 0.9),
)
def test_improving_an_indicator_never_lowers_the_score(entity: int, leaf: int, step: float) -> None:
    """Better value on a benefit leaf (or lower on a cost leaf) → score not lower (M(·,+))."""
    spec_leaf = TREE.leaves()[leaf]
    col = spec_leaf.data_column
    if col not in SAMPLE:
        return  # votes leaves have several columns
    base = subset(SAMPLE, [entity])
    better = {k: v.copy() for k, v in base.items()}
    x = float(better[col][0])
    kind = getattr(spec_leaf, "direction", "benefit")
    if spec_leaf.kind == "quantitative" and kind == "cost":
        better[col] = np.array([x * (1 - step)])
    elif spec_leaf.kind == "quantitative":
        hi = (spec_leaf.range or (None, None))[1]
        better[col] = np.array([min(x + step * 10, hi) if hi is not None else x + step * 10])
    elif spec_leaf.kind == "rating":
        better[col] = np.array([min(x + step, 5.0)])
    else:
        better[col] = np.array([min(x + 1, len(spec_leaf.items))])
    assert scored(better).score[0] >= scored(base).score[0] - 1e-12


def test_every_method_and_operator_scores_the_sample() -> None:
    for method in METHODS:
        res = scored(method=method)
        assert np.isfinite(res.score).all()
        assert res.rank.min() == 1 and res.rank.max() <= 300
    for op in OPERATORS.names():
        res = scored(operator=op)
        assert res.operator == op
        assert ((res.score >= 60) & (res.score <= 95)).all()
        assert res.grade is not None and set(np.unique(res.grade)) <= {0, 1, 2, 3}


def test_methods_agree_on_the_ranking() -> None:
    from scipy.stats import spearmanr

    base = scored().score
    for method in ("weighted_sum", "topsis", "grey"):
        rho = spearmanr(base, scored(method=method).score).statistic
        assert rho > 0.6, (method, rho)


# ----------------------------------------------------------------- missing values


def with_gap(col: str, rows: list[int]) -> dict[str, Any]:
    cols = {k: np.asarray(v).copy() for k, v in SAMPLE.items()}
    cols[col] = cols[col].astype(float)
    cols[col][rows] = np.nan
    return cols


def test_missing_reject_names_column_and_rows() -> None:
    with pytest.raises(
        DataError,
        match=r"column 'delivery_time': missing values in indicator "
        r"'delivery_time'.*\(rows 4, 10\)",
    ):
        scored(with_gap("delivery_time", [3, 9]))


def test_missing_skip_lists_skipped_entities() -> None:
    res = scored(with_gap("delivery_time", [3, 9]), missing="skip")
    assert res.n_entities == 298
    assert [(s.row, s.reason) for s in res.skipped] == [
        (4, "missing delivery_time"),
        (10, "missing delivery_time"),
    ]
    full = scored()
    keep = np.setdiff1d(np.arange(300), [3, 9])
    np.testing.assert_allclose(res.score, full.score[keep], atol=1e-12)


def test_missing_renormalize_reports_coverage_and_rescales_siblings() -> None:
    res = scored(with_gap("delivery_time", [3]), missing="renormalize")
    w = res.weights.global_weights[COMPILED.index["delivery_time"]]
    assert res.coverage[3] == pytest.approx(1 - w)
    assert (np.delete(res.coverage, 3) == 1).all()
    # the entity's logistics B is the renormalised average of the other logistics leaves
    from evalsys.scoring.plan import leaf_plan, memberships, utilities

    d = indicator_data(COMPILED, table(SAMPLE))
    plan = leaf_plan(COMPILED)
    R = memberships(plan, d.values, utilities(plan, d.values, d.votes, 4), d.votes, 4)
    logistics = COMPILED.index["logistics"]
    kids = COMPILED.children(logistics)
    local = np.asarray(res.weights.local)[kids]
    keep = [k for k, c in enumerate(kids) if COMPILED.node_ids[c] != "delivery_time"]
    leaf_pos = [list(COMPILED.leaf_nodes).index(c) for c in kids]
    expect = (local[keep, None] * R[3, np.array(leaf_pos)[keep]]).sum(0) / local[keep].sum()
    d_pos = list(res.dimension_ids).index("logistics")
    np.testing.assert_allclose(res.dimension_B[3, d_pos], expect, atol=1e-12)


# ------------------------------------------------------------------ data errors


@pytest.mark.parametrize(
    ("col", "value", "fragment"),
    [
        ("order_processing_time", -5.0, "negative durations"),
        ("on_time_rate", 130.0, "values above 100 %"),
        ("service_attitude", 7.0, "1–5 scale"),
    ],
)
def test_out_of_range_values_name_column_and_rows(col: str, value: float, fragment: str) -> None:
    cols = {k: np.asarray(v).copy() for k, v in SAMPLE.items()}
    cols[col] = cols[col].astype(float)
    cols[col][[5, 6]] = value
    with pytest.raises(DataError, match=fragment) as info:
        scored(cols)
    assert info.value.column == col
    assert info.value.rows == (6, 7)


def test_rates_given_as_fractions_are_detected() -> None:
    cols = dict(SAMPLE)
    cols["on_time_rate"] = np.asarray(SAMPLE["on_time_rate"]) / 100
    with pytest.raises(DataError, match="looks like fractions; multiply by 100"):
        scored(cols)


def test_non_numeric_values() -> None:
    cols = {k: np.asarray(v) for k, v in SAMPLE.items()}
    cols["delivery_time"] = cols["delivery_time"].astype(str)
    cols["delivery_time"][[2, 8]] = ["fast", "n/a?"]
    with pytest.raises(DataError, match=r"needs numbers; found 'fast'.*\(rows 3, 9\)"):
        scored(cols)


def test_missing_column_and_duplicate_id() -> None:
    cols = {k: v for k, v in SAMPLE.items() if k != "damage_rate"}
    with pytest.raises(DataError, match="missing column damage_rate"):
        scored(cols)
    cols = {k: np.asarray(v).copy() for k, v in SAMPLE.items()}
    cols["entity_id"][5] = cols["entity_id"][0]
    with pytest.raises(DataError, match=r"entity id 'M0000001' appears 2 times.*\(rows 1, 6\)"):
        scored(cols)


def test_unknown_columns_are_reported_not_dropped_silently() -> None:
    cols = dict(SAMPLE) | {"colour": np.zeros(300)}
    assert scored(cols).ignored_columns == ("colour",)


# --------------------------------------------------------- a published FCE case


def test_single_level_tree_reproduces_textbook_clothing_example() -> None:
    """FCE 1 (shared/reference): clothing example, M(∧,∨), A1 = (0.1, 0.2, 0.3, 0.4).

    R is given directly as votes shares (10 respondents per factor), so the tree's leaf
    memberships equal the published R; B1 = (0.2, 0.3, 0.4, 0.1), grade 3 (不太受欢迎).
    """
    factors = ["colour", "style", "durability", "price"]
    R = np.array(
        [[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0.0], [0.0, 0.4, 0.5, 0.1], [0.2, 0.3, 0.5, 0.0]]
    )
    grades = [
        {"id": f"g{k}", "name": n, "score": s}
        for k, (n, s) in enumerate(
            zip(["很欢迎", "较欢迎", "不太欢迎", "不欢迎"], [4, 3, 2, 1], strict=True)
        )
    ]
    spec = tree_from_dict(
        {
            "id": "clothing",
            "name": "服装评价",
            "grades": grades,
            "nodes": [
                {
                    "id": "root",
                    "name": "服装",
                    "kind": "dimension",
                    "weights": {
                        "type": "direct",
                        "values": dict(zip(factors, [0.1, 0.2, 0.3, 0.4], strict=True)),
                    },
                },
                *(
                    {"id": f, "parent": "root", "name": f, "kind": "rating", "input": "votes"}
                    for f in factors
                ),
            ],
        }
    )
    compiled = compile_tree(spec)
    cols: dict[str, Any] = {"entity_id": np.array(["coat"])}
    for i, f in enumerate(factors):
        for k in range(4):
            cols[f"{f}.g{k}"] = np.array([R[i, k] * 10])
    d = indicator_data(compiled, table(cols))
    res = score_entities(compiled, d, operator="min_max")
    np.testing.assert_allclose(res.B[0], [0.2, 0.3, 0.4, 0.1], atol=1e-12)
    assert res.grade[0] == 2  # third grade, 0-based
