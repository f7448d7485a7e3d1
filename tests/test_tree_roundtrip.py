"""Property: any generated valid tree round-trips YAML → model → YAML unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalsys.model.io import dump_tree, load_tree, tree_from_dict

names = st.text(alphabet="服务质量物流售后安全技术响应时间率abc XYZ", min_size=1, max_size=8)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def leaf(draw: Any, node_id: str, parent: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["quantitative", "rating", "checklist"]))
    out: dict[str, Any] = {"id": node_id, "parent": parent, "name": draw(names), "kind": kind}
    if kind == "quantitative":
        direction = draw(st.sampled_from(["benefit", "cost", "target", "interval"]))
        out |= {
            "unit": draw(st.sampled_from(["s", "h", "%", "working_day"])),
            "direction": direction,
        }
        if direction == "target":
            out["target"] = draw(finite)
        if direction == "interval":
            a, b = sorted(draw(st.tuples(finite, finite)))
            out["interval"] = [a, b]
        if direction in ("benefit", "cost") and draw(st.booleans()):
            pts = sorted(draw(st.sets(finite, min_size=4, max_size=4)))
            out["membership"] = {
                "type": "standard",
                "points": pts if direction == "cost" else pts[::-1],
            }
        if draw(st.booleans()):
            out["standards"] = [
                {
                    "op": "<=",
                    "value": draw(finite),
                    "unit": out["unit"],
                    "illustrative": draw(st.booleans()),
                }
            ]
    elif kind == "rating":
        out |= {
            "scale": draw(st.sampled_from([5, 10])),
            "input": draw(st.sampled_from(["mean", "votes"])),
        }
    else:
        out["items"] = draw(st.lists(names, min_size=1, max_size=4))
    return out


@st.composite
def trees(draw: Any) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    counter = iter(range(10_000))

    def weights(children: list[str]) -> dict[str, Any]:
        kind = draw(st.sampled_from(["equal", "direct", "pairwise"]))
        if kind == "equal":
            return {"type": "equal"}
        raw = draw(st.lists(st.integers(1, 9), min_size=len(children), max_size=len(children)))
        if kind == "direct":
            total = sum(raw)
            vals = [r / total for r in raw]
            vals[-1] = 1.0 - sum(vals[:-1])
            return {"type": "direct", "values": dict(zip(children, vals, strict=True))}
        matrix = [[f"{a}/{b}" if a % b else str(a // b) for b in raw] for a in raw]
        return {
            "type": "pairwise",
            "matrix": matrix,
            "method": draw(st.sampled_from(["eigenvector", "geometric_mean"])),
        }

    def build(parent: str | None, depth: int) -> str:
        nid = f"n{next(counter)}"
        if depth > 0 and (parent is None or draw(st.booleans())):
            node: dict[str, Any] = {"id": nid, "name": draw(names), "kind": "dimension"}
            if parent is not None:
                node["parent"] = parent
            nodes.append(node)
            k = draw(st.integers(1, 4))
            kids = [build(nid, depth - 1) for _ in range(k)]
            node["weights"] = weights(kids)
        else:
            nodes.append(draw(leaf(nid, parent or "")))
        return nid

    build(None, draw(st.integers(1, 3)))
    return {"id": "generated", "name": draw(names), "nodes": nodes}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_yaml_round_trip(data: dict[str, Any]) -> None:
    tree = tree_from_dict(data)
    text = dump_tree(tree)
    again = tree_from_dict(__import__("yaml").safe_load(text))
    assert again == tree
    assert dump_tree(again) == text


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(trees())
def test_json_round_trip_through_files(tmp_path: Path, data: dict[str, Any]) -> None:
    tree = tree_from_dict(data)
    path = tmp_path / "t.json"
    path.write_text(dump_tree(tree, fmt="json"), encoding="utf-8")
    assert load_tree(path) == tree
