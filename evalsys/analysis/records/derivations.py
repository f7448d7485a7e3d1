"""Which log statistic gives which tree indicator, and in which unit.

Owns :class:`Derivation`, the mapping :data:`DERIVATIONS` for the indicator ids of the
shipped ``ecommerce_service`` tree (ticket groups as in :mod:`evalsys.analysis.records`) and
``_scale``, the factor from a statistic's native unit to a leaf's unit.

References
----------
.. [1] Seed 001 (电商服务质量评价体系构建), 第七部分 服务响应速度分析 and 第四部分 售后服务
   评价标准 (投诉处理时间、退换货处理 3-5个工作日; 审核 24小时内).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from evalsys.errors import TreeSpecError

__all__ = ["DERIVATIONS", "Derivation"]

_TIME_UNITS = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, "hour": 3600.0, "d": 86400.0}


Statistic = Literal["mean", "share", "cv"]


@dataclass(frozen=True, slots=True)
class Derivation:
    """How one tree indicator is computed from the log.

    Attributes
    ----------
    indicator
        Leaf id in the tree (the output column is the leaf's data column).
    quantity
        Per-ticket quantity (see :func:`log_indicators`): ``response``, ``within``,
        ``resolved``, ``fcr``, ``satisfaction``, ``handling_wd``, ``review``,
        ``return_handling_wd``, ``processing``, ``delivery``, ``on_time``.
    types
        Ticket types that enter the statistic.
    statistic
        ``mean`` of the quantity, ``share`` (× 100, a percentage) or ``cv``.
    kind
        ``time`` (converted to the leaf's unit s/min/h/d), ``working_day``, ``percent``,
        ``ratio`` or ``rating``.
    needs
        Log columns required.
    segmented
        Whether weekday/weekend and peak/off-peak columns are produced.
    """

    indicator: str
    quantity: str
    types: tuple[str, ...]
    statistic: Statistic
    kind: Literal["time", "working_day", "percent", "ratio", "rating"]
    needs: tuple[str, ...]
    segmented: bool = False


_SERVICE = ("inquiry", "complaint")
_AFTER_SALES = ("return", "refund")
DERIVATIONS: tuple[Derivation, ...] = (
    Derivation(
        "first_response_time", "response", _SERVICE, "mean", "time", ("first_response_at",), True
    ),
    Derivation(
        "response_rate", "within", _SERVICE, "share", "percent", ("first_response_at",), True
    ),
    Derivation(
        "response_consistency", "response", _SERVICE, "cv", "ratio", ("first_response_at",), True
    ),
    Derivation("resolution_rate", "resolved", _SERVICE, "share", "percent", ("resolved",)),
    Derivation(
        "first_contact_resolution",
        "fcr",
        _SERVICE,
        "share",
        "percent",
        ("first_contact_resolved",),
    ),
    Derivation(
        "complaint_handling_time",
        "handling_wd",
        ("complaint",),
        "mean",
        "working_day",
        ("resolved_at",),
    ),
    Derivation(
        "customer_satisfaction", "satisfaction", _SERVICE, "mean", "rating", ("satisfaction",)
    ),
    Derivation("order_processing_time", "processing", ("order",), "mean", "time", ("shipped_at",)),
    Derivation(
        "delivery_time", "delivery", ("order",), "mean", "time", ("shipped_at", "delivered_at")
    ),
    Derivation(
        "on_time_rate", "on_time", ("order",), "share", "percent", ("delivered_at", "promised_at")
    ),
    Derivation(
        "after_sales_response_time",
        "response",
        _AFTER_SALES,
        "mean",
        "time",
        ("first_response_at",),
    ),
    Derivation("return_review_time", "review", ("return",), "mean", "time", ("reviewed_at",)),
    Derivation(
        "return_handling_time",
        "return_handling_wd",
        ("return",),
        "mean",
        "working_day",
        ("reviewed_at", "resolved_at"),
    ),
    Derivation("refund_review_time", "review", ("refund",), "mean", "time", ("reviewed_at",)),
    Derivation("return_success_rate", "resolved", ("return",), "share", "percent", ("resolved",)),
    Derivation(
        "after_sales_satisfaction",
        "satisfaction",
        _AFTER_SALES,
        "mean",
        "rating",
        ("satisfaction",),
    ),
    Derivation(
        "tech_response_time", "response", ("technical",), "mean", "time", ("first_response_at",)
    ),
    Derivation(
        "tech_resolution_rate", "resolved", ("technical",), "share", "percent", ("resolved",)
    ),
    Derivation(
        "tech_satisfaction", "satisfaction", ("technical",), "mean", "rating", ("satisfaction",)
    ),
)
"""Log → indicator mapping for the ids of the shipped ``ecommerce_service`` tree.

``first_response_time``: mean first-response time of answered inquiry/complaint tickets;
``response_rate``: % of inquiry/complaint tickets answered within ``response_standard``;
``response_consistency``: CV of those response times; ``resolution_rate`` /
``first_contact_resolution``: % resolved / resolved at first contact; ``complaint_handling_time``:
mean working days from creation to resolution of complaints; ``customer_satisfaction``: mean
rating; ``order_processing_time``: creation → shipped; ``delivery_time``: shipped → delivered;
``on_time_rate``: % of delivered orders with a promise delivered by ``promised_at``;
``after_sales_response_time``: first response to return/refund tickets; ``return_review_time``
/ ``refund_review_time``: creation → review; ``return_handling_time``: working days from the
review (确认) to completion [1]_; ``return_success_rate``: % of returns resolved;
``tech_*``: the same for technical tickets.
"""


def _scale(d: Derivation, leaf: Any) -> float:
    """Factor from the quantity's native unit to the leaf's unit; TreeSpecError if none."""
    from evalsys.model.nodes import QuantitativeNode, RatingNode

    if d.kind == "rating":
        if not isinstance(leaf, RatingNode) or leaf.input != "mean":
            raise TreeSpecError(
                "is derived from logs as a mean rating; the leaf must be a rating with "
                "input 'mean'",
                node=leaf.id,
            )
        return 1.0
    if not isinstance(leaf, QuantitativeNode):
        raise TreeSpecError(
            f"is derived from logs as a measured quantity; the leaf is a {leaf.kind}", node=leaf.id
        )
    unit = leaf.unit
    if d.kind == "time":
        if unit not in _TIME_UNITS:
            raise TreeSpecError(
                f"has unit '{unit}'; a duration derived from logs needs one of "
                f"{', '.join(_TIME_UNITS)}",
                node=leaf.id,
            )
        return 1.0 / _TIME_UNITS[unit]
    expected = {"working_day": ("working_day",), "percent": ("%",), "ratio": ("ratio", "1", "")}
    if unit not in expected[d.kind]:
        raise TreeSpecError(
            f"has unit '{unit}'; the log statistic is in {expected[d.kind][0]}", node=leaf.id
        )
    return 100.0 if d.kind == "percent" else 1.0
