"""Benchmarking against industry standards, gap analysis and peer benchmarking.

The source documents ask evaluators to compare merchants with industry standards, find
the gaps and propose improvements (與行業標準對標,識別差距,提出改進措施), with standards
that may differ by segment (差异化的服务标准).  The package has three parts, in these
modules (their public names are re-exported here):

:mod:`~evalsys.analysis.benchmark.standards` — :class:`StandardsProfile`, :func:`load_standards`
    Standards profiles: versioned YAML/JSON files with provenance, per indicator a limit in
    the indicator's unit, optionally for one segment of the entities; their model
    (:class:`StandardEntry`, :class:`SeverityBands`), checks (:func:`check_profile`) and
    loading (:func:`standards_from_dict`, :func:`shipped_standards`).
:mod:`~evalsys.analysis.benchmark.compliance` — :func:`check_standards`
    Per entity and indicator pass/fail, the gap to the limit, the relative gap and a
    severity, and per indicator the share of entities compliant; the rules (choice of
    standard, gap, severity, empty segments) are in its docstring.
:mod:`~evalsys.analysis.benchmark.compliance_result` — :class:`ComplianceResult`
    The result of a check, its tables and summaries (:class:`SegmentCompliance`,
    :class:`UnusedStandard`, :data:`SEVERITIES`).
:mod:`~evalsys.analysis.benchmark.targets` — :func:`improvement_targets`
    Gap analysis: per entity the k indicators whose improvement would raise its FCE score
    most, and the smallest single-indicator change that lifts it to a better grade.
:mod:`~evalsys.analysis.benchmark.peers` — :func:`peer_percentiles`
    Peer benchmarking: percentile of every entity per indicator, per dimension and overall
    within its segment, and the profile of each segment's top decile.
"""

from __future__ import annotations

from evalsys.analysis.benchmark.compliance import EMPTY_SEGMENT_POLICIES, check_standards
from evalsys.analysis.benchmark.compliance_result import (
    SEVERITIES,
    ComplianceResult,
    SegmentCompliance,
    UnusedStandard,
)
from evalsys.analysis.benchmark.peers import PeerBenchmark, peer_percentiles
from evalsys.analysis.benchmark.standards import (
    SeverityBands,
    StandardEntry,
    StandardsProfile,
    StandardsWarning,
    check_profile,
    indicator_unit,
    load_standards,
    shipped_standards,
    standards_from_dict,
)
from evalsys.analysis.benchmark.targets import ImprovementTargets, improvement_targets

__all__ = [
    "EMPTY_SEGMENT_POLICIES",
    "SEVERITIES",
    "ComplianceResult",
    "ImprovementTargets",
    "PeerBenchmark",
    "SegmentCompliance",
    "SeverityBands",
    "StandardEntry",
    "StandardsProfile",
    "StandardsWarning",
    "UnusedStandard",
    "check_profile",
    "check_standards",
    "improvement_targets",
    "indicator_unit",
    "load_standards",
    "peer_percentiles",
    "shipped_standards",
    "standards_from_dict",
]
