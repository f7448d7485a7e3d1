"""Standards profiles, compliance, improvement targets and peer benchmarking.

Hand checks recompute pass/fail, gaps, compliance shares and percentiles directly from the
raw columns of the shipped 500-merchant sample (or of generate_sample data) and compare
them with the engine.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalsys as es
from evalsys.analysis.benchmark import (
    SEVERITIES,
    ComplianceResult,
    StandardsProfile,
    StandardsWarning,
    check_profile,
    check_standards,
    improvement_targets,
    load_standards,
    peer_percentiles,
    standards_from_dict,
)
from evalsys.analysis.benchmark.targets import _lift_standard
from evalsys.errors import DataError, TreeSpecError, UnknownMethodError, ValidityWarning
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.model.io import shipped_path
from evalsys.model.sample import generate_sample
from evalsys.model.tables import read_table, table_from_columns, write_table
from evalsys.scoring.grading import percentiles
from evalsys.scoring.result import ScoreResult

SAMPLE = shipped_path("samples", "ecommerce_merchants.csv")
PROFILE = shipped_path("standards", "ecommerce_documents.yaml")


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def compiled() -> CompiledTree:
    return es.compile_tree(es.load_tree("ecommerce_service"))


@pytest.fixture(scope="module")
def profile(compiled: CompiledTree) -> StandardsProfile:
    return load_standards("ecommerce_documents", compiled)


@pytest.fixture(scope="module")
def data(compiled: CompiledTree) -> IndicatorData:
    return es.indicator_data(compiled, read_table(SAMPLE))


@pytest.fixture(scope="module")
def raw() -> dict[str, np.ndarray[Any, Any]]:
    t = read_table(SAMPLE)
    return {c: np.asarray(t.column(c).to_numpy(zero_copy_only=False)) for c in t.column_names}


@pytest.fixture(scope="module")
def compliance(
    compiled: CompiledTree, data: IndicatorData, profile: StandardsProfile
) -> ComplianceResult:
    return check_standards(compiled, data, profile)


@pytest.fixture(scope="module")
def scored(compiled: CompiledTree, data: IndicatorData) -> ScoreResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)
        return es.score_entities(compiled, data)


def _col(res: ComplianceResult, indicator: str) -> int:
    return res.indicator_ids.index(indicator)


def _profile(*entries: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"id": "p", "version": "1", "source": "test", "standards": list(entries), **top}


def _write(tmp_path: Path, text: str, name: str = "std.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------ shipped profile


def test_shipped_profile_carries_the_document_figures(
    profile: StandardsProfile, compiled: CompiledTree
) -> None:
    """Every document standard of the tree (seed 001) is in the profile, same provenance."""
    assert profile.id == "ecommerce_documents" and profile.version == "1.0"
    assert profile.tree == "ecommerce_service"
    by_key = {
        (e.indicator, e.op, e.value, e.unit): e for e in profile.standards if not e.illustrative
    }
    doc = [
        (leaf.id, s)
        for leaf in compiled.spec.leaves()
        for s in leaf.standards
        if not s.illustrative
    ]
    assert len(doc) == 8
    for leaf_id, s in doc:
        entry = by_key[(leaf_id, s.op, s.value, s.unit)]
        assert entry.source == s.source, leaf_id
    figures = {(e.indicator, e.describe()) for e in profile.standards if not e.illustrative}
    assert figures == {
        ("complaint_handling_time", "<= 5 working_day"),
        ("order_processing_time", "<= 30 min"),
        ("after_sales_response_time", "<= 24 h"),
        ("after_sales_response_time", "<= 48 h"),
        ("return_review_time", "<= 24 h"),
        ("return_handling_time", "<= 5 working_day"),
        ("refund_review_time", "<= 24 h"),
        ("support_availability", ">= 24 h/day"),
    }
    # every other figure is labelled illustrative and carries a source
    others = [e for e in profile.standards if e.illustrative]
    assert len(others) == 6
    assert all(e.source and "illustrative" in e.source for e in others)
    # 3-5 working days is an upper limit, never `between`
    assert not any(e.op == "between" for e in profile.standards)
    # segment-specific variants (差异化的服务标准)
    variants = {(e.indicator, e.describe_selector(), e.value) for e in profile.standards}
    assert ("after_sales_response_time", "segment=electronics", 12.0) in variants
    assert ("refund_review_time", "tier=large", 12.0) in variants


def test_load_by_path_equals_by_name(profile: StandardsProfile) -> None:
    assert load_standards(PROFILE) == profile
    assert profile.selector_columns() == ("segment", "tier", "case")


# ------------------------------------------------------------ bad profiles


def test_unknown_indicator_names_it_with_line_and_suggestions(tmp_path: Path) -> None:
    text = PROFILE.read_text(encoding="utf-8").replace(
        "indicator: order_processing_time", "indicator: order_procesing_time"
    )
    path = _write(tmp_path, text)
    line = 1 + text.splitlines().index("  - indicator: order_procesing_time")
    with pytest.raises(TreeSpecError) as exc:
        load_standards(path, es.load_tree("ecommerce_service"))
    msg = str(exc.value)
    assert msg.startswith(f"{path}:{line}: node 'order_procesing_time': unknown indicator")
    assert "did you mean order_processing_time" in msg
    assert "31 indicators" in msg and "tech_satisfaction" in msg
    # without a tree the profile alone is valid
    assert load_standards(path).standards[2].indicator == "order_procesing_time"


def test_unit_mismatch_hours_vs_working_days(tmp_path: Path) -> None:
    text = PROFILE.read_text(encoding="utf-8")
    old = (
        '    value: 5\n    unit: working_day\n    source: "seed 001, 第四部分 售后服务评价标准: 「'
    )
    old += "從"
    assert old in text
    text = text.replace(
        old, old.replace("value: 5\n    unit: working_day", "value: 120\n    unit: h")
    )
    path = _write(tmp_path, text)
    with pytest.raises(TreeSpecError) as exc:
        load_standards(path, es.load_tree("ecommerce_service"))
    msg = str(exc.value)
    line = 1 + text.splitlines().index(
        "    unit: h", text.splitlines().index("  - indicator: return_handling_time")
    )
    assert f"{path}:{line}:" in msg
    assert "'h'" in msg and "'working_day'" in msg and "return_handling_time" in msg
    assert "working calendar" in msg


def test_unit_mismatch_minutes_gives_conversion_hint(compiled: CompiledTree) -> None:
    d = _profile({"indicator": "order_processing_time", "op": "<=", "value": 0.5, "unit": "h"})
    with pytest.raises(TreeSpecError, match=r"'h'.*'min'.*1 h = 60 min"):
        standards_from_dict(d, tree=compiled)


def test_conflicting_and_duplicate_entries(compiled: CompiledTree) -> None:
    a = {"indicator": "order_processing_time", "op": "<=", "value": 30, "unit": "min"}
    b = {**a, "value": 20}
    with pytest.raises(
        TreeSpecError,
        match=r"entry #2 \(<= 20 min for all\) conflicts with "
        r"entry #1 \(<= 30 min\)",
    ):
        standards_from_dict(_profile(a, b))
    with pytest.raises(TreeSpecError, match="duplicates entry #1"):
        standards_from_dict(_profile(a, dict(a)))
    # a segment variant, and an upper plus a lower limit, are not conflicts
    seg = {**b, "applies_to": {"segment": "food"}}
    low = {**a, "op": ">=", "value": 1}
    p = standards_from_dict(_profile(a, seg, low), tree=compiled)
    assert len(p.standards) == 3


def test_selector_checked_against_declared_segments() -> None:
    a = {
        "indicator": "order_processing_time",
        "op": "<=",
        "value": 30,
        "unit": "min",
        "applies_to": {"segment": "electronic"},
    }
    decl = {"segment": ["electronics", "food"]}
    with pytest.raises(TreeSpecError, match="did you mean 'electronics'"):
        standards_from_dict(_profile(a, segments=decl))
    with pytest.raises(TreeSpecError, match="selector column 'segmnet' is not declared"):
        standards_from_dict(_profile({**a, "applies_to": {"segmnet": "food"}}, segments=decl))


@pytest.mark.parametrize(
    ("entry", "pattern"),
    [
        ({"op": "between", "value": 5}, "between' needs value"),
        ({"op": "<=", "value": [3, 5]}, "needs a single number"),
        ({"op": "~", "value": 5}, "standards.0.op"),
        ({"op": "<=", "value": 5, "colour": "red"}, "unknown field 'colour'"),
        ({"op": "<=", "value": 0}, "limit 0 with relative severity"),
        ({"op": "<=", "value": 5, "applies_to": {}}, "empty selector"),
    ],
)
def test_bad_entries(entry: dict[str, Any], pattern: str) -> None:
    e = {"indicator": "damage_rate", "unit": "%", **entry}
    with pytest.raises(TreeSpecError, match=pattern):
        standards_from_dict(_profile(e))


def test_tree_level_problems(compiled: CompiledTree) -> None:
    dim = {"indicator": "logistics", "op": "<=", "value": 5, "unit": "%"}
    with pytest.raises(TreeSpecError, match="'logistics' is a dimension"):
        standards_from_dict(_profile(dim), tree=compiled)
    never = {"indicator": "support_availability", "op": ">", "value": 24, "unit": "h/day"}
    with pytest.raises(TreeSpecError, match=r"can never be met.*\[0, 24\] h/day"):
        standards_from_dict(_profile(never), tree=compiled)
    other = _profile(
        {"indicator": "damage_rate", "op": "<=", "value": 1, "unit": "%"},
        tree="customer_service_agent",
    )
    with pytest.raises(TreeSpecError, match="written for tree 'customer_service_agent'"):
        standards_from_dict(other, tree=compiled)
    rating = {"indicator": "service_attitude", "op": ">=", "value": 4, "unit": "points"}
    with pytest.raises(TreeSpecError, match="measured in 'rating'"):
        check_profile(standards_from_dict(_profile(rating)), compiled)


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(TreeSpecError, match="file is empty"):
        load_standards(_write(tmp_path, "  \n"))
    with pytest.raises(TreeSpecError, match=r"std.yaml:2: malformed YAML"):
        load_standards(_write(tmp_path, "id: x\n  bad: [\n"))
    with pytest.raises(TreeSpecError, match="must be a mapping"):
        load_standards(_write(tmp_path, "- 1\n- 2\n"))
    with pytest.raises(TreeSpecError, match="missing required field 'version'"):
        load_standards(_write(tmp_path, "id: x\nsource: s\nstandards: []\n"))
    with pytest.raises(TreeSpecError, match="not a shipped standards profile"):
        load_standards("no_such_profile")
    # a key given twice is an error, as in tree files (the last would win silently)
    with pytest.raises(TreeSpecError, match=r"std.yaml:2: duplicate key 'id' \(first on line 1\)"):
        load_standards(_write(tmp_path, "id: x\nid: y\nversion: '1'\nsource: s\nstandards: []\n"))
    p = tmp_path / "std.json"
    p.write_text(
        json.dumps(_profile({"indicator": "damage_rate", "op": "<=", "value": 1, "unit": "%"})),
        encoding="utf-8",
    )
    assert load_standards(p).standards[0].describe() == "<= 1 %"


# -------------------------------------------------------------- compliance


def test_order_processing_compliance_equals_raw_share(
    compliance: ComplianceResult, raw: dict[str, np.ndarray[Any, Any]]
) -> None:
    """Seed 001: 訂單處理時間應控制在30分鐘以內 → share of merchants with x <= 30."""
    i = _col(compliance, "order_processing_time")
    x = raw["order_processing_time"].astype(float)
    assert compliance.compliance[i] == pytest.approx(np.mean(x <= 30))
    assert compliance.compliance[i] == pytest.approx(0.656)
    assert compliance.n_assessed[i] == 500
    np.testing.assert_allclose(compliance.gap[:, i], x - 30)
    np.testing.assert_array_equal(compliance.passed[:, i], x <= 30)
    # hand-checked rows: M0000001 27.2 min passes with 2.8 min to spare; M0000002 37.7 fails
    assert compliance.entity_ids[0] == "M0000001"
    assert compliance.passed[0, i] and compliance.gap[0, i] == pytest.approx(-2.8)
    assert not compliance.passed[1, i]
    assert compliance.gap[1, i] == pytest.approx(7.7)
    assert compliance.relative_gap[1, i] == pytest.approx(7.7 / 30)
    assert SEVERITIES[compliance.severity[1, i]] == "major"  # 25.7 % beyond the limit
    rel = (x - 30) / 30
    expected = np.where(x <= 30, 0, np.where(rel <= 0.1, 1, np.where(rel <= 0.5, 2, 3)))
    np.testing.assert_array_equal(compliance.severity[:, i], expected)


def test_segment_standard_replaces_the_general_one(
    compliance: ComplianceResult, raw: dict[str, np.ndarray[Any, Any]], profile: StandardsProfile
) -> None:
    """Electronics: after-sales <= 12 h (illustrative); everyone else <= 24 h (seed 001)."""
    i = _col(compliance, "after_sales_response_time")
    x = raw["after_sales_response_time"].astype(float)
    elec = raw["segment"] == "electronics"
    limit = np.where(elec, 12.0, 24.0)
    np.testing.assert_array_equal(compliance.limit[:, i], limit)
    np.testing.assert_array_equal(compliance.passed[:, i], x <= limit)
    assert compliance.compliance[i] == pytest.approx(np.mean(x <= limit))
    entries = {profile.standards[k].describe_selector() for k in compliance.entry[:, i]}
    assert entries == {"all", "segment=electronics"}
    # large tier: refund review <= 12 h
    j = _col(compliance, "refund_review_time")
    y = raw["refund_review_time"].astype(float)
    lim = np.where(raw["tier"] == "large", 12.0, 24.0)
    assert compliance.compliance[j] == pytest.approx(np.mean(y <= lim))
    # food only: delivery time; the others are not assessed
    k = _col(compliance, "delivery_time")
    food = raw["segment"] == "food"
    np.testing.assert_array_equal(compliance.assessed[:, k], food)
    assert compliance.n_assessed[k] == food.sum() == 103
    assert compliance.compliance[k] == pytest.approx(
        np.mean(raw["delivery_time"][food].astype(float) <= 48)
    )
    assert np.isnan(compliance.gap[~food, k]).all()
    assert (compliance.severity[~food, k] == -1).all()


def test_lower_limit_gap_and_case_column_not_applied(
    compliance: ComplianceResult, raw: dict[str, np.ndarray[Any, Any]]
) -> None:
    i = _col(compliance, "support_availability")
    x = raw["support_availability"].astype(float)
    np.testing.assert_allclose(compliance.gap[:, i], 24 - x)
    assert compliance.compliance[i] == pytest.approx(np.mean(x >= 24))
    # the complex-case entry needs a `case` column: recorded, no warning
    assert [(u.entry, u.empty_segment) for u in compliance.unused] == [(5, False)]
    assert "no column 'case'" in compliance.unused[0].reason


def test_case_column_selects_the_complex_limit(
    compiled: CompiledTree, profile: StandardsProfile
) -> None:
    cols = generate_sample(compiled.spec, 40, seed=7)
    cols["case"] = np.array(["complex", "ordinary"] * 20)
    cols["segment"] = np.array(["home"] * 40)
    cols["after_sales_response_time"] = np.linspace(10, 60, 40)
    d = es.indicator_data(
        compiled, table_from_columns(cols), passthrough=profile.selector_columns()
    )
    with pytest.warns(StandardsWarning, match="2 standard"):
        res = check_standards(compiled, d, profile)  # no food, no electronics merchant here
    i = _col(res, "after_sales_response_time")
    x = cols["after_sales_response_time"]
    lim = np.where(cols["case"] == "complex", 48.0, 24.0)
    np.testing.assert_array_equal(res.limit[:, i], lim)
    np.testing.assert_array_equal(res.passed[:, i], x <= lim)
    assert [(u.indicator, u.selector) for u in res.unused] == [
        ("delivery_time", "segment=food"),
        ("after_sales_response_time", "segment=electronics"),
    ]


def test_empty_segment_policies(compiled: CompiledTree, data: IndicatorData) -> None:
    toys = {
        "indicator": "order_processing_time",
        "op": "<=",
        "value": 10,
        "unit": "min",
        "applies_to": {"segment": "toys"},
    }
    gen = {"indicator": "order_processing_time", "op": "<=", "value": 30, "unit": "min"}
    p = standards_from_dict(_profile(gen, toys), tree=compiled)
    with pytest.warns(StandardsWarning, match=r"entry #2 .*segment = 'toys' \(empty segment\)"):
        res = check_standards(compiled, data, p)
    assert [u.entry for u in res.unused] == [1] and res.unused[0].empty_segment
    assert res.compliance[0] == pytest.approx(0.656)  # the general standard still applies
    with pytest.raises(DataError, match=r"apply to no entity.*toys"):
        check_standards(compiled, data, p, empty_segment="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res2 = check_standards(compiled, data, p, empty_segment="ignore")
    assert res2.unused == res.unused
    with pytest.raises(UnknownMethodError, match="valid names: warn, error, ignore"):
        check_standards(compiled, data, p, empty_segment="loud")  # type: ignore[arg-type]


def test_unknown_indicator_rejected_by_the_engine(
    compiled: CompiledTree, data: IndicatorData
) -> None:
    p = standards_from_dict(_profile({"indicator": "nps", "op": ">=", "value": 1, "unit": "%"}))
    with pytest.raises(TreeSpecError, match="unknown indicator 'nps'"):
        check_standards(compiled, data, p)


def test_equally_specific_standards_must_all_be_met(compiled: CompiledTree) -> None:
    cols = generate_sample(compiled.spec, 4, seed=1)
    cols["segment"] = np.array(["electronics", "electronics", "food", "food"])
    cols["tier"] = np.array(["large", "small", "large", "small"])
    cols["after_sales_response_time"] = np.array([10.0, 10.0, 10.0, 10.0])
    d = es.indicator_data(compiled, table_from_columns(cols))
    base = {"indicator": "after_sales_response_time", "op": "<=", "unit": "h"}
    p = standards_from_dict(
        _profile(
            {**base, "value": 24},
            {**base, "value": 12, "applies_to": {"segment": "electronics"}},
            {**base, "value": 8, "applies_to": {"tier": "large"}},
            {**base, "value": 9, "applies_to": {"segment": "food", "tier": "large"}},
        ),
        tree=compiled,
    )
    res = check_standards(compiled, d, p)
    # electronics+large: both 12 and 8 apply, the failed 8 binds; electronics+small: 12;
    # food+large: the two-key selector is most specific (9); food+small: the general 24
    np.testing.assert_array_equal(res.limit[:, 0], [8, 12, 9, 24])
    np.testing.assert_array_equal(res.passed[:, 0], [False, True, False, True])
    np.testing.assert_array_equal(res.entry[:, 0], [2, 1, 3, 0])
    np.testing.assert_allclose(res.gap[:, 0], [2, -2, 1, -14])


def test_between_strict_ops_and_absolute_bands(compiled: CompiledTree) -> None:
    cols = generate_sample(compiled.spec, 5, seed=2)
    cols["complaint_handling_time"] = np.array([1.0, 3.0, 4.0, 5.0, 8.0])
    cols["dispute_rate"] = np.array([0.0, 0.2, 0.5, 0.6, 2.0])
    d = es.indicator_data(compiled, table_from_columns(cols))
    p = standards_from_dict(
        _profile(
            {
                "indicator": "complaint_handling_time",
                "op": "between",
                "value": [3, 5],
                "unit": "working_day",
            },
            {
                "indicator": "dispute_rate",
                "op": "<",
                "value": 0.5,
                "unit": "%",
                "severity": {"basis": "absolute", "minor": 0.2, "major": 1.0},
            },
        ),
        tree=compiled,
    )
    res = check_standards(compiled, d, p)
    i, j = _col(res, "complaint_handling_time"), _col(res, "dispute_rate")
    # between [3, 5]: distance outside the band, margin (negative) to the nearer bound inside
    np.testing.assert_allclose(res.gap[:, i], [2, 0, -1, 0, 3])
    np.testing.assert_array_equal(res.limit[:, i], [3, 3, 3, 5, 5])
    np.testing.assert_array_equal(res.passed[:, i], [False, True, True, True, False])
    np.testing.assert_allclose(res.relative_gap[:, i], [2 / 3, 0, -1 / 3, 0, 3 / 5])
    assert [SEVERITIES[s] for s in res.severity[:, i]] == ["critical", "ok", "ok", "ok", "critical"]
    # strict `<` fails at the limit with gap 0 (minor); absolute bands in % points
    np.testing.assert_array_equal(res.passed[:, j], [True, True, False, False, False])
    assert [SEVERITIES[s] for s in res.severity[:, j]] == ["ok", "ok", "minor", "minor", "critical"]


def test_missing_values_are_not_assessed(compiled: CompiledTree) -> None:
    cols = generate_sample(compiled.spec, 6, seed=3)
    x = cols["order_processing_time"].astype(float)
    x[[1, 4]] = np.nan
    cols["order_processing_time"] = x
    d = es.indicator_data(compiled, table_from_columns(cols), missing="renormalize")
    p = standards_from_dict(
        _profile({"indicator": "order_processing_time", "op": "<=", "value": 30, "unit": "min"})
    )
    res = check_standards(compiled, d, p)
    assert res.n_assessed[0] == 4
    np.testing.assert_array_equal(res.assessed[:, 0], ~np.isnan(x))
    ok = x[~np.isnan(x)] <= 30
    assert res.compliance[0] == pytest.approx(ok.mean())
    assert (res.severity[[1, 4], 0] == -1).all() and (res.entry[[1, 4], 0] == -1).all()


def test_compliance_by_segment_and_entity_summaries(
    compliance: ComplianceResult, raw: dict[str, np.ndarray[Any, Any]]
) -> None:
    seg = compliance.compliance_by("segment")
    assert seg.labels == ("apparel", "beauty", "electronics", "food", "home")
    np.testing.assert_array_equal(seg.size, [96, 112, 105, 103, 84])
    i = _col(compliance, "order_processing_time")
    x = raw["order_processing_time"].astype(float)
    for s, lab in enumerate(seg.labels):
        mine = raw["segment"] == lab
        assert seg.share[s, i] == pytest.approx(np.mean(x[mine] <= 30))
    # entity fully compliant <=> passes every assessed standard
    fails = (compliance.assessed & ~compliance.passed).sum(axis=1)
    np.testing.assert_array_equal(compliance.entity_compliant, fails == 0)
    assert compliance.share_fully_compliant == pytest.approx(np.mean(fails == 0))
    assert compliance.overall_compliance == pytest.approx(
        compliance.passed.sum() / compliance.assessed.sum()
    )
    worst = compliance.worst_entities(3)
    assert fails[worst[0]] == fails.max()
    with pytest.raises(DataError, match="no segment column 'region'"):
        compliance.compliance_by("region")
    summ = compliance.summary(top=2)
    json.dumps(summ, allow_nan=False)
    row = next(r for r in summ["indicators"] if r["indicator"] == "order_processing_time")
    assert row["failed"] == int((x > 30).sum()) == 172
    assert row["worst_gap"] == pytest.approx(x.max() - 30)
    assert sum(row["severity"].values()) == 500


def test_detail_table_written_and_read_back(compliance: ComplianceResult, tmp_path: Path) -> None:
    out = write_table(table_from_columns(compliance.to_columns()), tmp_path / "details.csv")
    back = read_table(out)
    assert back.num_rows == int(compliance.assessed.sum())
    rows = back.filter(
        back.column("indicator").to_numpy(zero_copy_only=False) == "order_processing_time"
    ).to_pylist()
    first = rows[0]
    assert first["entity_id"] == "M0000001" and first["limit"] == 30
    assert first["passed"] is True and first["severity"] == "ok"
    assert first["source"].startswith("seed 001") and first["illustrative"] is False


# ---------------------------------------------------------- improvement targets


def test_gain_is_weight_times_distance_to_best_grade(
    scored: ScoreResult, compiled: CompiledTree, data: IndicatorData
) -> None:
    t = improvement_targets(scored, compiled, data, k=3)
    leaf_w = scored.weights.global_weights[compiled.leaf_nodes]
    expected = leaf_w * (compiled.grade_scores[0] - scored.leaf_score)
    np.testing.assert_allclose(t.gain, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(t.weight, np.broadcast_to(leaf_w, t.weight.shape))
    # top-k are the k largest gains, in decreasing order
    order = np.argsort(-expected, axis=1, kind="stable")[:, :3]
    np.testing.assert_array_equal(t.top, order)
    assert (np.diff(t.top_gain, axis=1) <= 0).all()
    np.testing.assert_array_equal(t.grade, scored.grade)
    # an entity in the best grade has no next grade and no lift
    best = scored.grade == 0
    assert best.any() and (t.best_leaf[best] == -1).all() and not t.lifts[best].any()


def test_grade_lift_targets_are_exact_boundaries(
    scored: ScoreResult, compiled: CompiledTree, data: IndicatorData
) -> None:
    """Rescoring with the target value (± a hair) confirms the smallest lifting change."""
    t = improvement_targets(scored, compiled, data, k=3)
    rows = np.flatnonzero(t.best_leaf >= 0)
    assert rows.size == 102
    cols = t.best_leaf[rows]
    target = t.target_value[rows, cols]
    change = t.change[rows, cols]
    assert np.isfinite(target).all()
    np.testing.assert_allclose(change, target - data.values[rows, cols])
    assert ((t.effort[rows, cols] > 0) & (t.effort[rows, cols] <= 1)).all()

    def rescore(values: np.ndarray[Any, Any]) -> ScoreResult:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ValidityWarning)
            return es.score_entities(compiled, replace(data, values=values), weights=scored.weights)

    beyond = np.array(data.values)
    beyond[rows, cols] = target + 1e-6 * np.sign(change)
    r1 = rescore(beyond)
    np.testing.assert_array_equal(r1.grade[rows], t.reached_grade[rows, cols])
    assert (r1.grade[rows] < scored.grade[rows]).all()
    short = np.array(data.values)
    short[rows, cols] = target - 1e-3 * np.sign(change)
    r2 = rescore(short)
    np.testing.assert_array_equal(r2.grade[rows], scored.grade[rows])


def test_entity_report_and_tables(
    scored: ScoreResult, compiled: CompiledTree, data: IndicatorData
) -> None:
    t = improvement_targets(scored, compiled, data, k=2)
    e = int(np.flatnonzero(t.best_leaf >= 0)[0])
    rep = t.entity_report(str(t.entity_ids[e]))
    json.dumps(rep, allow_nan=False)
    lift = rep["grade_lift"]
    j = int(t.best_leaf[e])
    assert lift["indicator"] == t.leaf_ids[j]
    assert lift["target_value"] == pytest.approx(t.target_value[e, j])
    assert rep["next_grade"] == t.grade_ids[int(t.grade[e]) - 1]
    assert [r["indicator"] for r in rep["targets"]] == [t.leaf_ids[x] for x in t.top[e]]
    cols = t.to_columns()
    assert cols["lift_indicator"][e] == t.leaf_ids[j]
    assert cols["target1"][e] == t.leaf_ids[t.top[e, 0]]
    summ = t.summary()
    assert summ["entities_with_single_indicator_lift"] == int((t.best_leaf >= 0).sum())
    assert sum(r["in_top_k"] for r in summ["indicators"]) == int((t.top >= 0).sum())
    with pytest.raises(DataError, match="no entity 'M000001' in the data; did you mean"):
        t.entity_report("M000001")


def test_targets_need_linear_fce(compiled: CompiledTree, data: IndicatorData) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)
        mm = es.score_entities(compiled, data, operator="min_max")
        top = es.score_entities(compiled, data, method="topsis")
        ok = es.score_entities(compiled, data)
    with pytest.raises(UnknownMethodError, match=r"weighted_average.*got fce with operator"):
        improvement_targets(mm, compiled, data)
    with pytest.raises(UnknownMethodError, match="got topsis"):
        improvement_targets(top, compiled, data)
    with pytest.raises(DataError, match="k must be at least 1"):
        improvement_targets(ok, compiled, data, k=0)
    other = es.indicator_data(
        compiled, table_from_columns(generate_sample(compiled.spec, 500, seed=99))
    )
    with pytest.raises(DataError, match="do not match these data"):
        improvement_targets(ok, compiled, other)


def test_targets_with_missing_values_renormalise_weights(compiled: CompiledTree) -> None:
    cols = generate_sample(compiled.spec, 60, seed=5)
    x = cols["on_time_rate"].astype(float)
    x[::4] = np.nan
    cols["on_time_rate"] = x
    d = es.indicator_data(compiled, table_from_columns(cols), missing="renormalize")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)
        res = es.score_entities(compiled, d)
    t = improvement_targets(res, compiled, d, k=40)  # more than the 31 leaves
    np.testing.assert_allclose(t.weight.sum(axis=1), 1.0)
    j = compiled.leaf_ids.index("on_time_rate")
    assert np.isnan(t.gain[::4, j]).all() and (t.weight[::4, j] == 0).all()
    assert not t.lifts[::4, j].any()
    # siblings of the missing leaf carry its weight: score = Σ W · leaf_score exactly
    np.testing.assert_allclose(np.nansum(t.weight * res.leaf_score, axis=1), res.score, rtol=1e-10)
    assert t.top.shape == (60, 40) and (t.top[:, 31:] == -1).all()


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.floats(min_value=0.02, max_value=0.6),
)
def test_lift_solver_matches_a_brute_force_scan(seed: int, w: float) -> None:
    """The first value on a fine grid where the grade improves is the solver's boundary."""
    from evalsys.scoring.membership import standard_membership

    rng = np.random.default_rng(seed)
    G = 4
    q = np.cumsum(rng.uniform(0.5, 3.0, G))[None, :]  # increasing: a cost indicator
    brest = rng.dirichlet(np.ones(G)) * (1 - w)
    v0 = float(q[0, -1] + rng.uniform(-0.5, 1.0) * (q[0, -1] - q[0, 0]))
    mu0 = standard_membership(np.array([[v0]]), q)[0, 0]
    B0 = brest + w * mu0
    c = int(np.argmax(B0))
    v_star, reached = _lift_standard(
        brest[None, :], np.array([w]), np.array([v0]), q, np.array([c])
    )
    grid = np.linspace(v0, q[0, 0] - 1.0, 20001)
    R = standard_membership(grid[:, None], q)[:, 0]
    grades = np.argmax(brest[None, :] + w * R, axis=1)
    better = np.flatnonzero(grades < c)
    if better.size == 0:
        assert v_star[0] == -np.inf and reached[0] == -1
    else:
        step = grid[0] - grid[1]
        assert grid[better[0]] <= v_star[0] + 1e-9
        assert v_star[0] - grid[better[0]] <= step + 1e-9
        assert reached[0] < c


