"""The scoring layer: pure, vectorised kernels from indicator values to scores.

Normalisers, membership functions, fuzzy operators, grading, ranks, other MCDA methods and
the compiled (numba) kernels.  Below the engines: these functions trust their inputs, which
the model layer has checked.  Depends on :mod:`evalsys.model` and :mod:`evalsys.weights`.
"""
