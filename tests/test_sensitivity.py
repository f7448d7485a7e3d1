"""Sensitivity and robustness: linear fast path, OAT, Monte Carlo, flip points, agreement."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau, spearmanr

from evalsys.analysis.sensitivity.agreement import method_agreement
from evalsys.analysis.sensitivity.core import (
    _evaluate,
    _perturbable,
    _prepare,
    with_local_weights,
)
from evalsys.analysis.sensitivity.flips import flip_points
from evalsys.analysis.sensitivity.montecarlo import (
    _from_scale_index,
    _judged_nodes,
    _sample_judgments,
    _scale_index,
    monte_carlo,
)
from evalsys.analysis.sensitivity.oat import perturb_one_at_a_time
from evalsys.engines.memory import score_entities
from evalsys.errors import DataError, EvalsysError, UnknownMethodError, ValidityWarning
from evalsys.model.compiled import compile_tree
from evalsys.model.data import indicator_data
from evalsys.model.io import load_tree
from evalsys.model.sample import generate_sample
from evalsys.model.tables import read_table, table_from_columns
from evalsys.scoring.grading import ranks

pytestmark = pytest.mark.filterwarnings("ignore::evalsys.errors.ValidityWarning")

TREE = load_tree("ecommerce_service")
COMPILED = compile_tree(TREE)
COLS = generate_sample(TREE, 300, seed=11)
DATA = indicator_data(COMPILED, table_from_columns(COLS))
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ValidityWarning)
    BASE = score_entities(COMPILED, DATA)
LOCAL = np.asarray(BASE.weights.local)


def subset(n: int) -> Any:
    cols = {k: np.asarray(v)[:n] for k, v in COLS.items()}
    return indicator_data(COMPILED, table_from_columns(cols))


def random_local(seed: int, concentration: float = 30.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    loc = LOCAL.copy()
    for p in _perturbable(COMPILED, (1, 2)):
        kids = COMPILED.children(p)
        loc[kids] = rng.dirichlet(concentration * LOCAL[kids])
    return loc


def renormalised(node: str, u: float) -> np.ndarray:
    """Base local weights with node's weight set to u and its siblings rescaled."""
    c = COMPILED.index[node]
    p = COMPILED.parent[c]
    kids = COMPILED.children(p)
    w = LOCAL[c]
    loc = LOCAL.copy()
    loc[kids] *= (1.0 - u) / (1.0 - w)
    loc[c] = u
    return loc


def top_set(score: np.ndarray, k: int) -> frozenset[int]:
    return frozenset(np.flatnonzero(ranks(score) <= k).tolist())


# ----------------------------------------------------------------- the linear identity


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_linear_fast_path_equals_rescoring(seed: int) -> None:
    """score = Σ_l W_l leaf_score_l and grade = argmax Σ_l W_l R_l, for other weights."""
    loc = random_local(seed)
    model = _prepare(COMPILED, DATA, BASE.weights, "fce", "weighted_average")
    assert model.linear
    s, g = _evaluate(model, np.stack([LOCAL, loc]))
    ref = score_entities(COMPILED, DATA, with_local_weights(COMPILED, BASE.weights, loc))
    np.testing.assert_allclose(s[1], ref.score, rtol=1e-13)
    assert g is not None
    np.testing.assert_array_equal(g[1], ref.grade)
    np.testing.assert_allclose(s[0], BASE.score, rtol=1e-13)
    np.testing.assert_array_equal(g[0], BASE.grade)


def test_weighted_sum_fast_path_equals_rescoring() -> None:
    loc = random_local(9)
    model = _prepare(COMPILED, DATA, BASE.weights, "weighted_sum", "weighted_average")
    s, g = _evaluate(model, loc[None, :])
    ref = score_entities(
        COMPILED, DATA, with_local_weights(COMPILED, BASE.weights, loc), method="weighted_sum"
    )
    assert g is None
    np.testing.assert_allclose(s[0], ref.score, rtol=1e-13)