# --------------------------------------------------------------- peer benchmarking


def test_percentiles_within_segments(
    scored: ScoreResult,
    compiled: CompiledTree,
    data: IndicatorData,
    raw: dict[str, np.ndarray[Any, Any]],
) -> None:
    pb = peer_percentiles(scored, compiled, data)
    assert pb.segments == ("apparel", "beauty", "electronics", "food", "home")
    j = compiled.leaf_ids.index("order_processing_time")  # a cost: lower is better
    k = compiled.leaf_ids.index("on_time_rate")  # a benefit
    for lab in pb.segments:
        mine = raw["segment"] == lab
        np.testing.assert_allclose(pb.score_percentile[mine], percentiles(scored.score[mine]))
        np.testing.assert_allclose(
            pb.leaf_percentile[mine, j], percentiles(-raw["order_processing_time"][mine])
        )
        np.testing.assert_allclose(
            pb.leaf_percentile[mine, k], percentiles(raw["on_time_rate"][mine].astype(float))
        )
        np.testing.assert_allclose(
            pb.dimension_percentile[mine, 1], percentiles(scored.dimension_score[mine, 1])
        )
    # the fastest order processor of a segment is at the 100th percentile
    elec = np.flatnonzero(raw["segment"] == "electronics")
    fastest = elec[np.argmin(raw["order_processing_time"][elec])]
    assert pb.leaf_percentile[fastest, j] == 100.0


