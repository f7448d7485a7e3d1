"""The model layer: what an evaluation system *is*, read from files and checked once.

Owns the tree file format (:mod:`~evalsys.model.tree`, pydantic, frozen: the common base and
located errors in :mod:`~evalsys.model.base`, the node kinds in :mod:`~evalsys.model.nodes`,
the weight specifications in :mod:`~evalsys.model.weights_spec`), its JSON Schema
(:mod:`~evalsys.model.schema`), reading documents with file/line errors and atomic writes
(:mod:`~evalsys.model.io`), the compiled read-only arrays of a tree
(:mod:`~evalsys.model.compiled`), the entity-data contract (:mod:`~evalsys.model.data`),
tables in and out (:mod:`~evalsys.model.tables`) and the sample generator
(:mod:`~evalsys.model.sample`).  Imports nothing from the layers above it.
"""
