"""Where a node or fleet project enters the planning LP: the first of its ``T`` rows and what
one module adds to their right-hand sides, period by period.

A node project raises a loading limit by ``adds_mtpa * f_t``; a fleet project adds one vessel,
what it carries in each period (``docs/dataset-format.md``, "Fleet projects"). The deterministic
and the two-stage models both put ``-adds[t] * n_p`` into those rows.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from crudeflow.errors import ScenarioError
from crudeflow.invest.projects import Project
from crudeflow.solve.lp import LinearProgram

__all__ = ["row_adds"]

FloatArray = npt.NDArray[np.float64]


def row_adds(lp: LinearProgram, project: Project) -> tuple[int, FloatArray] | None:
    """``(first_row, adds_mt[T])`` of a node or fleet project; None for a route project.

    Raises
    ------
    ScenarioError
        The node has no loading limit in ``lp``, or the class is in no pool of it.
    """
    if project.on_node:
        for tr in lp.throughput_rows:
            if tr.node == project.node:
                return tr.first_row, project.adds_mtpa * lp.periods.fraction
        raise ScenarioError(f"project {project.id}: no loading limit at node {project.node!r}")
    if project.on_fleet:
        for fr in lp.fleet_rows:
            if project.fleet in fr.classes:
                return fr.first_row, fr.per_vessel_mt[fr.classes.index(project.fleet)].copy()
        raise ScenarioError(f"project {project.id}: no tanker class {project.fleet!r} to add to")
    return None