def test_top_decile_profile(
    scored: ScoreResult,
    compiled: CompiledTree,
    data: IndicatorData,
    raw: dict[str, np.ndarray[Any, Any]],
) -> None:
    pb = peer_percentiles(scored, compiled, data, top_share=0.1)
    np.testing.assert_array_equal(pb.top_n, [10, 12, 11, 11, 9])  # ceil(0.1 n)
    j = compiled.leaf_ids.index("order_processing_time")
    s = pb.segments.index("food")
    food = np.flatnonzero(raw["segment"] == "food")
    top = food[np.argsort(-scored.score[food], kind="stable")[:11]]
    np.testing.assert_array_equal(
        np.sort(np.flatnonzero(pb.in_top & (raw["segment"] == "food"))), np.sort(top)
    )
    x = raw["order_processing_time"].astype(float)
    assert pb.top_median[s, j] == pytest.approx(np.median(x[top]))
    assert pb.top_mean[s, j] == pytest.approx(np.mean(x[top]))
    assert pb.segment_median[s, j] == pytest.approx(np.median(x[food]))
    # the top decile is better than the segment median on a cost indicator
    assert pb.top_median[s, j] < pb.segment_median[s, j]
    gap = pb.gap_to_top()
    np.testing.assert_allclose(gap[food, j], x[food] - np.median(x[top]))
    cols = pb.profile_columns()
    assert len(cols["indicator"]) == 5 * 31
    per = pb.to_columns()
    assert per["pct.score"].shape == (500,)


