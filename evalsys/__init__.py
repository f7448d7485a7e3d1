"""evalsys — multi-level indicator evaluation systems (評價指標體系).

Define a tree of dimensions and indicators, derive weights (AHP with consistency checks,
group and fuzzy AHP, objective weights), score many entities by fuzzy comprehensive
evaluation, grade, rank and benchmark them.

Public names are imported lazily so that ``import evalsys`` (and the CLI) start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "TreeSpec": "evalsys.tree",
    "load_tree": "evalsys.io",
    "dump_tree": "evalsys.io",
    "compile_tree": "evalsys.compiled",
    "CompiledTree": "evalsys.compiled",
    "generate_sample": "evalsys.sample",
    "EvalsysError": "evalsys.errors",
    "TreeSpecError": "evalsys.errors",
    "DataError": "evalsys.errors",
    "MatrixError": "evalsys.errors",
    "ShapeError": "evalsys.errors",
    "UnknownMethodError": "evalsys.errors",
    "RITableError": "evalsys.errors",
    "ConsistencyWarning": "evalsys.errors",
    "ValidityWarning": "evalsys.errors",
    "ahp_priorities": "evalsys.ahp",
    "AHPResult": "evalsys.ahp",
    "diagnose": "evalsys.consistency",
    "suggest_repair": "evalsys.consistency",
    "ri_simulate": "evalsys.consistency",
    "gci": "evalsys.consistency",
    "koczkodaj": "evalsys.consistency",
    "hierarchical_cr": "evalsys.consistency",
    "incomplete_priorities": "evalsys.incomplete",
    "group_priorities": "evalsys.group",
    "GroupResult": "evalsys.group",
    "fuzzy_ahp": "evalsys.fuzzy_ahp",
    "FuzzyAHPResult": "evalsys.fuzzy_ahp",
    "objective_weights": "evalsys.objective",
    "ObjectiveResult": "evalsys.objective",
    "combine_weights": "evalsys.objective",
    "CombinedResult": "evalsys.objective",
    "tree_weights": "evalsys.weighting",
    "TreeWeights": "evalsys.weighting",
    "fce": "evalsys.fce",
    "fce_level": "evalsys.fce",
    "indicator_data": "evalsys.data",
    "IndicatorData": "evalsys.data",
    "score_entities": "evalsys.evaluate",
    "ScoreResult": "evalsys.evaluate",
    "read_table": "evalsys.tables",
    "write_table": "evalsys.tables",
    "load_standards": "evalsys.benchmark",
    "check_standards": "evalsys.benchmark",
    "improvement_targets": "evalsys.benchmark",
    "peer_percentiles": "evalsys.benchmark",
    "perturb_one_at_a_time": "evalsys.sensitivity",
    "monte_carlo": "evalsys.sensitivity",
    "flip_points": "evalsys.sensitivity",
    "method_agreement": "evalsys.sensitivity",
    "read_logs": "evalsys.records",
    "log_indicators": "evalsys.records",
    "generate_logs": "evalsys.records",
    "build_report": "evalsys.report.build",
    "ParameterError": "evalsys.errors",
}

__all__ = [
    "AHPResult",
    "CombinedResult",
    "CompiledTree",
    "ConsistencyWarning",
    "DataError",
    "EvalsysError",
    "FuzzyAHPResult",
    "GroupResult",
    "IndicatorData",
    "MatrixError",
    "ObjectiveResult",
    "ParameterError",
    "RITableError",
    "ScoreResult",
    "ShapeError",
    "TreeSpec",
    "TreeSpecError",
    "TreeWeights",
    "UnknownMethodError",
    "ValidityWarning",
    "__version__",
    "ahp_priorities",
    "build_report",
    "check_standards",
    "combine_weights",
    "compile_tree",
    "diagnose",
    "dump_tree",
    "fce",
    "fce_level",
    "flip_points",
    "fuzzy_ahp",
    "gci",
    "generate_logs",
    "generate_sample",
    "group_priorities",
    "hierarchical_cr",
    "improvement_targets",
    "incomplete_priorities",
    "indicator_data",
    "koczkodaj",
    "load_standards",
    "load_tree",
    "log_indicators",
    "method_agreement",
    "monte_carlo",
    "objective_weights",
    "peer_percentiles",
    "perturb_one_at_a_time",
    "read_logs",
    "read_table",
    "ri_simulate",
    "score_entities",
    "suggest_repair",
    "tree_weights",
    "write_table",
]

if TYPE_CHECKING:  # pragma: no cover
    from evalsys.ahp import (
        AHPResult as AHPResult,
    )
    from evalsys.ahp import (
        ahp_priorities as ahp_priorities,
    )
    from evalsys.benchmark import (
        check_standards as check_standards,
    )
    from evalsys.benchmark import (
        improvement_targets as improvement_targets,
    )
    from evalsys.benchmark import (
        load_standards as load_standards,
    )
    from evalsys.benchmark import (
        peer_percentiles as peer_percentiles,
    )
    from evalsys.compiled import (
        CompiledTree as CompiledTree,
    )
    from evalsys.compiled import (
        compile_tree as compile_tree,
    )
    from evalsys.consistency import (
        diagnose as diagnose,
    )
    from evalsys.consistency import (
        gci as gci,
    )
    from evalsys.consistency import (
        hierarchical_cr as hierarchical_cr,
    )
    from evalsys.consistency import (
        koczkodaj as koczkodaj,
    )
    from evalsys.consistency import (
        ri_simulate as ri_simulate,
    )
    from evalsys.consistency import (
        suggest_repair as suggest_repair,
    )
    from evalsys.data import (
        IndicatorData as IndicatorData,
    )
    from evalsys.data import (
        indicator_data as indicator_data,
    )
    from evalsys.errors import (
        ConsistencyWarning as ConsistencyWarning,
    )
    from evalsys.errors import (
        DataError as DataError,
    )
    from evalsys.errors import (
        EvalsysError as EvalsysError,
    )
    from evalsys.errors import (
        MatrixError as MatrixError,
    )
    from evalsys.errors import (
        ParameterError as ParameterError,
    )
    from evalsys.errors import (
        RITableError as RITableError,
    )
    from evalsys.errors import (
        ShapeError as ShapeError,
    )
    from evalsys.errors import (
        TreeSpecError as TreeSpecError,
    )
    from evalsys.errors import (
        UnknownMethodError as UnknownMethodError,
    )
    from evalsys.errors import (
        ValidityWarning as ValidityWarning,
    )
    from evalsys.evaluate import (
        ScoreResult as ScoreResult,
    )
    from evalsys.evaluate import (
        score_entities as score_entities,
    )
    from evalsys.fce import (
        fce as fce,
    )
    from evalsys.fce import (
        fce_level as fce_level,
    )
    from evalsys.fuzzy_ahp import (
        FuzzyAHPResult as FuzzyAHPResult,
    )
    from evalsys.fuzzy_ahp import (
        fuzzy_ahp as fuzzy_ahp,
    )
    from evalsys.group import (
        GroupResult as GroupResult,
    )
    from evalsys.group import (
        group_priorities as group_priorities,
    )
    from evalsys.incomplete import (
        incomplete_priorities as incomplete_priorities,
    )
    from evalsys.io import (
        dump_tree as dump_tree,
    )
    from evalsys.io import (
        load_tree as load_tree,
    )
    from evalsys.objective import (
        CombinedResult as CombinedResult,
    )
    from evalsys.objective import (
        ObjectiveResult as ObjectiveResult,
    )
    from evalsys.objective import (
        combine_weights as combine_weights,
    )
    from evalsys.objective import (
        objective_weights as objective_weights,
    )
    from evalsys.records import (
        generate_logs as generate_logs,
    )
    from evalsys.records import (
        log_indicators as log_indicators,
    )
    from evalsys.records import (
        read_logs as read_logs,
    )
    from evalsys.report.build import (
        build_report as build_report,
    )
    from evalsys.sample import (
        generate_sample as generate_sample,
    )
    from evalsys.sensitivity import (
        flip_points as flip_points,
    )
    from evalsys.sensitivity import (
        method_agreement as method_agreement,
    )
    from evalsys.sensitivity import (
        monte_carlo as monte_carlo,
    )
    from evalsys.sensitivity import (
        perturb_one_at_a_time as perturb_one_at_a_time,
    )
    from evalsys.tables import (
        read_table as read_table,
    )
    from evalsys.tables import (
        write_table as write_table,
    )
    from evalsys.tree import (
        TreeSpec as TreeSpec,
    )
    from evalsys.weighting import (
        TreeWeights as TreeWeights,
    )
    from evalsys.weighting import (
        tree_weights as tree_weights,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'evalsys' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
