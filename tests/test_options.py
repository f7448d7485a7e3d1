"""ScoreOptions: the engines' shared choices, checked once."""

from __future__ import annotations

import dataclasses

import pytest

from evalsys.engines.options import ScoreOptions
from evalsys.errors import DataError, UnknownMethodError


def test_defaults_and_frozen() -> None:
    opts = ScoreOptions()
    assert (opts.method, opts.operator, opts.missing, opts.id_column) == (
        "fce",
        "weighted_average",
        "reject",
        "entity_id",
    )
    assert opts.fce_operator == "weighted_average"
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.method = "grey"  # type: ignore[misc]


def test_checked_once() -> None:
    with pytest.raises(UnknownMethodError, match="unknown scoring method 'magic'"):
        ScoreOptions(method="magic")
    with pytest.raises(UnknownMethodError, match="unknown fuzzy operator 'max_min'"):
        ScoreOptions(operator="max_min")
    with pytest.raises(DataError, match="unknown missing-value policy 'drop'"):
        ScoreOptions(missing="drop")
    other = ScoreOptions(method="grey", operator="max_min")  # the operator is FCE's only
    assert other.fce_operator is None
    assert ScoreOptions(passthrough=["a"]).passthrough == ("a",)  # type: ignore[arg-type]


def test_require_fce() -> None:
    ScoreOptions().require_fce("cannot be streamed")
    with pytest.raises(DataError, match=r"method 'topsis' rescales .* cannot be streamed"):
        ScoreOptions(method="topsis").require_fce("cannot be streamed")