def test_peers_all_entities_and_bad_input(
    scored: ScoreResult, compiled: CompiledTree, data: IndicatorData
) -> None:
    pb = peer_percentiles(scored, compiled, data, by=None)
    np.testing.assert_allclose(pb.score_percentile, scored.percentile)
    assert pb.segments == ("all",) and pb.top_n.tolist() == [50]
    with pytest.raises(DataError, match=r"no segment column 'region'.*segment, tier"):
        peer_percentiles(scored, compiled, data, by="region")
    with pytest.raises(DataError, match="top_share"):
        peer_percentiles(scored, compiled, data, top_share=0.0)


# ------------------------------------------------------------------------- CLI


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", *args], capture_output=True, text=True, check=False
    )


def test_cli_benchmark_json_and_details(tmp_path: Path) -> None:
    out = tmp_path / "details.parquet"
    proc = run(
        "benchmark",
        "ecommerce_service",
        str(SAMPLE),
        "--standard",
        "ecommerce_documents",
        "-o",
        str(out),
        "--json",
        "--top",
        "2",
    )
    assert proc.returncode == 0, proc.stderr
    summ = json.loads(proc.stdout)
    row = next(r for r in summ["indicators"] if r["indicator"] == "order_processing_time")
    assert row["compliance"] == pytest.approx(0.656) and row["assessed"] == 500
    assert summ["unused"][0]["applies_to"] == "case=complex"
    assert len(summ["worst_entities"]) == 2 and summ["warnings"] == []
    assert read_table(out).num_rows == sum(r["assessed"] for r in summ["indicators"])
    human = run("benchmark", "ecommerce_service", str(SAMPLE), "--standard", str(PROFILE))
    assert human.returncode == 0 and "order_processing_time" in human.stdout
    assert "65.6%" in human.stdout


