"""Tier hysteresis and projection: sequences written out by hand.

Notation in the tables: ``P`` pass, ``F`` fail, ``.`` not measured; held ``H`` / not held
``-``; events ``W`` warning, ``L`` lost, ``r`` recovering, ``R`` regained, `` `` none.
"""

from __future__ import annotations

import numpy as np
import pytest

from evalsys.errors import ParameterError, ShapeError
from evalsys.history.hysteresis import EVENT_NAMES, track_tier
from evalsys.history.projection import project_linear

_IN = {"P": 1.0, "F": 0.0, ".": np.nan}
_EV = {0: " ", 1: "W", 2: "L", 3: "r", 4: "R"}


def _run(seq: str, lose: int, regain: int, initial: bool | None) -> tuple[str, str]:
    t = track_tier(
        [[_IN[c]] for c in seq], lose_after=lose, regain_after=regain, initial_held=initial
    )
    held = "".join("H" if h else "-" for h in t.held[:, 0])
    ev = "".join(_EV[int(e)] for e in t.event[:, 0])
    return held, ev


@pytest.mark.parametrize(
    ("seq", "lose", "regain", "initial", "held", "events"),
    [
        # lose after 3 failing periods in a row, regain after 2 passing ones
        ("PFFPFFFPPP", 3, 2, True, "HHHHHH--HH", " WW WWLrR "),
        # a passing period resets the failing streak: never three in a row, never lost
        ("FFPFFPFF", 3, 2, True, "HHHHHHHH", "WW WW WW"),
        # an unmeasured period keeps the state and breaks the run ("in a row" = adjacent)
        ("FF.FFF", 3, 1, True, "HHHHH-", "WW WWL"),
        # not held at the start: recovering, then regained after 2; a fail resets recovery
        ("PFPPF", 3, 2, False, "---HH", "r rRW"),
        # state decided by the first measured period (no event for it)
        (".FPFFF", 2, 1, None, "--HH--", "  RWL "),
        ("..PFF", 2, 1, None, "--HH-", "   WL"),
        # lose_after=1, regain_after=1: no hysteresis, every change is an event
        ("PFPF", 1, 1, True, "H-H-", " LRL"),
    ],
)
def test_tier_sequences(
    seq: str, lose: int, regain: int, initial: bool | None, held: str, events: str
) -> None:
    assert _run(seq, lose, regain, initial) == (held, events)


def test_streaks_and_known() -> None:
    t = track_tier([[np.nan], [1.0], [0.0], [0.0], [0.0]], lose_after=3, regain_after=2)
    assert t.known[:, 0].tolist() == [False, True, True, True, True]
    assert t.fail_streak[:, 0].tolist() == [0, 0, 1, 2, 0]  # reset after the loss
    assert t.streak[:, 0].tolist() == [0, 0, 1, 2, 3]  # the run behind each event
    assert [EVENT_NAMES[e] for e in t.event[:, 0]] == [
        "",
        "",
        "tier_warning",
        "tier_warning",
        "tier_lost",
    ]


def test_vectorised_over_entities_matches_one_by_one() -> None:
    rng = np.random.default_rng(3)
    passing = rng.choice([0.0, 1.0, np.nan], size=(12, 200), p=[0.35, 0.55, 0.1])
    whole = track_tier(passing, lose_after=3, regain_after=2)
    for e in (0, 17, 199):
        one = track_tier(passing[:, [e]], lose_after=3, regain_after=2)
        assert (one.held[:, 0] == whole.held[:, e]).all()
        assert (one.event[:, 0] == whole.event[:, e]).all()


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="lose_after"):
        track_tier([[1.0]], lose_after=0, regain_after=1)
    with pytest.raises(ParameterError, match="regain_after"):
        track_tier([[1.0]], lose_after=1, regain_after=True)  # type: ignore[arg-type]
    with pytest.raises(ShapeError):
        track_tier([1.0, 0.0], lose_after=1, regain_after=1)


def test_linear_projection_by_hand() -> None:
    # entity 0: 80, 78, 76 -> slope -2, next 74; entity 1: 70, 71, 75 -> slope 2.5,
    # mean 72, next 72 + 2.5 * 2 = 77; entity 2 has a gap -> no projection
    y = np.array([[80.0, 70.0, 60.0], [78.0, 71.0, np.nan], [76.0, 75.0, 61.0], [70.0, 75.0, 62.0]])
    p = project_linear(y, 3)
    assert np.isnan(p.projected[:2]).all()
    assert p.projected[2, :2].tolist() == [74.0, 77.0]
    assert p.slope[2, :2].tolist() == [-2.0, 2.5]
    assert np.isnan(p.projected[2, 2]) and np.isnan(p.projected[3, 2])
    # window ending at period 3 for entity 0: 78, 76, 70 -> slope -4, mean 74.667, next 66.667
    assert p.slope[3, 0] == -4.0
    assert p.projected[3, 0] == pytest.approx(74.0 + 2 / 3 - 8.0)
    assert np.isnan(project_linear(y[:2], 3).projected).all()
    with pytest.raises(ParameterError):
        project_linear(y, 1)