@pytest.mark.parametrize(
    ("method", "operator"),
    [("fce", "min_max"), ("fce", "product_max"), ("topsis", "-"), ("grey", "-")],
)
def test_nonlinear_fallback_equals_rescoring(method: str, operator: str) -> None:
    loc = random_local(4)
    op = operator if method == "fce" else "weighted_average"
    model = _prepare(COMPILED, DATA, BASE.weights, method, op)
    assert not model.linear
    s, g = _evaluate(model, loc[None, :])
    ref = score_entities(
        COMPILED,
        DATA,
        with_local_weights(COMPILED, BASE.weights, loc),
        method=method,
        operator=op,
    )
    np.testing.assert_allclose(s[0], ref.score, rtol=1e-13)
    if method == "fce":
        assert g is not None
        np.testing.assert_array_equal(g[0], ref.grade)


def test_missing_data_falls_back_and_matches_rescoring() -> None:
    cols = {k: np.asarray(v).copy() for k, v in COLS.items()}
    col = TREE.leaves()[3].data_column
    cols[col][[0, 5, 9]] = np.nan
    d = indicator_data(COMPILED, table_from_columns(cols), missing="renormalize")
    res = perturb_one_at_a_time(COMPILED, d, BASE.weights, delta=0.2)
    assert not res.linear
    p = res.perturbations[0]
    loc = renormalised(p.child, p.weight)
    ref = score_entities(COMPILED, d, with_local_weights(COMPILED, BASE.weights, loc))
    base = score_entities(COMPILED, d, BASE.weights)
    np.testing.assert_allclose(res.entities.base_score, base.score, rtol=1e-13)
    assert p.grade_changed == pytest.approx(np.mean(ref.grade != base.grade))
    with pytest.raises(DataError, match="complete data"):
        flip_points(COMPILED, d, BASE.weights)


# ----------------------------------------------------------------- one at a time


def test_delta_zero_reproduces_the_base_exactly() -> None:
    res = perturb_one_at_a_time(COMPILED, DATA, delta=0.0, levels=(1, 2))
    assert len(res.perturbations) == 2 * COMPILED.n_leaves + 2 * COMPILED.dimensions.size
    for p in res.perturbations:
        assert p.weight == pytest.approx(p.base_weight, rel=1e-15)
        assert p.spearman == pytest.approx(1.0, abs=1e-12)
        assert p.kendall == pytest.approx(1.0, abs=1e-12)
        assert (p.grade_changed, p.top_k_same, p.max_abs_rank_shift) == (0.0, True, 0)
    e = res.entities
    np.testing.assert_array_equal(e.p_keep_rank, 1.0)
    np.testing.assert_array_equal(e.p_keep_grade, 1.0)
    np.testing.assert_array_equal(e.base_rank, BASE.rank)
    np.testing.assert_array_equal(e.base_grade, BASE.grade)
    np.testing.assert_allclose(e.base_score, BASE.score, rtol=1e-13)
    assert e.score_sd.max() < 1e-10


@settings(max_examples=20, deadline=None)
@given(delta=st.floats(0.0, 1.0), dim=st.integers(0, 4))
def test_oat_weights_follow_the_renormalisation_formula(delta: float, dim: int) -> None:
    d = subset(40)
    res = perturb_one_at_a_time(COMPILED, d, BASE.weights, delta=delta)
    node = COMPILED.node_ids[COMPILED.dimensions[dim]]
    up, down = (p for p in res.perturbations if p.child == node)
    w = LOCAL[COMPILED.index[node]]
    assert (up.direction, down.direction) == (1, -1)
    assert up.weight == pytest.approx(w * (1 + delta) / (1 + delta * w), rel=1e-12)
    assert down.weight == pytest.approx(w * (1 - delta) / (1 - delta * w), rel=1e-12)
    ref = score_entities(
        COMPILED, d, with_local_weights(COMPILED, BASE.weights, renormalised(node, up.weight))
    )
    base_rank = ranks(score_entities(COMPILED, d, BASE.weights).score)
    rho = spearmanr(base_rank, ranks(ref.score)).statistic
    assert up.spearman == pytest.approx(rho, abs=1e-9)


# ----------------------------------------------------------------- Monte Carlo