def test_cli_benchmark_errors(tmp_path: Path) -> None:
    bad = _write(
        tmp_path,
        PROFILE.read_text(encoding="utf-8").replace(
            "indicator: system_uptime", "indicator: uptime"
        ),
    )
    proc = run("benchmark", "ecommerce_service", str(SAMPLE), "--standard", str(bad))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
    assert "unknown indicator 'uptime'" in proc.stderr and "system_uptime" in proc.stderr
    empty = _write(
        tmp_path,
        PROFILE.read_text(encoding="utf-8")
        .replace("applies_to: {segment: food}", "applies_to: {tier: huge}")
        .replace("tier: [small, medium, large]", "tier: [small, medium, large, huge]"),
        "e.yaml",
    )
    strict = run(
        "benchmark", "ecommerce_service", str(SAMPLE), "--standard", str(empty), "--strict"
    )
    assert strict.returncode == 1 and "tier = 'huge' (empty segment)" in strict.stderr


def test_cli_gaps_and_peers(tmp_path: Path) -> None:
    out = tmp_path / "targets.csv"
    proc = run("gaps", "ecommerce_service", str(SAMPLE), "--json", "-k", "2", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    summ = json.loads(proc.stdout)
    assert summ["entities"] == 500 and summ["k"] == 2
    assert summ["entities_with_single_indicator_lift"] == 102
    assert read_table(out).num_rows == 500
    one = run("gaps", "ecommerce_service", str(SAMPLE), "--entity", "M0000002")
    assert one.returncode == 0, one.stderr
    assert "payment_success_rate" in one.stdout and "良 (good)" in one.stdout
    peers = run("peers", "ecommerce_service", str(SAMPLE), "--json")
    assert peers.returncode == 0, peers.stderr
    p = json.loads(peers.stdout)
    assert [s["top_n"] for s in p["segments"]] == [10, 12, 11, 11, 9]
    assert not math.isnan(p["segments"][0]["top_median"]["order_processing_time"])
