"""What one batch of Monte Carlo draws produces: :class:`BatchResult`.

The engine (:func:`crudeflow.montecarlo.engine.run_batch`) returns one per (scenario, batch);
the runs store (:mod:`crudeflow.store`) writes it in one transaction. The column names below
are the contract between the two (``RISK_INTERFACE.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["ATTRIBUTION_COLUMNS", "DRAW_COLUMNS", "EVENT_COLUMNS", "GROUP_PREFIX", "BatchResult"]

#: Columns of :attr:`BatchResult.draws` besides the ``flow_mt__<group>`` ones, in order.
DRAW_COLUMNS: tuple[str, ...] = (
    "scenario",
    "draw",
    "exported_mt",
    "shut_in_mt",
    "netback_musd",
    "lost_exports_mt",
    "lost_netback_musd",
    "n_events",
    "binding_months",
)

#: Columns of :attr:`BatchResult.events`, in order.
EVENT_COLUMNS: tuple[str, ...] = (
    "scenario",
    "draw",
    "hazard",
    "start_day",
    "duration_days",
    "fraction_lost",
)

#: Columns of :attr:`BatchResult.attribution`: a draw's losses re-solved without one hazard.
ATTRIBUTION_COLUMNS: tuple[str, ...] = (
    "scenario",
    "draw",
    "hazard",
    "lost_exports_mt",
    "lost_netback_musd",
)


def _no_attribution() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in ATTRIBUTION_COLUMNS})


#: Prefix of the per-route-group flow columns of :attr:`BatchResult.draws` (Mt over the horizon).
GROUP_PREFIX = "flow_mt__"


@dataclass(frozen=True, eq=False, slots=True)
class BatchResult:
    """The results of one batch of draws of one scenario.

    Parameters
    ----------
    draws : pandas.DataFrame
        One row per draw: :data:`DRAW_COLUMNS` plus one float64 ``flow_mt__<group>`` column per
        route group of the dataset. ``draw`` is the global draw index (int64);
        ``..._mt`` are Mt over the horizon, ``..._musd`` USD million over the horizon; the
        ``lost_...`` columns are measured against the same scenario's no-outage plan;
        ``binding_months`` is JSON ``{route_id: [month indices at capacity]}`` or ``""``.
    events : pandas.DataFrame
        One row per outage event that struck: :data:`EVENT_COLUMNS` (days from the horizon
        start, duration in days, fraction of capacity lost).
    batch_index : int
        Which batch of the scenario this is (draws ``batch_index * batch_size`` onwards).
    scenario_index : int
        Position of the scenario in the run's spec (0 is the reference).
    attribution : pandas.DataFrame
        Only when the run attributes losses: for each draw and each hazard that struck in it,
        the draw's losses re-solved without that hazard's events (:data:`ATTRIBUTION_COLUMNS`).
    monthly_exported_mt : numpy.ndarray, optional
        Crude exported in each month of the horizon, Mt in the month: one row per row of
        ``draws`` (same order), one column per month (0 = the horizon's first month); each row
        sums to the draw's ``exported_mt``. None when the producer did not record it.

    Examples
    --------
    >>> import pandas as pd
    >>> draws = pd.DataFrame({"scenario": ["base"], "draw": [0], "exported_mt": [80.0],
    ...     "shut_in_mt": [0.0], "netback_musd": [1.0], "lost_exports_mt": [0.0],
    ...     "lost_netback_musd": [0.0], "n_events": [0], "binding_months": [""],
    ...     "flow_mt__CPC": [60.0]})
    >>> batch = BatchResult(draws, pd.DataFrame(columns=list(EVENT_COLUMNS)), 0, 0)
    >>> batch.groups
    ('CPC',)
    """

    draws: pd.DataFrame
    events: pd.DataFrame
    batch_index: int
    scenario_index: int
    attribution: pd.DataFrame = field(default_factory=_no_attribution)
    monthly_exported_mt: npt.NDArray[np.float64] | None = None

    @property
    def groups(self) -> tuple[str, ...]:
        """The route groups of the ``flow_mt__<group>`` columns, in column order."""
        return tuple(
            str(c)[len(GROUP_PREFIX) :]
            for c in self.draws.columns
            if str(c).startswith(GROUP_PREFIX)
        )