def test_monte_carlo_statistics_equal_brute_force() -> None:
    """Every per-entity and per-sample statistic against re-scoring each sample."""
    d = subset(60)
    k, r = 5, 3
    res = monte_carlo(COMPILED, d, samples=25, seed=3, top_k=k, rank_window=r)
    base = score_entities(COMPILED, d)
    r0 = ranks(base.score)
    scores, rk, gr = [], [], []
    for loc in res.local:
        s = score_entities(COMPILED, d, with_local_weights(COMPILED, base.weights, loc))
        scores.append(s.score)
        rk.append(ranks(s.score))
        gr.append(s.grade)
    S, R, Gr = np.array(scores), np.array(rk), np.array(gr)
    e, ps = res.entities, res.per_sample
    np.testing.assert_array_equal(e.base_rank, r0)
    np.testing.assert_allclose(e.p_keep_rank, (r0 == R).mean(axis=0))
    np.testing.assert_allclose(e.p_rank_within, (np.abs(R - r0) <= r).mean(axis=0))
    np.testing.assert_allclose(e.p_top_k, (k >= R).mean(axis=0))
    np.testing.assert_allclose(e.p_keep_grade, (Gr == base.grade).mean(axis=0))
    np.testing.assert_array_equal(e.rank_min, R.min(axis=0))
    np.testing.assert_array_equal(e.rank_max, R.max(axis=0))
    np.testing.assert_allclose(e.rank_mean, R.mean(axis=0))
    np.testing.assert_allclose(e.rank_sd, R.std(axis=0), atol=1e-9)
    np.testing.assert_allclose(e.score_mean, S.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(e.score_sd, S.std(axis=0), atol=1e-9)
    for g in range(4):
        np.testing.assert_allclose(e.grade_probability[:, g], (Gr == g).mean(axis=0))
    for i in range(S.shape[0]):
        assert ps.spearman[i] == pytest.approx(spearmanr(base.score, S[i]).statistic, abs=1e-12)
        assert ps.kendall[i] == pytest.approx(kendalltau(base.score, S[i]).statistic, abs=1e-12)
        assert ps.grade_changed[i] == pytest.approx(np.mean(Gr[i] != base.grade))
        t0, ti = top_set(base.score, k), top_set(S[i], k)
        assert ps.top_k_same[i] == (t0 == ti)
        assert ps.top_k_retained[i] == pytest.approx(len(t0 & ti) / len(t0))
        assert ps.max_abs_rank_shift[i] == np.abs(R[i] - r0).max()


def test_dirichlet_weights_are_centred_with_the_documented_spread() -> None:
    c = 50.0
    res = monte_carlo(
        COMPILED, subset(30), samples=4000, concentration=c, seed=8, top_k=3, kendall_entities=0
    )
    assert res.kendall_entities == 0 and np.isnan(res.per_sample.kendall).all()
    loc = res.local
    for name in res.perturbed_nodes:
        kids = COMPILED.children(COMPILED.index[name])
        np.testing.assert_allclose(loc[:, kids].sum(axis=1), 1.0, rtol=1e-12)
        w = LOCAL[kids]
        sd = np.sqrt(w * (1 - w) / (c + 1))
        np.testing.assert_allclose(loc[:, kids].mean(axis=0), w, atol=5 * sd.max() / np.sqrt(4000))
        np.testing.assert_allclose(loc[:, kids].std(axis=0), sd, rtol=0.1)


def test_judgment_samples_stay_on_the_scale_and_spread_zero_is_the_base() -> None:
    judged = _judged_nodes(COMPILED, _perturbable(COMPILED, (1, 2)))
    assert len(judged) == 6  # every node of the shipped tree has a pairwise matrix
    rng = np.random.default_rng(0)
    loc0, _, ok0 = _sample_judgments(COMPILED, LOCAL, judged, 5, 0.0, rng)
    np.testing.assert_allclose(loc0, np.tile(LOCAL, (5, 1)), rtol=1e-12, atol=1e-15)
    assert ok0.all()
    res = monte_carlo(COMPILED, subset(80), mode="judgments", spread=0.0, samples=4, seed=1)
    np.testing.assert_allclose(res.per_sample.spearman, 1.0, atol=1e-12)
    np.testing.assert_array_equal(res.entities.p_keep_rank, 1.0)
    np.testing.assert_array_equal(res.entities.p_keep_grade, 1.0)
    big = monte_carlo(COMPILED, subset(80), mode="judgments", spread=1.0, samples=300, seed=1)
    assert big.discarded == int((big.cr >= 0.1).any(axis=1).sum())
    assert big.samples + big.discarded == 300
    assert big.cr.shape == (300, 6)
    assert 0.9 < np.median(big.per_sample.spearman) < 1.0


@settings(max_examples=50, deadline=None)
@given(a=st.floats(1.0 / 9.0, 9.0))
def test_saaty_scale_index_is_reciprocal_and_invertible(a: float) -> None:
    t = _scale_index(np.array([a, 1.0 / a]))
    assert t[0] == pytest.approx(-t[1], abs=1e-12)
    assert -8.0 - 1e-12 <= t[0] <= 8.0 + 1e-12
    assert _from_scale_index(t)[0] == pytest.approx(a, rel=1e-12)


def test_scale_index_reference_points() -> None:
    a = np.array([1 / 9, 1 / 3, 1 / 2, 1, 2, 3, 9])
    np.testing.assert_allclose(_scale_index(a), [-8, -2, -1, 0, 1, 2, 8], atol=1e-12)


def test_reproducible_by_seed() -> None:
    d = subset(50)
    a = monte_carlo(COMPILED, d, samples=30, seed=42)
    b = monte_carlo(COMPILED, d, samples=30, seed=42)
    c = monte_carlo(COMPILED, d, samples=30, seed=43)
    np.testing.assert_array_equal(a.local, b.local)
    np.testing.assert_array_equal(a.per_sample.spearman, b.per_sample.spearman)
    np.testing.assert_array_equal(a.entities.p_keep_rank, b.entities.p_keep_rank)
    assert not np.array_equal(a.local, c.local)
    fresh = monte_carlo(COMPILED, d, samples=10)
    again = monte_carlo(COMPILED, d, samples=10, seed=fresh.seed)
    np.testing.assert_array_equal(fresh.local, again.local)
    ja = monte_carlo(COMPILED, d, samples=20, mode="judgments", seed=5)
    jb = monte_carlo(COMPILED, d, samples=20, mode="judgments", seed=5)
    np.testing.assert_array_equal(ja.local, jb.local)


def test_kendall_subsample_is_recorded_and_close() -> None:
    full = monte_carlo(COMPILED, DATA, samples=20, seed=2, kendall_entities=None)
    sub = monte_carlo(COMPILED, DATA, samples=20, seed=2, kendall_entities=100)
    assert (full.kendall_entities, sub.kendall_entities) == (300, 100)
    np.testing.assert_array_equal(full.per_sample.spearman, sub.per_sample.spearman)
    assert np.abs(full.per_sample.kendall - sub.per_sample.kendall).max() < 0.1


def test_to_dict_is_json() -> None:
    res = monte_carlo(COMPILED, subset(50), samples=10, seed=1, mode="judgments")
    out = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert out["samples"] + out["discarded"] == 10
    assert len(out["base_top_k"]) == 10
    assert set(out["cr"]) == set(res.perturbed_nodes)


# ----------------------------------------------------------------- flip points


def _flips() -> list[tuple[str, str, Any]]:
    res = flip_points(COMPILED, DATA, BASE.weights, top_k=10)
    out = []
    for p in res.points:
        for kind in ("top_k_up", "top_k_down", "grade_up", "grade_down"):
            f = getattr(p, kind)
            if f is not None:
                out.append((p.node, kind, f))
    return out


FLIPS = _flips()


def test_flip_points_exist_for_the_shipped_tree() -> None:
    kinds = {k for _, k, _ in FLIPS}
    assert kinds == {"top_k_up", "top_k_down", "grade_up", "grade_down"}


@pytest.mark.parametrize(("node", "kind", "flip"), FLIPS, ids=[f"{n}-{k}" for n, k, _ in FLIPS])
def test_at_the_flip_point_the_set_or_grade_changes_and_not_before(
    node: str, kind: str, flip: Any
) -> None:
    w = LOCAL[COMPILED.index[node]]
    # t is the OAT delta: u = w (1 + t) / (1 + t w)
    assert flip.weight == pytest.approx(w * (1 + flip.t) / (1 + flip.t * w), rel=1e-12)
    eps = 1e-7 * max(abs(flip.weight - w), 1e-3)
    step = eps if kind.endswith("up") else -eps

    def scored(u: float) -> Any:
        return score_entities(
            COMPILED, DATA, with_local_weights(COMPILED, BASE.weights, renormalised(node, u))
        )

    before, after = scored(flip.weight - step), scored(flip.weight + step)
    ids = list(DATA.entity_ids)
    if kind.startswith("top_k"):
        t0 = top_set(BASE.score, 10)
        assert top_set(before.score, 10) == t0
        t1 = top_set(after.score, 10)
        assert t1 != t0
        assert ids.index(flip.entity) in t1 - t0
        assert ids.index(flip.detail) in t0 - t1
    else:
        np.testing.assert_array_equal(before.grade, BASE.grade)
        changed = np.flatnonzero(after.grade != BASE.grade)
        assert [ids[i] for i in changed] == [flip.entity]
        e = changed[0]
        assert flip.detail == f"{TREE.grades[BASE.grade[e]].id}→{TREE.grades[after.grade[e]].id}"


def test_flip_t_is_the_oat_delta() -> None:
    node, _, flip = next(x for x in FLIPS if x[1] == "top_k_up")
    lo = perturb_one_at_a_time(COMPILED, DATA, BASE.weights, delta=flip.t * (1 - 1e-6))
    hi = perturb_one_at_a_time(COMPILED, DATA, BASE.weights, delta=flip.t * (1 + 1e-6))
    if flip.t <= 1.0:
        (a,) = (p for p in lo.perturbations if p.child == node and p.direction == 1)
        (b,) = (p for p in hi.perturbations if p.child == node and p.direction == 1)
        assert a.top_k_same and not b.top_k_same


def test_per_entity_grade_flip_points() -> None:
    res = flip_points(COMPILED, DATA, BASE.weights, node="logistics")
    assert res.nodes == ("logistics",)
    t_up = res.grade_t_up[:, 0]
    e = int(np.nanargmin(t_up))
    assert res.points[0].grade_up.entity == DATA.entity_ids[e]
    assert res.points[0].grade_up.t == pytest.approx(t_up[e])
    assert np.all((t_up > 0) | np.isnan(t_up))
    assert np.all((res.grade_t_down < 0) | np.isnan(res.grade_t_down))
    assert np.all(res.grade_t_down[~np.isnan(res.grade_t_down)] >= -1.0)


def test_flip_points_weighted_sum_and_errors() -> None:
    ws = flip_points(COMPILED, DATA, BASE.weights, method="weighted_sum", node="logistics")
    assert ws.grade_t_up is None and ws.points[0].grade_up is None
    f = ws.points[0].top_k_up or ws.points[0].top_k_down
    assert f is not None
    with pytest.raises(EvalsysError, match="linear"):
        flip_points(COMPILED, DATA, method="topsis")
    with pytest.raises(EvalsysError, match="unknown node"):
        flip_points(COMPILED, DATA, node="nope")
    with pytest.raises(EvalsysError, match="root"):
        flip_points(COMPILED, DATA, node="ecommerce_service")


# ----------------------------------------------------------------- method agreement


def test_method_agreement_matrices() -> None:
    res = method_agreement(COMPILED, DATA, BASE.weights)
    assert res.methods == (
        "fce:min_max",
        "fce:product_max",
        "fce:min_bounded_sum",
        "fce:weighted_average",
        "weighted_sum",
        "topsis",
        "grey",
    )
    for m in (res.spearman, res.kendall, res.top_k_overlap):
        np.testing.assert_allclose(m, m.T)
        np.testing.assert_allclose(np.diag(m), 1.0)
        assert np.all((m >= -1) & (m <= 1))
    wa = score_entities(COMPILED, DATA, BASE.weights).score
    ws = score_entities(COMPILED, DATA, BASE.weights, method="weighted_sum").score
    i, j = res.methods.index("fce:weighted_average"), res.methods.index("weighted_sum")
    assert res.spearman[i, j] == pytest.approx(spearmanr(wa, ws).statistic, abs=1e-12)
    assert res.kendall[i, j] == pytest.approx(kendalltau(wa, ws).statistic, abs=1e-12)
    assert res.spearman[i, j] > 0.95  # both are weighted means of the same leaves


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"samples": 0}, DataError, "samples must be an integer >= 1"),
        ({"samples": 2.5}, DataError, "samples"),
        ({"mode": "bogus"}, UnknownMethodError, "weights, judgments"),
        ({"concentration": 0.0}, DataError, "concentration"),
        ({"spread": -1.0}, DataError, "spread"),
        ({"top_k": 0}, DataError, "top_k"),
        ({"levels": (7,)}, DataError, "levels"),
        ({"method": "bogus"}, UnknownMethodError, "weighted_sum"),
        ({"operator": "bogus"}, UnknownMethodError, "min_max"),
    ],
)
def test_monte_carlo_rejects_bad_input(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        monte_carlo(COMPILED, subset(10), **kwargs)


@pytest.mark.parametrize("delta", [-0.1, 1.5, float("nan")])
def test_oat_rejects_bad_delta(delta: float) -> None:
    with pytest.raises(DataError, match="delta"):
        perturb_one_at_a_time(COMPILED, subset(10), delta=delta)


def test_all_inconsistent_judgments_are_an_error() -> None:
    with pytest.raises(DataError, match="discard_inconsistent"):
        monte_carlo(COMPILED, subset(10), mode="judgments", spread=8.0, samples=5, seed=0)
    kept = monte_carlo(
        COMPILED,
        subset(10),
        mode="judgments",
        spread=8.0,
        samples=5,
        seed=0,
        discard_inconsistent=False,
    )
    assert (kept.samples, kept.discarded) == (5, 0)


# ----------------------------------------------------------------- command line


def _local_app() -> Any:
    import typer

    from evalsys.cli.sensitivity import sensitivity_cmd

    app = typer.Typer()
    app.command("sensitivity")(sensitivity_cmd)
    app.command("noop")(lambda: None)
    return app


def test_command_writes_per_entity_stability(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    src = tmp_path / "merchants.csv"
    from evalsys.model.tables import write_table

    write_table(table_from_columns({k: np.asarray(v)[:80] for k, v in COLS.items()}), src)
    out = tmp_path / "stability.csv"
    r = CliRunner().invoke(
        _local_app(),
        [
            "sensitivity",
            "ecommerce_service",
            str(src),
            "--mode",
            "weights",
            "--samples",
            "40",
            "--seed",
            "3",
            "-o",
            str(out),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["samples"] == 40 and summary["output"] == str(out)
    t = read_table(out)
    assert t.num_rows == 80
    cols = set(t.column_names)
    assert {"entity_id", "p_keep_rank", "p_rank_within_5", "p_top_10", "p_keep_grade"} <= cols
    p = np.asarray(t.column("p_keep_grade").to_numpy())
    assert np.all((p >= 0) & (p <= 1))
    res = monte_carlo(COMPILED, indicator_data(COMPILED, read_table(src)), samples=40, seed=3)
    np.testing.assert_allclose(p, res.entities.p_keep_grade)

    oat = tmp_path / "oat.parquet"
    r = CliRunner().invoke(
        _local_app(),
        ["sensitivity", "ecommerce_service", str(src), "-o", str(oat), "--agreement"],
    )
    assert r.exit_code == 0, r.output
    assert "One-at-a-time" in r.output and "Flip points" in r.output
    assert "Method agreement: Kendall" in r.output and "TOPSIS" in r.output
    assert "grade_flip_up.logistics" in read_table(oat).column_names
    r = CliRunner().invoke(
        _local_app(),
        ["sensitivity", "ecommerce_service", str(src), "--samples", "0", "--mode", "weights"],
    )
    assert r.exit_code != 0 and "samples must be an integer >= 1" in str(r.exception)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", *args], capture_output=True, text=True, check=False
    )


def test_cli_sensitivity_end_to_end(tmp_path: Path) -> None:
    from evalsys.model.io import shipped_path

    sample = str(shipped_path("samples", "ecommerce_merchants.csv"))
    out = tmp_path / "mc.csv"
    proc = run(
        "sensitivity",
        "ecommerce_service",
        sample,
        "--mode",
        "judgments",
        "--samples",
        "30",
        "--seed",
        "1",
        "--json",
        "-o",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["mode"] == "judgments"
    assert summary["samples"] + summary["discarded"] == 30
    assert read_table(out).num_rows == 500
    bad = run("sensitivity", "ecommerce_service", sample, "--mode", "bogus")
    assert bad.returncode == 1 and bad.stderr.startswith("error: unknown mode 'bogus'")
    assert "Traceback" not in bad.stderr
