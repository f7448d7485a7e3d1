"""Tree synthesis: local and global weights from every kind of weight specification."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from evalsys.errors import ConsistencyWarning, EvalsysError
from evalsys.model.compiled import compile_tree
from evalsys.model.io import load_tree, tree_from_dict
from evalsys.weights.ahp import ahp_priorities
from evalsys.weights.hierarchy import tree_weights

CITY = [
    [1, "1/5", 3, "1/2", 5],
    [5, 1, 7, 1, 7],
    ["1/3", "1/7", 1, "1/4", 3],
    [2, 1, 4, 1, 7],
    ["1/5", "1/7", "1/3", "1/7", 1],
]
CITY_IDS = ["culture", "family", "housing", "jobs", "transportation"]


def city_tree(weights: dict[str, Any], order: list[str] | None = None) -> dict[str, Any]:
    kids = order or CITY_IDS
    return {
        "id": "city",
        "name": "选择城市",
        "nodes": [
            {"id": "root", "name": "城市", "kind": "dimension", "weights": weights},
            *(
                {
                    "id": k,
                    "parent": "root",
                    "name": k,
                    "kind": "quantitative",
                    "unit": "pt",
                    "direction": "benefit",
                }
                for k in kids
            ),
        ],
    }


def test_shipped_tree_weights_are_consistent_and_sum_to_one() -> None:
    compiled = compile_tree(load_tree("ecommerce_service"))
    tw = tree_weights(compiled)
    leaf_w = tw.global_weights[compiled.leaf_nodes]
    assert leaf_w.sum() == pytest.approx(1.0, abs=1e-12)
    assert (leaf_w > 0).all()
    for nw in tw.nodes:
        assert nw.cr is not None and nw.cr < 0.10, nw.node_id
        assert nw.ri_table == "saaty1980"
        assert nw.weights.sum() == pytest.approx(1.0, abs=1e-12)
    # global weight of a dimension = sum of its leaves' global weights
    for d in compiled.dimensions:
        below = [j for j, leaf in enumerate(compiled.leaf_nodes) if compiled.parent[leaf] == d]
        assert tw.global_weights[d] == pytest.approx(leaf_w[below].sum(), abs=1e-12)
    assert tw.levels and all(lv.consistent for lv in tw.levels)


def test_pairwise_node_reproduces_saaty_city_case() -> None:
    """Saaty (2004) city example (shared/reference AHP 1): 0.152 0.433 0.072 0.305 0.038."""
    compiled = compile_tree(tree_from_dict(city_tree({"type": "pairwise", "matrix": CITY})))
    nw = tree_weights(compiled).node("root")
    np.testing.assert_allclose(nw.weights, [0.152, 0.433, 0.072, 0.305, 0.038], atol=1.5e-3)
    assert nw.cr == pytest.approx(0.0503, abs=5e-4)
    assert nw.lambda_max == pytest.approx(5.2252, abs=5e-4)


def test_order_maps_matrix_rows_to_children() -> None:
    """A matrix written in another order than the children gives the same child weights."""
    base = tree_weights(
        compile_tree(tree_from_dict(city_tree({"type": "pairwise", "matrix": CITY})))
    ).node("root")
    reordered = tree_weights(
        compile_tree(
            tree_from_dict(
                city_tree(
                    {"type": "pairwise", "matrix": CITY, "order": CITY_IDS}, order=CITY_IDS[::-1]
                )
            )
        )
    ).node("root")
    np.testing.assert_allclose(reordered.weights, base.weights[::-1], rtol=1e-12)


def test_incomplete_judgments_on_a_consistent_matrix() -> None:
    """Spanning judgments of a consistent matrix recover its weights exactly."""
    w = np.array([0.4, 0.3, 0.2, 0.1])
    ids = ["a", "b", "c", "d"]
    judgments = [["a", "b", w[0] / w[1]], ["b", "c", w[1] / w[2]], ["c", "d", w[2] / w[3]]]
    data = city_tree({"type": "pairwise", "judgments": judgments}, order=ids)
    nw = tree_weights(compile_tree(tree_from_dict(data))).node("root")
    np.testing.assert_allclose(nw.weights, w, atol=1e-9)
    assert nw.details["missing_judgments"] == 3
    assert "incomplete" in nw.method


def test_experts_aggregate_like_group_priorities() -> None:
    other = np.array(ahp_priorities(CITY).weights)
    consistent = [[float(a / b) for b in other] for a in other]
    data = city_tree(
        {
            "type": "pairwise",
            "aggregation": "aip_geometric",
            "experts": [
                {"name": "A", "matrix": CITY, "weight": 2},
                {"name": "B", "matrix": consistent, "weight": 1},
            ],
        }
    )
    with pytest.warns(ConsistencyWarning, match="outside the judgment scale"):
        nw = tree_weights(compile_tree(tree_from_dict(data))).node("root")
    # AIP geometric: weighted geometric mean of the priority vectors, renormalised
    g = np.exp((2 * np.log(other) + np.log(other)) / 3)
    np.testing.assert_allclose(nw.weights, g / g.sum(), rtol=1e-9)
    assert nw.details["experts"] == ["A", "B"]


def test_fuzzy_node_with_crisp_triangles_equals_geometric_mean() -> None:
    tfn = [[[x, x, x] for x in row] for row in CITY]
    data = city_tree({"type": "fuzzy_pairwise", "matrix": tfn, "method": "buckley"})
    nw = tree_weights(compile_tree(tree_from_dict(data))).node("root")
    np.testing.assert_allclose(nw.weights, [0.1526, 0.4228, 0.0723, 0.3147, 0.0376], atol=5e-5)


def test_objective_weights_need_data() -> None:
    compiled = compile_tree(tree_from_dict(city_tree({"type": "objective", "method": "entropy"})))
    with pytest.raises(EvalsysError, match=r"node 'root': objective weights \(entropy\)"):
        tree_weights(compiled)
    rng = np.random.default_rng(1)
    U = rng.random((50, 5))
    U[:, 0] = np.linspace(0, 1, 50)  # most dispersed column in entropy terms differs
    nw = tree_weights(compiled, U).node("root")
    from evalsys.weights.objective import objective_weights

    np.testing.assert_allclose(nw.weights, objective_weights(U, "entropy").weights)


def test_combined_linear_weights() -> None:
    compiled = compile_tree(
        tree_from_dict(
            city_tree(
                {
                    "type": "combined",
                    "subjective": {"type": "pairwise", "matrix": CITY},
                    "objective": "critic",
                    "rule": "linear",
                    "alpha": 0.7,
                }
            )
        )
    )
    U = np.random.default_rng(2).random((40, 5))
    nw = tree_weights(compiled, U).node("root")
    from evalsys.weights.objective import objective_weights

    expect = 0.7 * np.asarray(ahp_priorities(CITY).weights) + 0.3 * np.asarray(
        objective_weights(U, "critic").weights
    )
    np.testing.assert_allclose(nw.weights, expect, rtol=1e-12)
    assert nw.cr == pytest.approx(0.0503, abs=5e-4)


def test_weights_cli_prints_every_cr() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "evalsys", "weights", "ecommerce_service"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    tw = tree_weights(compile_tree(load_tree("ecommerce_service")))
    for nw in tw.nodes:
        assert f"{nw.node_id}: λmax={nw.lambda_max:.4f}" in proc.stdout
        assert f"CR={nw.cr:.4f}" in proc.stdout


def test_weights_cli_json() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "evalsys", "weights", "ecommerce_service", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(proc.stdout)
    assert out["all_consistent"] is True
    assert sum(v for k, v in out["global"].items() if k.startswith("first_response")) > 0
    assert {n["ri_table"] for n in out["nodes"]} == {"saaty1980"}


def test_aip_node_is_inconsistent_when_an_expert_is() -> None:
    """AIP has no group matrix; an inconsistent expert must not pass silently."""
    bad = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]  # intransitive, CR >> 0.1
    ids = ["a", "b", "c"]
    data = city_tree(
        {
            "type": "pairwise",
            "aggregation": "aip_geometric",
            "experts": [{"name": "A", "matrix": bad}, {"name": "B", "matrix": bad}],
        },
        order=ids,
    )
    tw = tree_weights(compile_tree(tree_from_dict(data)))
    nw = tw.node("root")
    assert nw.cr is None and nw.consistent is False
    assert min(nw.details["expert_cr"]) > 0.1
    assert tw.all_consistent is False
