"""Public entry point of the Dask engine: ``evalsys.dask.score(ddf, tree)``.

The engine itself lives in :mod:`evalsys.engines.dask`; this module keeps the documented
import path (``from evalsys import dask``) working.  Needs ``pip install 'evalsys[dask]'``.
"""

from __future__ import annotations

from evalsys.engines.dask import DaskScoring, client, run, score

__all__ = ["DaskScoring", "client", "run", "score"]
