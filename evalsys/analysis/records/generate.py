"""A deterministic synthetic ticket / order log for tests and demos: :func:`generate_logs`.

Owns the generator only; its columns follow the log schema of :mod:`evalsys.analysis.records`
and every figure in it is illustrative.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.analysis.records._shared import IntArray
from evalsys.analysis.records.derivations import _AFTER_SALES, _SERVICE
from evalsys.analysis.records.logs import TICKET_TYPES
from evalsys.errors import DataError

__all__ = ["generate_logs"]


def generate_logs(
    n_entities: int, tickets_per_entity: int, seed: int = 20240101
) -> dict[str, npt.NDArray[Any]]:
    """Deterministic synthetic ticket / order log for tests and demos.

    Each entity (``M0000001`` …) has a latent quality z ~ N(0, 1).  Tickets are spread
    over the 13 weeks from Monday 2024-01-01 with more traffic in the daytime peaks;
    types inquiry 45 %, complaint 10 %, return 10 %, refund 7 %, technical 8 %, order 20 %.
    First-response times are log-normal (median 30 s for inquiries/complaints, 6 h for
    returns/refunds, 10 min for technical tickets, scaled by exp(−0.3 z)), 1.6 × longer on
    weekends and 1.4 × in the (illustrative) peak hours; about 3 % are never answered.
    Resolution, first-contact resolution and satisfaction depend on z; complaints take a
    log-normal 2.5 calendar days, returns are reviewed after ~10 h and completed ~4 days
    later; orders ship after ~20 min, are promised 72 h after ordering and delivered after
    ~40 h (5 % not yet delivered).  All figures are illustrative.  Same arguments → same
    arrays.

    Returns
    -------
    dict
        Column name → (n,) array: text columns as ``str``, timestamps as ISO 8601 text
        (``None`` = null, object arrays), ``resolved`` / ``first_contact_resolved`` as bool,
        ``satisfaction`` as float with NaN.

    Examples
    --------
    >>> cols = generate_logs(2, 3, seed=1)
    >>> sorted(set(cols["entity_id"].tolist()))
    ['M0000001', 'M0000002']
    """
    if n_entities < 1 or tickets_per_entity < 1:
        raise DataError("generate_logs needs n_entities >= 1 and tickets_per_entity >= 1")
    rng = np.random.default_rng(seed)
    n = n_entities * tickets_per_entity
    ent = np.repeat(np.arange(n_entities), tickets_per_entity)
    z = rng.standard_normal(n_entities)[ent]
    types = np.asarray(TICKET_TYPES)[rng.choice(6, size=n, p=[0.45, 0.10, 0.10, 0.07, 0.08, 0.20])]
    start = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
    day = rng.integers(0, 91, size=n)
    hour_mix = rng.random(n)
    hour = np.where(
        hour_mix < 0.35,
        rng.uniform(9, 12, n),
        np.where(hour_mix < 0.6, rng.uniform(19, 22, n), rng.uniform(7, 24, n)),
    )
    created = start + day * 86400 + np.floor(hour * 3600).astype(np.int64)
    weekend = (day % 7) >= 5  # 2024-01-01 is a Monday
    is_peak = ((hour >= 9) & (hour < 12)) | ((hour >= 19) & (hour < 22))
    base_median = np.select(
        [np.isin(types, _SERVICE), np.isin(types, _AFTER_SALES), types == "technical"],
        [30.0, 6 * 3600.0, 600.0],
        default=np.nan,
    )
    factor = np.exp(-0.3 * z) * np.where(weekend, 1.6, 1.0) * np.where(is_peak, 1.4, 1.0)
    resp = base_median * factor * np.exp(0.8 * rng.standard_normal(n))
    resp = np.where(np.isfinite(resp), resp, 0.0)
    answered = (rng.random(n) > 0.03) & (types != "order")
    first_response = np.where(answered, created + np.ceil(resp).astype(np.int64), -1)
    p_res = 1 / (1 + np.exp(-(2.2 + 0.5 * z)))
    resolved = (rng.random(n) < p_res) & (types != "order")
    fcr = resolved & (rng.random(n) < 1 / (1 + np.exp(-(1.0 + 0.5 * z))))
    lag = np.select(
        [types == "inquiry", types == "complaint"],
        [3600 * np.exp(rng.standard_normal(n)), 2.5 * 86400 * np.exp(0.5 * rng.standard_normal(n))],
        default=4 * 3600 * np.exp(rng.standard_normal(n)),
    )
    reviewed = np.where(
        np.isin(types, _AFTER_SALES),
        created
        + np.ceil(10 * 3600 * np.exp(0.6 * rng.standard_normal(n) - 0.2 * z)).astype(np.int64),
        -1,
    )
    handling = np.where(
        types == "return",
        4 * 86400 * np.exp(0.4 * rng.standard_normal(n) - 0.2 * z),
        np.where(types == "refund", 6 * 3600 * np.exp(0.5 * rng.standard_normal(n)), 0.0),
    )
    after = np.where(reviewed >= 0, reviewed, np.maximum(first_response, created))
    resolved_at = np.where(
        resolved, after + np.ceil(np.where(reviewed >= 0, handling, lag)).astype(np.int64), -1
    )
    order = types == "order"
    shipped = np.where(
        order, created + np.ceil(1200 * np.exp(0.5 * rng.standard_normal(n) - 0.2 * z)), -1
    ).astype(np.int64)
    promised = np.where(order, created + 72 * 3600, -1)
    delivered_ok = order & (rng.random(n) > 0.05)
    delivered = np.where(
        delivered_ok,
        shipped + np.ceil(40 * 3600 * np.exp(0.35 * rng.standard_normal(n) - 0.1 * z)),
        -1,
    ).astype(np.int64)
    sat_given = (rng.random(n) < 0.4) & ~order
    sat = np.clip(np.round(3.9 + 0.5 * z + 0.8 * rng.standard_normal(n)), 1, 5)
    channel = np.asarray(("chat", "phone", "email"))[rng.choice(3, size=n, p=[0.6, 0.25, 0.15])]

    def iso(sec: IntArray) -> npt.NDArray[Any]:
        txt = np.datetime_as_string(sec.astype("datetime64[s]"), unit="s").astype(object)
        txt[sec < 0] = None
        return np.asarray(txt, dtype=object)

    ids = np.char.add("M", np.char.zfill((ent + 1).astype(str), 7))
    return {
        "entity_id": ids,
        "ticket_id": np.char.add("T", np.char.zfill(np.arange(1, n + 1).astype(str), 8)),
        "channel": np.where(order, "web", channel),
        "type": types,
        "created_at": iso(created),
        "first_response_at": iso(first_response),
        "resolved_at": iso(resolved_at),
        "reviewed_at": iso(reviewed),
        "shipped_at": iso(shipped),
        "delivered_at": iso(delivered),
        "promised_at": iso(promised),
        "resolved": resolved,
        "first_contact_resolved": fcr,
        "satisfaction": np.where(sat_given, sat, np.nan),
    }
