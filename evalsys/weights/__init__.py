"""The weights layer: local and global weights of a tree's nodes.

AHP priority methods (:mod:`~evalsys.weights.ahp`, the principal eigenpair in
:mod:`~evalsys.weights.eigen`), RI tables (:mod:`~evalsys.weights.ri_tables`), consistency
indices (:mod:`~evalsys.weights.consistency`), diagnosis and repair of inconsistent
judgments (:mod:`~evalsys.weights.diagnosis`), expert surveys to judgment matrices
(:mod:`~evalsys.weights.survey`, :mod:`~evalsys.weights.survey_group`,
:mod:`~evalsys.weights.survey_write`), incomplete matrices
(:mod:`~evalsys.weights.incomplete`), group AHP (:mod:`~evalsys.weights.group`), fuzzy AHP
(:mod:`~evalsys.weights.fuzzy_ahp`), objective weights and combinations
(:mod:`~evalsys.weights.objective`) and the weights of a whole tree
(:mod:`~evalsys.weights.hierarchy`).  Depends on :mod:`evalsys.model` only.
"""
