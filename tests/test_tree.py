"""The tree file format: every bad tree gets one clear message naming file, line and node."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import evalsys as es
from evalsys.errors import TreeSpecError
from evalsys.model.io import dump_tree, load_tree

BASE: dict[str, Any] = {
    "id": "t",
    "name": "测试树",
    "nodes": [
        {
            "id": "root",
            "name": "总目标",
            "kind": "dimension",
            "weights": {
                "type": "pairwise",
                "matrix": [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]],
            },
        },
        {
            "id": "speed",
            "parent": "root",
            "name": "首次响应时间",
            "kind": "quantitative",
            "unit": "s",
            "direction": "cost",
            "membership": {"type": "standard", "points": [30, 60, 120, 300]},
        },
        {
            "id": "service",
            "parent": "root",
            "name": "服务",
            "kind": "dimension",
            "weights": {"type": "direct", "values": {"attitude": 0.6, "security": 0.4}},
        },
        {"id": "attitude", "parent": "service", "name": "服务态度", "kind": "rating"},
        {
            "id": "security",
            "parent": "service",
            "name": "数据加密",
            "kind": "checklist",
            "items": ["HTTPS", "AES"],
        },
        {
            "id": "rate",
            "parent": "root",
            "name": "解决率",
            "kind": "quantitative",
            "unit": "%",
            "direction": "benefit",
            "range": [0, 100],
        },
    ],
}


def write(tmp_path: Path, data: Any, name: str = "tree.yaml") -> Path:
    path = tmp_path / name
    text = (
        data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    )
    path.write_text(text, encoding="utf-8")
    return path


def mutated(fn: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    fn(data)
    return data


def node(data: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return i
    raise LookupError(needle)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", *args], capture_output=True, text=True, check=False
    )


def test_base_tree_is_valid(tmp_path: Path) -> None:
    tree = load_tree(write(tmp_path, BASE))
    assert [leaf.id for leaf in tree.leaves()] == ["speed", "attitude", "security", "rate"]
    assert tree.root.id == "root"
    assert tree.children("root") == ["speed", "service", "rate"]
    assert [g.name for g in tree.grades] == ["优", "良", "中", "差"]


def test_json_and_yaml_give_the_same_tree(tmp_path: Path) -> None:
    a = load_tree(write(tmp_path, BASE))
    b = load_tree(write(tmp_path, json.dumps(BASE, ensure_ascii=False, indent=1), "tree.json"))
    assert a == b


def test_model_is_frozen(tmp_path: Path) -> None:
    tree = load_tree(write(tmp_path, BASE))
    with pytest.raises(Exception, match="frozen"):
        tree.id = "other"  # type: ignore[misc]


BAD_CASES: list[tuple[str, Any, str, str | None, str | None]] = [
    # name, data, message fragment, node id in message, text on the reported line
    ("malformed_yaml", "id: t\nnodes: [\n  {id: a, name: b\n", "malformed YAML", None, None),
    (
        "unknown_field",
        mutated(lambda d: node(d, "speed").update(colour="red")),
        "unknown field 'colour'",
        "speed",
        "colour",
    ),
    (
        "duplicate_id",
        mutated(lambda d: d["nodes"].append(dict(node(d, "rate")))),
        "duplicate node id 'rate'",
        "rate",
        None,
    ),
    (
        "cycle",
        mutated(
            lambda d: (
                node(d, "service").update(parent="attitude"),
                node(d, "attitude").update(kind="dimension"),
                [node(d, "attitude").pop(k, None) for k in ("scale",)],
            )
        ),
        "cycle in parent links",
        None,
        None,
    ),
    (
        "orphan",
        mutated(lambda d: node(d, "rate").update(parent="nowhere")),
        "parent 'nowhere' does not exist",
        "rate",
        "parent: nowhere",
    ),
    (
        "missing_children",
        mutated(
            lambda d: d["nodes"].append(
                {"id": "empty", "parent": "root", "name": "空", "kind": "dimension"}
            )
        ),
        "dimension has no children",
        "empty",
        None,
    ),
    (
        "non_square",
        mutated(
            lambda d: node(d, "root")["weights"].update(
                matrix=[[1, 3, 5], ["1/3", 1], ["1/5", "1/2", 1]]
            )
        ),
        "not square",
        "root",
        "matrix",
    ),
    (
        "non_reciprocal",
        mutated(
            lambda d: node(d, "root")["weights"].update(
                matrix=[[1, 3, 5], [3, 1, 2], ["1/5", "1/2", 1]]
            )
        ),
        "not reciprocal at [0][1]",
        "root",
        "matrix",
    ),
    (
        "non_positive",
        mutated(
            lambda d: node(d, "root")["weights"].update(
                matrix=[[1, 3, 5], ["1/3", 1, 0], ["1/5", "1/2", 1]]
            )
        ),
        "must be a positive number",
        "root",
        "matrix",
    ),
    (
        "matrix_size",
        mutated(lambda d: node(d, "root")["weights"].update(matrix=[[1, 3], ["1/3", 1]])),
        "2x2 but the node has 3 children",
        "root",
        "matrix",
    ),
    (
        "direct_sum",
        mutated(
            lambda d: node(d, "service")["weights"].update(
                values={"attitude": 0.6, "security": 0.5}
            )
        ),
        "direct weights must sum to 1",
        "service",
        "values",
    ),
    (
        "unknown_method",
        mutated(lambda d: node(d, "root")["weights"].update(method="magic")),
        "unknown priority method 'magic'; valid names: eigenvector",
        "root",
        None,
    ),
    (
        "missing_unit",
        mutated(lambda d: node(d, "speed").pop("unit")),
        "missing required field 'unit'",
        "speed",
        None,
    ),
    (
        "missing_direction",
        mutated(lambda d: node(d, "rate").pop("direction")),
        "missing required field 'direction'",
        "rate",
        None,
    ),
    (
        "membership_size",
        mutated(lambda d: node(d, "speed")["membership"].update(points=[30, 60, 120])),
        "membership has 3 entries but the tree has 4 grades",
        "speed",
        "membership",
    ),
    (
        "wrong_direction_points",
        mutated(lambda d: node(d, "speed")["membership"].update(points=[300, 120, 60, 30])),
        "must increase from the best grade",
        "speed",
        None,
    ),
    (
        "two_roots",
        mutated(lambda d: node(d, "rate").update(parent=None)),
        "tree has 2 roots",
        "rate",
        None,
    ),
    (
        "leaf_as_parent",
        mutated(lambda d: node(d, "rate").update(parent="speed")),
        "only dimensions have children",
        "rate",
        None,
    ),
    (
        "grades_worst_first",
        mutated(
            lambda d: d.update(
                grades=[
                    {"id": "poor", "name": "差", "score": 60},
                    {"id": "good", "name": "良", "score": 95},
                ]
            )
        ),
        "scores must strictly decrease",
        None,
        None,
    ),
    (
        "judgment_twice",
        mutated(
            lambda d: node(d, "root").update(
                weights={
                    "type": "pairwise",
                    "judgments": [
                        ["speed", "service", 3],
                        ["service", "speed", 3],
                        ["speed", "rate", 2],
                    ],
                }
            )
        ),
        "judgment service–speed is given twice",
        "root",
        None,
    ),
    (
        "objective_over_dimensions",
        mutated(lambda d: node(d, "root").update(weights={"type": "objective"})),
        "every child must be an indicator",
        "root",
        None,
    ),
    (
        "ri_table_too_small",
        mutated(
            lambda d: (
                d["nodes"].extend(
                    {"id": f"x{k}", "parent": "service", "name": "x", "kind": "rating"}
                    for k in range(14)
                ),
                node(d, "service").update(weights={"type": "pairwise", "matrix": [[1] * 16] * 16}),
            )
        ),
        "RI table 'saaty1980' covers n",
        "service",
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "fragment", "node_id", "line_text"), BAD_CASES, ids=[c[0] for c in BAD_CASES]
)
def test_bad_tree_gets_one_clear_message(
    tmp_path: Path, name: str, data: Any, fragment: str, node_id: str | None, line_text: str | None
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(TreeSpecError) as info:
        load_tree(path)
    msg = str(info.value)
    assert fragment in msg
    assert msg.startswith(str(path))
    if node_id is not None:
        assert f"node '{node_id}'" in msg
    assert info.value.line is not None, "every tree error names a line"
    if line_text is not None:
        assert info.value.line == line_of(path, line_text)


@pytest.mark.parametrize("name", ["unknown_field", "cycle", "non_reciprocal", "empty"])
def test_cli_bad_tree_exit_code_1_no_traceback(tmp_path: Path, name: str) -> None:
    data = "" if name == "empty" else next(c[1] for c in BAD_CASES if c[0] == name)
    path = write(tmp_path, data)
    proc = run_cli("validate", str(path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {path}")
    assert proc.stderr.count("\n") == 1, "one message, one line"
    assert proc.stdout == ""


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(TreeSpecError, match="file is empty"):
        load_tree(write(tmp_path, "   \n"))


def test_huge_file_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # a 50 MB file (sparse: costs no disk)
    with pytest.raises(TreeSpecError, match=r"file is 50\.0 MiB; tree files are limited to 16"):
        load_tree(path)


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(TreeSpecError, match="must be a mapping"):
        load_tree(write(tmp_path, "- a\n- b\n"))


def test_unknown_kind_lists_valid_kinds(tmp_path: Path) -> None:
    data = mutated(lambda d: node(d, "rate").update(kind="thermometer"))
    with pytest.raises(TreeSpecError, match="unknown kind 'thermometer'") as info:
        load_tree(write(tmp_path, data))
    assert "'quantitative'" in str(info.value)


def test_validate_cli_shows_tree(tmp_path: Path) -> None:
    proc = run_cli("validate", str(write(tmp_path, BASE)))
    assert proc.returncode == 0, proc.stderr
    assert "首次响应时间" in proc.stdout
    assert "pairwise matrix (eigenvector, RI saaty1980)" in proc.stdout
    assert "valid: 6 nodes, 4 leaves" in proc.stdout


def test_validate_cli_json(tmp_path: Path) -> None:
    proc = run_cli("validate", "--json", str(write(tmp_path, BASE)))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["valid"] is True and out["leaves"] == 4
    assert out["spec"]["nodes"][1]["unit"] == "s"


def test_round_trip_of_base(tmp_path: Path) -> None:
    tree = load_tree(write(tmp_path, BASE))
    again = load_tree(write(tmp_path, dump_tree(tree), "again.yaml"))
    assert again == tree
    assert dump_tree(again) == dump_tree(tree)


def test_public_names() -> None:
    assert es.load_tree is load_tree


@pytest.mark.parametrize("name", ["ecommerce_service", "customer_service_agent"])
def test_shipped_trees_validate_by_name_and_path(name: str) -> None:
    from evalsys.model.io import shipped_path, shipped_trees

    assert name in shipped_trees()
    by_name = load_tree(name)
    assert by_name == load_tree(shipped_path(f"{name}.yaml"))
    proc = run_cli("validate", name)
    assert proc.returncode == 0, proc.stderr
    assert f"valid: {len(by_name.nodes)} nodes, {len(by_name.leaves())} leaves" in proc.stdout


def test_ecommerce_tree_covers_the_documents() -> None:
    """DOMAIN.md: five dimensions, >= 25 leaves, the document standards, memberships."""
    tree = load_tree("ecommerce_service")
    assert tree.children(tree.root.id) == [
        "customer_service",
        "logistics",
        "after_sales",
        "transaction_safety",
        "tech_support",
    ]
    leaves = tree.leaves()
    assert len(leaves) >= 25
    quantitative = [leaf for leaf in leaves if leaf.kind == "quantitative"]
    assert all(leaf.membership is not None for leaf in quantitative)
    limits = {
        (leaf.id, s.op, s.value) for leaf in leaves for s in leaf.standards if not s.illustrative
    }
    assert ("order_processing_time", "<=", 30.0) in limits
    assert ("after_sales_response_time", "<=", 24.0) in limits
    assert ("after_sales_response_time", "<=", 48.0) in limits
    assert ("refund_review_time", "<=", 24.0) in limits
    assert ("support_availability", ">=", 24.0) in limits


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False)
    text = text.replace("  direction: cost\n", "  direction: cost\n  direction: benefit\n", 1)
    path = write(tmp_path, text)
    with pytest.raises(TreeSpecError, match="duplicate key 'direction'") as info:
        load_tree(path)
    assert info.value.line == line_of(path, "direction: benefit")


def test_duplicate_json_key_is_an_error(tmp_path: Path) -> None:
    text = json.dumps(BASE, ensure_ascii=False).replace(
        '"name": "测试树"', '"name": "测试树", "name": "again"'
    )
    with pytest.raises(TreeSpecError, match="duplicate key 'name'"):
        load_tree(write(tmp_path, text, "tree.json"))


def test_json_tree_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(BASE).encode())
    assert load_tree(path).id == "t"
