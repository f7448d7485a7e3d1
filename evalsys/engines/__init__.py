"""The engines: the same scoring run in memory, streamed in chunks, or on Dask.

Every engine gives the same columns and the same bits.  Depends on the layers below
(model, weights, scoring), never on analysis, report or cli.
"""
