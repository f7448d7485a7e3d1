r"""Sensitivity and robustness of scores, ranks and grades to the weights.

A package of four analyses, all on one :class:`~evalsys.model.compiled.CompiledTree` and
one set of :class:`~evalsys.model.data.IndicatorData`, one module each (import from the
module; this ``__init__`` holds only the shared theory below):

:mod:`~evalsys.analysis.sensitivity.oat` — :func:`perturb_one_at_a_time`
    One-at-a-time (OAT) perturbation: one child's **local** weight is scaled by
    :math:`1 \pm \delta` and its siblings are renormalised; every perturbed tree is
    re-scored and compared with the base ranking.  The default ``levels=(1,)`` perturbs the
    first-level dimensions (children of the root), the most readable view; deeper levels
    perturb indicator weights inside their dimension.
:mod:`~evalsys.analysis.sensitivity.montecarlo` — :func:`monte_carlo`
    Monte Carlo over the weights (``mode="weights"``: each node's local weights drawn from a
    Dirichlet distribution centred on the base) or over the pairwise judgments
    (``mode="judgments"``: every judgment moved within the Saaty scale, priorities
    recomputed by one stacked :func:`evalsys.weights.ahp.ahp_priorities` call per node).  Reports
    per-entity stability (probability of keeping the rank, a rank within ±r, the grade,
    top-k membership) and per-sample agreement with the base ranking (Spearman, Kendall).
:mod:`~evalsys.analysis.sensitivity.flips` — :func:`flip_points`
    The exact smallest change of one node's weight at which the top-k set or some entity's
    grade changes (linear aggregations).
:mod:`~evalsys.analysis.sensitivity.agreement` — :func:`method_agreement`
    Rank correlations between FCE (every fuzzy operator), weighted sum, TOPSIS and grey
    relational analysis.

What they share: :mod:`~evalsys.analysis.sensitivity.core` (the scoring model prepared
once and evaluated for stacks of local weights, :func:`with_local_weights`, the argument
checks) and :mod:`~evalsys.analysis.sensitivity.stability` (ranks with the tie tolerance
and the per-entity / per-sample statistics against the base ranking).

The linear identity
-------------------
With the weighted-average operator :math:`M(\cdot,+)` and complete data, the root
evaluation vector is linear in the **global** leaf weights :math:`W_l` [5]_:

.. math:: B_e = \sum_l W_l R_{el}, \qquad
          s_e = \frac{\sum_g B_{eg} v_g}{\sum_g B_{eg}}
              = \frac{\sum_l W_l\,(R_{el}\cdot v)}{\sum_l W_l\,(R_{el}\cdot 1)}

(:math:`v` the grade scores).  When every membership row sums to 1 (true for every
default membership) the denominator is :math:`\sum_l W_l = 1` and
:math:`s_e = \sum_l W_l\,\mathrm{leaf\_score}_{el}` — exactly what
:func:`evalsys.engines.memory.score_entities` computes level by level.  S weight samples and E
entities are therefore one ``(S, L) @ (L, E)`` matrix product for the scores and G such
products for the grades (maximum membership of :math:`B`).  The weighted sum of
utilities is linear too (:math:`s_e = \sum_l W_l n_{el} / \sum_l W_l`).  Non-linear
aggregations (the operators ``min_max``, ``product_max``, ``min_bounded_sum``, TOPSIS,
grey relational analysis) and FCE with missing indicators (``missing="renormalize"``
renormalises per missing pattern) fall back to re-evaluating the tree once per sample:
a Python loop over samples, vectorised over entities — fine for a few hundred samples.

Ranks are competition ranks (rank 1 = best, ties share the smallest rank), as in
:func:`evalsys.scoring.grading.ranks`; Spearman's ρ is the Pearson correlation of average ranks
[2]_, Kendall's τ is :math:`\tau_b` [3]_ (:func:`scipy.stats.kendalltau`).  Grades are by
maximum membership (ties to the better grade), as in :func:`evalsys.scoring.grading.max_membership`.
The rounding of a matrix product depends on the BLAS kernel and on a sample's position in
the batch (a few ulp), so scores closer than 1e-12 × the largest score, and memberships
closer than 1e-12, count as ties: identical entities, or a sample equal to the base
weights, never change rank or grade by rounding.  Nothing is rounded.

References
----------
.. [1] Butler, J., Jia, J., Dyer, J. (1997). Simulation techniques for the sensitivity
   analysis of multi-criteria decision models. *European Journal of Operational Research*
   103(3), 531–546.
.. [2] Spearman, C. (1904). The proof and measurement of association between two things.
   *American Journal of Psychology* 15(1), 72–101.
.. [3] Kendall, M. G. (1938). A new measure of rank correlation. *Biometrika* 30(1/2),
   81–93.
.. [4] Triantaphyllou, E., Sánchez, A. (1997). A sensitivity analysis approach for some
   deterministic multi-criteria decision-making methods. *Decision Sciences* 28(1),
   151–194.
.. [5] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社, 第4章.
.. [6] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
.. [7] Saltelli, A. et al. (2008). *Global Sensitivity Analysis: The Primer*. Wiley.
"""
