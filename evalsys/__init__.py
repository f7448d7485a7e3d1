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
    "diagnose": "evalsys.weights.diagnosis",
    "suggest_repair": "evalsys.weights.diagnosis",
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
    "bwm": "evalsys.weights.bwm",
    "BWMResult": "evalsys.weights.bwm",
    "vikor": "evalsys.scoring.vikor",
    "promethee_ii": "evalsys.scoring.promethee",
    "rank_similarity": "evalsys.analysis.rank_similarity",
    "tree_weights": "evalsys.weights.hierarchy",
    "TreeWeights": "evalsys.weights.hierarchy",
    "fce": "evalsys.scoring.fce",
    "fce_level": "evalsys.scoring.fce",
    "indicator_data": "evalsys.model.data",
    "IndicatorData": "evalsys.model.data",
    "score_entities": "evalsys.engines.memory",
    "ScoreResult": "evalsys.scoring.result",
    "read_table": "evalsys.model.tables",
    "write_table": "evalsys.model.tables",
    "load_standards": "evalsys.analysis.benchmark",
    "check_standards": "evalsys.analysis.benchmark",
    "improvement_targets": "evalsys.analysis.benchmark",
    "peer_percentiles": "evalsys.analysis.benchmark",
    "perturb_one_at_a_time": "evalsys.analysis.sensitivity.oat",
    "monte_carlo": "evalsys.analysis.sensitivity.montecarlo",
    "flip_points": "evalsys.analysis.sensitivity.flips",
    "method_agreement": "evalsys.analysis.sensitivity.agreement",
    "read_logs": "evalsys.analysis.records",
    "log_indicators": "evalsys.analysis.records",
    "generate_logs": "evalsys.analysis.records",
    "build_report": "evalsys.report.compute",
    "ParameterError": "evalsys.errors",
    "HistoryStore": "evalsys.history.store",
    "append_period": "evalsys.history.store",
    "Panel": "evalsys.history.panel",
    "parse_period": "evalsys.history.periods",
    "rule_version": "evalsys.history.versions",
    "rescore": "evalsys.history.versions",
    "load_rules": "evalsys.history.rules",
    "evaluate_alerts": "evalsys.history.alerts",
    "store_alerts": "evalsys.history.monitor",
    "changes": "evalsys.history.trends",
    "movers": "evalsys.history.trends",
    "transitions": "evalsys.history.trends",
    "entity_trend": "evalsys.history.trends",
    "cohorts": "evalsys.history.trends",
    "tier_track": "evalsys.history.checks",
}

__all__ = [
    "AHPResult",
    "BWMResult",
    "CombinedResult",
    "CompiledTree",
    "ConsistencyWarning",
    "DataError",
    "EvalsysError",
    "FuzzyAHPResult",
    "GroupResult",
    "HistoryStore",
    "IndicatorData",
    "MatrixError",
    "ObjectiveResult",
    "Panel",
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
    "append_period",
    "build_report",
    "bwm",
    "changes",
    "check_standards",
    "cohorts",
    "combine_weights",
    "compile_tree",
    "diagnose",
    "dump_tree",
    "entity_trend",
    "evaluate_alerts",
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
    "load_rules",
    "load_standards",
    "load_tree",
    "log_indicators",
    "method_agreement",
    "monte_carlo",
    "movers",
    "objective_weights",
    "parse_period",
    "peer_percentiles",
    "perturb_one_at_a_time",
    "promethee_ii",
    "rank_similarity",
    "read_logs",
    "read_table",
    "rescore",
    "ri_simulate",
    "rule_version",
    "score_entities",
    "store_alerts",
    "suggest_repair",
    "tier_track",
    "transitions",
    "tree_weights",
    "vikor",
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
    from evalsys.analysis.rank_similarity import (
        rank_similarity as rank_similarity,
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
    from evalsys.analysis.sensitivity.agreement import (
        method_agreement as method_agreement,
    )
    from evalsys.analysis.sensitivity.flips import (
        flip_points as flip_points,
    )
    from evalsys.analysis.sensitivity.montecarlo import (
        monte_carlo as monte_carlo,
    )
    from evalsys.analysis.sensitivity.oat import (
        perturb_one_at_a_time as perturb_one_at_a_time,
    )
    from evalsys.engines.memory import (
        score_entities as score_entities,
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
    from evalsys.history.alerts import (
        evaluate_alerts as evaluate_alerts,
    )
    from evalsys.history.checks import (
        tier_track as tier_track,
    )
    from evalsys.history.monitor import (
        store_alerts as store_alerts,
    )
    from evalsys.history.panel import (
        Panel as Panel,
    )
    from evalsys.history.periods import (
        parse_period as parse_period,
    )
    from evalsys.history.rules import (
        load_rules as load_rules,
    )
    from evalsys.history.store import (
        HistoryStore as HistoryStore,
    )
    from evalsys.history.store import (
        append_period as append_period,
    )
    from evalsys.history.trends import (
        changes as changes,
    )
    from evalsys.history.trends import (
        cohorts as cohorts,
    )
    from evalsys.history.trends import (
        entity_trend as entity_trend,
    )
    from evalsys.history.trends import (
        movers as movers,
    )
    from evalsys.history.trends import (
        transitions as transitions,
    )
    from evalsys.history.versions import (
        rescore as rescore,
    )
    from evalsys.history.versions import (
        rule_version as rule_version,
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
    from evalsys.report.compute import (
        build_report as build_report,
    )
    from evalsys.scoring.fce import (
        fce as fce,
    )
    from evalsys.scoring.fce import (
        fce_level as fce_level,
    )
    from evalsys.scoring.promethee import (
        promethee_ii as promethee_ii,
    )
    from evalsys.scoring.result import (
        ScoreResult as ScoreResult,
    )
    from evalsys.scoring.vikor import (
        vikor as vikor,
    )
    from evalsys.weights.ahp import (
        AHPResult as AHPResult,
    )
    from evalsys.weights.ahp import (
        ahp_priorities as ahp_priorities,
    )
    from evalsys.weights.bwm import (
        BWMResult as BWMResult,
    )
    from evalsys.weights.bwm import (
        bwm as bwm,
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
    from evalsys.weights.diagnosis import (
        diagnose as diagnose,
    )
    from evalsys.weights.diagnosis import (
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
