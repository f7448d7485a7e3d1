"""Tier hysteresis: the state machine that keeps or takes away a tier over periods.

A *tier* (a status such as a "preferred merchant" badge) is held while an entity passes a
condition.  To keep one bad period from flipping it, the tier is **lost only after
``lose_after`` failing periods in a row** and **regained only after ``regain_after`` passing
periods in a row**; the periods in between raise warnings (still held, failing) or recovery
notices (not held, passing).

Rules, per entity and period ``t`` (``passing[t]`` is 1.0 pass, 0.0 fail, NaN unmeasured):

* held, failing: the failing streak grows; at ``lose_after`` the tier is lost (``LOST``),
  before that it is a ``WARNING``; a passing period resets the failing streak;
* not held, passing: the passing streak grows; at ``regain_after`` the tier is regained
  (``REGAINED``), before that it is ``RECOVERING``; a failing period resets it;
* unmeasured (no value, or too few events for the small-sample guard): the state is kept and
  both streaks restart — "in a row" means adjacent periods, all measured;
* the state before the first period is ``initial_held``; when it is ``None`` the first
  measured period decides it (held if it passes), without an event.

The computation is vectorised over entities: one loop over periods, array operations inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evalsys.errors import ParameterError, ShapeError

__all__ = [
    "EVENT_NAMES",
    "LOST",
    "NO_EVENT",
    "RECOVERING",
    "REGAINED",
    "WARNING",
    "TierTrack",
    "track_tier",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NO_EVENT = 0
WARNING = 1
LOST = 2
RECOVERING = 3
REGAINED = 4
EVENT_NAMES = ("", "tier_warning", "tier_lost", "tier_recovering", "tier_regained")
"""Event name per event code (index); code 0 is no event."""


@dataclass(frozen=True, slots=True)
class TierTrack:
    """Tier state of every entity after every period (arrays of shape (n_periods, n_entities)).

    Attributes
    ----------
    held
        Whether the entity holds the tier after the period.
    known
        Whether the state is known (False before the first measured period when the
        initial state was left to the data).
    event
        Event code of the period: :data:`NO_EVENT`, :data:`WARNING`, :data:`LOST`,
        :data:`RECOVERING` or :data:`REGAINED` (names in :data:`EVENT_NAMES`).
    fail_streak, pass_streak
        Failing periods in a row while held / passing periods in a row while not held,
        counted up to and including the period (0 after a loss or a regain).
    streak
        Length of the run that produced the period's event (the evidence periods are the
        last ``streak`` periods up to it); 0 when there is no event.
    lose_after, regain_after
        The rule's parameters.
    """

    held: BoolArray
    known: BoolArray
    event: npt.NDArray[np.int8]
    fail_streak: IntArray
    pass_streak: IntArray
    streak: IntArray
    lose_after: int
    regain_after: int


def track_tier(
    passing: npt.ArrayLike,
    *,
    lose_after: int,
    regain_after: int,
    initial_held: bool | None = None,
) -> TierTrack:
    """Run the tier state machine over periods for all entities at once.

    Parameters
    ----------
    passing
        (n_periods, n_entities): 1.0 the entity passes the tier condition in that period,
        0.0 it fails, NaN not measured.
    lose_after
        Failing periods in a row after which a held tier is lost (>= 1).
    regain_after
        Passing periods in a row after which a lost tier is regained (>= 1).
    initial_held
        State before the first period; ``None``: decided by the first measured period.

    Returns
    -------
    TierTrack

    Examples
    --------
    >>> t = track_tier([[1.0], [0.0], [0.0], [1.0]], lose_after=2, regain_after=1)
    >>> t.held[:, 0].tolist(), t.event[:, 0].tolist()
    ([True, True, False, True], [0, 1, 2, 4])
    """
    p = np.asarray(passing, dtype=np.float64)
    if p.ndim != 2:
        raise ShapeError(f"passing must be (n_periods, n_entities), got shape {p.shape}")
    for name, v in (("lose_after", lose_after), ("regain_after", regain_after)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ParameterError(f"{name} must be an integer >= 1, got {v!r}")
    n_p, n_e = p.shape
    held = np.full(n_e, bool(initial_held))
    known = np.full(n_e, initial_held is not None)
    fail = np.zeros(n_e, dtype=np.int64)
    good = np.zeros(n_e, dtype=np.int64)
    out_held = np.zeros((n_p, n_e), dtype=np.bool_)
    out_known = np.zeros((n_p, n_e), dtype=np.bool_)
    out_event = np.zeros((n_p, n_e), dtype=np.int8)
    out_fail = np.zeros((n_p, n_e), dtype=np.int64)
    out_pass = np.zeros((n_p, n_e), dtype=np.int64)
    out_streak = np.zeros((n_p, n_e), dtype=np.int64)
    for t in range(n_p):
        measured = np.isfinite(p[t])
        ok = measured & (p[t] > 0.5)
        bad = measured & ~ok
        first = ~known & measured
        held = np.where(first, ok, held)
        known = known | first
        active = known & ~first & measured
        # streaks: grow on the matching outcome, restart on anything else
        fail = np.where(active & held & bad, fail + 1, 0)
        good = np.where(active & ~held & ok, good + 1, 0)
        lost = fail >= lose_after
        warn = (fail > 0) & ~lost
        regained = good >= regain_after
        recovering = (good > 0) & ~regained
        event = np.zeros(n_e, dtype=np.int8)
        event[warn] = WARNING
        event[lost] = LOST
        event[recovering] = RECOVERING
        event[regained] = REGAINED
        out_streak[t] = np.where(fail > 0, fail, good)
        held = (held & ~lost) | regained
        fail = np.where(lost, 0, fail)
        good = np.where(regained, 0, good)
        out_held[t] = held
        out_known[t] = known
        out_event[t] = event
        out_fail[t] = fail
        out_pass[t] = good
    return TierTrack(
        held=out_held,
        known=out_known,
        event=out_event,
        fail_streak=out_fail,
        pass_streak=out_pass,
        streak=out_streak,
        lose_after=int(lose_after),
        regain_after=int(regain_after),
    )
