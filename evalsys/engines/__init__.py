"""The engines: the same scoring run in memory, streamed in chunks, or on Dask.

Every engine gives the same columns and the same bits, and takes its choices as one
:class:`~evalsys.engines.options.ScoreOptions`: :mod:`~evalsys.engines.memory`,
:mod:`~evalsys.engines.stream` and :mod:`~evalsys.engines.dask`, with the shared Parquet/CSV
blocks (:mod:`~evalsys.engines.arrow_io`), scorer and block checks
(:mod:`~evalsys.engines.blocks`), entity ids (:mod:`~evalsys.engines.ids`), output columns
(:mod:`~evalsys.engines.columns`) and reporting (:mod:`~evalsys.engines.reporting`).
Depends on the layers below (model, weights, scoring), never on analysis, report or cli.
"""
