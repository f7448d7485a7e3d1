"""The weights layer: local and global weights of a tree's nodes.

AHP priority methods (:mod:`~evalsys.weights.ahp`), consistency indices, RI tables,
diagnosis and repair (:mod:`~evalsys.weights.consistency`), incomplete matrices
(:mod:`~evalsys.weights.incomplete`), group AHP (:mod:`~evalsys.weights.group`), fuzzy AHP
(:mod:`~evalsys.weights.fuzzy_ahp`), objective weights and combinations
(:mod:`~evalsys.weights.objective`) and the weights of a whole tree
(:mod:`~evalsys.weights.hierarchy`).  Depends on :mod:`evalsys.model` only.
"""
