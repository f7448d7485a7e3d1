"""The JSON Schema shipped in indicator_trees/schema/ is the one the models generate."""

from __future__ import annotations

import json
import subprocess
import sys

from evalsys.model.io import shipped_path
from evalsys.model.schema import schema_text


def test_shipped_schema_is_current() -> None:
    shipped = shipped_path("schema", "tree.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(), (
        "run: evalsys schema -o indicator_trees/schema/tree.schema.json"
    )


def test_schema_cli_prints_valid_json_schema() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "evalsys", "schema"], capture_output=True, text=True, check=True
    )
    schema = json.loads(proc.stdout)
    assert schema["title"] == "TreeSpec"
    assert "nodes" in schema["required"]
    assert {"DimensionNode", "QuantitativeNode", "RatingNode", "ChecklistNode"} <= set(
        schema["$defs"]
    )
