"""evalsys — multi-level indicator evaluation systems (評價指標體系).

Define a tree of dimensions and indicators, derive weights (AHP with consistency checks,
group and fuzzy AHP, objective weights), score many entities by fuzzy comprehensive
evaluation, grade, rank and benchmark them.

Public names are imported lazily so that ``import evalsys`` (and the CLI) start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from evalsys._version import __version__

_LAZY: dict[str, str] = {
    "TreeSpec": "evalsys.model.tree",
    "load_tree": "evalsys.model.io",
    "dump_tree": "evalsys.model.io",
    "compile_tree": "evalsys.model.compiled",
    "CompiledTree": "evalsys.model.compiled",
    "generate_sample": "evalsys.model.sample",
    "EvalsysError": "evalsys.errors",
    "TreeSpecError": "evalsys.errors",
    "DataError": "evalsys.errors",
    "MatrixError": "evalsys.errors",
    "ShapeError": "evalsys.errors",
    "UnknownMethodError": "evalsys.errors",
    "RITableError": "evalsys.errors",
    "ConsistencyWarning": "evalsys.errors",
    "ValidityWarning": "evalsys.errors",
    "ahp_priorities": "evalsys.weights.ahp",
    "AHPResult": "evalsys.weights.ahp",
    "diagnose": "evalsys.weights.consistency",
    "suggest_repair": "evalsys.weights.consistency",
    "ri_simulate": "evalsys.weights.consistency",
    "gci": "evalsys.weights.consistency",
    "koczkodaj": "evalsys.weights.consistency",
    "hierarchical_cr": "evalsys.weights.consistency",
    "incomplete_priorities": "evalsys.weights.incomplete",
    "group_priorities": "evalsys.weights.group",
    "GroupResult": "evalsys.weights.group",
    "fuzzy_ahp": "evalsys.weights.fuzzy_ahp",
    "FuzzyAHPResult": "evalsys.weights.fuzzy_ahp",
    "objective_weights": "evalsys.weights.objective",
    "ObjectiveResult": "evalsys.weights.objective",
    "combine_weights": "evalsys.weights.objective",
    "CombinedResult": "evalsys.weights.objective",
    "tree_weights": "evalsys.weights.hierarchy",
    "TreeWeights": "evalsys.weights.hierarchy",
    "fce": "evalsys.scoring.fce",
    "fce_level": "evalsys.scoring.fce",
    "indicator_data": "evalsys.model.data",
    "IndicatorData": "evalsys.model.data",
    "score_entities": "evalsys.scoring.evaluate",
    "ScoreResult": "evalsys.scoring.evaluate",
    "read_table": "evalsys.model.tables",
    "write_table": "evalsys.model.tables",
    "load_standards": "evalsys.analysis.benchmark",
    "check_standards": "evalsys.analysis.benchmark",
    "improvement_targets": "evalsys.analysis.benchmark",
    "peer_percentiles": "evalsys.analysis.benchmark",
    "perturb_one_at_a_time": "evalsys.analysis.sensitivity",
    "monte_carlo": "evalsys.analysis.sensitivity",
    "flip_points": "evalsys.analysis.sensitivity",
    "method_agreement": "evalsys.analysis.sensitivity",
    "read_logs": "evalsys.analysis.records",
    "log_indicators": "evalsys.analysis.records",
    "generate_logs": "evalsys.analysis.records",
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
    from evalsys.analysis.benchmark import (
        check_standards as check_standards,
    )
    from evalsys.analysis.benchmark import (
        improvement_targets as improvement_targets,
    )
    from evalsys.analysis.benchmark import (
        load_standards as load_standards,
    )
    from evalsys.analysis.benchmark import (
        peer_percentiles as peer_percentiles,
    )
    from evalsys.analysis.records import (
        generate_logs as generate_logs,
    )
    from evalsys.analysis.records import (
        log_indicators as log_indicators,
    )
    from evalsys.analysis.records import (
        read_logs as read_logs,
    )
    from evalsys.analysis.sensitivity import (
        flip_points as flip_points,
    )
    from evalsys.analysis.sensitivity import (
        method_agreement as method_agreement,
    )
    from evalsys.analysis.sensitivity import (
        monte_carlo as monte_carlo,
    )
    from evalsys.analysis.sensitivity import (
        perturb_one_at_a_time as perturb_one_at_a_time,
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
    from evalsys.model.compiled import (
        CompiledTree as CompiledTree,
    )
    from evalsys.model.compiled import (
        compile_tree as compile_tree,
    )
    from evalsys.model.data import (
        IndicatorData as IndicatorData,
    )
    from evalsys.model.data import (
        indicator_data as indicator_data,
    )
    from evalsys.model.io import (
        dump_tree as dump_tree,
    )
    from evalsys.model.io import (
        load_tree as load_tree,
    )
    from evalsys.model.sample import (
        generate_sample as generate_sample,
    )
    from evalsys.model.tables import (
        read_table as read_table,
    )
    from evalsys.model.tables import (
        write_table as write_table,
    )
    from evalsys.model.tree import (
        TreeSpec as TreeSpec,
    )
    from evalsys.report.build import (
        build_report as build_report,
    )
    from evalsys.scoring.evaluate import (
        ScoreResult as ScoreResult,
    )
    from evalsys.scoring.evaluate import (
        score_entities as score_entities,
    )
    from evalsys.scoring.fce import (
        fce as fce,
    )
    from evalsys.scoring.fce import (
        fce_level as fce_level,
    )
    from evalsys.weights.ahp import (
        AHPResult as AHPResult,
    )
    from evalsys.weights.ahp import (
        ahp_priorities as ahp_priorities,
    )
    from evalsys.weights.consistency import (
        diagnose as diagnose,
    )
    from evalsys.weights.consistency import (
        gci as gci,
    )
    from evalsys.weights.consistency import (
        hierarchical_cr as hierarchical_cr,
    )
    from evalsys.weights.consistency import (
        koczkodaj as koczkodaj,
    )
    from evalsys.weights.consistency import (
        ri_simulate as ri_simulate,
    )
    from evalsys.weights.consistency import (
        suggest_repair as suggest_repair,
    )
    from evalsys.weights.fuzzy_ahp import (
        FuzzyAHPResult as FuzzyAHPResult,
    )
    from evalsys.weights.fuzzy_ahp import (
        fuzzy_ahp as fuzzy_ahp,
    )
    from evalsys.weights.group import (
        GroupResult as GroupResult,
    )
    from evalsys.weights.group import (
        group_priorities as group_priorities,
    )
    from evalsys.weights.hierarchy import (
        TreeWeights as TreeWeights,
    )
    from evalsys.weights.hierarchy import (
        tree_weights as tree_weights,
    )
    from evalsys.weights.incomplete import (
        incomplete_priorities as incomplete_priorities,
    )
    from evalsys.weights.objective import (
        CombinedResult as CombinedResult,
    )
    from evalsys.weights.objective import (
        ObjectiveResult as ObjectiveResult,
    )
    from evalsys.weights.objective import (
        combine_weights as combine_weights,
    )
    from evalsys.weights.objective import (
        objective_weights as objective_weights,
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
