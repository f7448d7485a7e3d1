"""JSON Schema of the indicator-tree file format (generated from the pydantic models)."""

from __future__ import annotations

import json

from evalsys.model.tree import TreeSpec

__all__ = ["SCHEMA_ID", "schema_text", "tree_schema"]

SCHEMA_ID = "evalsys/indicator-tree/v1"


def tree_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of a tree file."""
    schema = TreeSpec.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def schema_text() -> str:
    """The schema as stable, pretty-printed JSON text (what ``evalsys schema`` prints)."""
    return json.dumps(tree_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
