"""The scoring layer: pure, vectorised kernels from indicator values to scores.

Normalisers (:mod:`~evalsys.scoring.normalize`), membership functions
(:mod:`~evalsys.scoring.membership`), fuzzy operators (:mod:`~evalsys.scoring.fce`), grading
and ranks (:mod:`~evalsys.scoring.grading`, :mod:`~evalsys.scoring.ranking`), other MCDA
methods (:mod:`~evalsys.scoring.mcda`), the per-leaf plan of a tree
(:mod:`~evalsys.scoring.plan`), the block scorer every engine runs
(:mod:`~evalsys.scoring.scorer`, with the numpy linear kernels of
:mod:`~evalsys.scoring.linear` and the compiled numba ones of
:mod:`~evalsys.scoring.kernels`) and the result (:mod:`~evalsys.scoring.result`).  Below the
engines: these functions trust their inputs, which
the model layer has checked.  Depends on :mod:`evalsys.model` and :mod:`evalsys.weights`.
"""
