"""What the pictures of a stored risk run show: :class:`RunView`, read from the runs store.

The report's risk section (``crudeflow report --run RUN``) and the web runs page draw the
same charts from one :class:`RunView`; neither derives a figure of its own. Summaries and
sentences are those of ``crudeflow risk`` (:func:`~crudeflow.montecarlo.summary.summarise`
and :func:`~crudeflow.montecarlo.summary.explain_risk` over the stored draws, so a resumed run
shows what an uninterrupted one shows). Every quantity is a total over the run's horizon
(the calendar year planned), except the fan chart's, which are Mt in each month.

Examples
--------
>>> import numpy as np
>>> c = exceedance_curve("base", "lost_exports_mt", np.array([0.0, 0.0, 1.0, 3.0]))
>>> list(zip(c.x, c.p))
[(0.0, 0.5), (1.0, 0.25)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from crudeflow.montecarlo.summary import (
    DEFAULT_SHUT_IN_THRESHOLD_MT,
    RiskSummary,
    explain_risk,
    summarise,
)

if TYPE_CHECKING:
    from crudeflow.store import RunInfo, RunsStore

__all__ = [
    "ExceedanceCurve",
    "MonthlyFan",
    "RunView",
    "exceedance_curve",
    "load_run_view",
]


@dataclass(frozen=True)
class ExceedanceCurve:
    """P(loss > x) of one scenario: ``p[k]`` is the share of draws whose loss exceeds ``x[k]``.

    ``x`` ascends and ``p`` descends; the curve is a step function, constant from ``x[k]`` to
    ``x[k + 1]``. The largest loss (where ``p`` would be 0) is left out, so ``p > 0``.
    ``quantity`` is the draws' column: ``lost_exports_mt`` (Mt over the horizon) or
    ``lost_netback_musd`` (USD million over the horizon).
    """

    scenario: str
    quantity: str
    x: tuple[float, ...]
    p: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "quantity": self.quantity,
            "x": list(self.x),
            "p": list(self.p),
        }


def exceedance_curve(
    scenario: str, quantity: str, values: npt.NDArray[np.float64], *, max_points: int = 300
) -> ExceedanceCurve:
    """The empirical exceedance curve of ``values`` (one loss per draw).

    Examples
    --------
    >>> c = exceedance_curve("s", "lost_exports_mt", np.arange(1000.0), max_points=5)
    >>> c.x, c.p
    ((0.0, 250.0, 500.0, 749.0), (0.999, 0.749, 0.499, 0.25))
    """
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = v.size
    if n == 0:
        return ExceedanceCurve(scenario, quantity, (), ())
    u = np.unique(v)
    if u.size > max_points:
        ranks = np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
        u = np.unique(v[ranks])
    p = (n - np.searchsorted(v, u, side="right")) / n
    keep = p > 0
    return ExceedanceCurve(
        scenario, quantity, tuple(float(x) for x in u[keep]), tuple(float(x) for x in p[keep])
    )


@dataclass(frozen=True)
class MonthlyFan:
    """One scenario's exports month by month over the draws: P5, P50, P95 and mean (Mt in
    the month, not an annual rate), and the no-outage plan's month (None if not known)."""

    scenario: str
    months: tuple[str, ...]
    """Month labels, ``Jan 2025`` ..."""
    p5_mt: tuple[float, ...]
    p50_mt: tuple[float, ...]
    p95_mt: tuple[float, ...]
    mean_mt: tuple[float, ...]
    no_outage_mt: tuple[float, ...] | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RunView:
    """A stored run as its pictures show it.

    ``summaries`` and ``sentences`` are ``crudeflow risk``'s for the stored draws;
    ``fans`` is empty when the run was stored without monthly exports (``fans_note`` says
    why). Labels name each figure's kind: horizon totals (``Mt over 2025``) or Mt in a month.
    """

    run: RunInfo
    year: int
    horizon_label: str
    draws_stored: int
    summaries: tuple[RiskSummary, ...]
    sentences: tuple[str, ...]
    exceedance: tuple[ExceedanceCurve, ...]
    fans: tuple[MonthlyFan, ...]
    fans_note: str
    months: tuple[str, ...]
    attribution_draws: int
    """Draws the loss-by-hazard figures are taken over (0: no attribution)."""

    @property
    def scenarios(self) -> tuple[str, ...]:
        return tuple(s.scenario for s in self.summaries)

    @property
    def exports_lost_label(self) -> str:
        return f"Exports lost, Mt over {self.horizon_label} (total)"

    @property
    def netback_lost_label(self) -> str:
        return f"Netback lost, USD m over {self.horizon_label} (total)"

    @property
    def monthly_label(self) -> str:
        return "Mt in the month"

    @property
    def title(self) -> str:
        names = ", ".join(self.scenarios) or ", ".join(self.run.scenarios) or "base"
        return f"Disruption risk, {self.horizon_label}: {names}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the web API's ``/api/runs/{id}`` carries it beside the figures)."""
        return {
            "run": self.run.to_dict(),
            "title": self.title,
            "year": self.year,
            "horizon_label": self.horizon_label,
            "draws_stored": self.draws_stored,
            "attribution_draws": self.attribution_draws,
            "summaries": [s.to_dict() for s in self.summaries],
            "sentences": list(self.sentences),
            "exceedance": [c.to_dict() for c in self.exceedance],
            "fans": [f.to_dict() for f in self.fans],
            "fans_note": self.fans_note,
            "months": list(self.months),
            "labels": {
                "exports_lost": self.exports_lost_label,
                "netback_lost": self.netback_lost_label,
                "monthly": self.monthly_label,
            },
        }


def _producer(dataset: str) -> str:
    """The producer's name for the sentences; "" when the dataset cannot be read any more."""
    from crudeflow.errors import CrudeflowError
    from crudeflow.explanation import country_name
    from crudeflow.network.load import load_dataset

    try:
        return country_name(load_dataset(dataset or None).meta.producer)
    except (CrudeflowError, OSError):
        return ""


def _fans(
    store: RunsStore, run_id: str, names: Sequence[str], months: Sequence[str]
) -> tuple[tuple[MonthlyFan, ...], str]:
    frame = store.monthly_exports(run_id)
    if frame is None:
        return (), (
            "This run was stored without monthly exports (by an older crudeflow): "
            "run it again to see the monthly fan chart."
        )
    fans = []
    for si, g in frame.groupby("scenario_index", sort=True):
        g = g.sort_values("month")
        ref = g["no_outage_mt"].to_numpy(dtype=np.float64)
        labels = tuple(months[int(m)] if int(m) < len(months) else str(m) for m in g["month"])
        fans.append(
            MonthlyFan(
                scenario=str(g["scenario"].iloc[0]) if len(g) else names[int(str(si))],
                months=labels,
                p5_mt=tuple(float(x) for x in g["p5_mt"]),
                p50_mt=tuple(float(x) for x in g["p50_mt"]),
                p95_mt=tuple(float(x) for x in g["p95_mt"]),
                mean_mt=tuple(float(x) for x in g["mean_mt"]),
                no_outage_mt=None if np.isnan(ref).any() else tuple(float(x) for x in ref),
            )
        )
    return tuple(fans), ""


def load_run_view(store: RunsStore, run_id: str) -> RunView:
    """Read a stored run and compute what its pictures show.

    Raises
    ------
    StoreError
        ``run_id`` is not in the store (with "did you mean"), or the store cannot be read.
    """
    from crudeflow.solve.lp import Periods
    from crudeflow.solve.plan import month_label

    info = store.get_run(run_id)
    spec = info.spec
    draws = store.load_draws(run_id)
    attribution = store.load_attribution(run_id)
    threshold = spec.get("shut_in_threshold_mt")
    att_draws = int(spec.get("attribution_draws", 0) or 0)
    year = int(spec.get("year", 0) or 0)
    months = tuple(month_label(p) for p in Periods.monthly(year).labels) if year else ()
    summaries = tuple(
        summarise(
            draws,
            attribution,
            shut_in_threshold_mt=DEFAULT_SHUT_IN_THRESHOLD_MT
            if threshold is None
            else float(threshold),
            months=len(months) or 12,
            attribution_draws=att_draws,
        )
    )
    sentences = tuple(explain_risk(summaries, producer=_producer(str(spec.get("dataset", "")))))
    curves: list[ExceedanceCurve] = []
    for quantity in ("lost_exports_mt", "lost_netback_musd"):
        for name, g in draws.groupby("scenario", sort=False):
            values = g[quantity].to_numpy(dtype=np.float64)
            curves.append(exceedance_curve(str(name), quantity, values))
    names = [s.scenario for s in summaries]
    fans, note = _fans(store, run_id, names, months) if len(draws) else ((), "")
    n_done = int(draws.groupby("scenario").size().min()) if len(draws) else 0
    return RunView(
        run=info,
        year=year,
        horizon_label=str(year) if year else "the horizon",
        draws_stored=n_done,
        summaries=summaries,
        sentences=sentences,
        exceedance=tuple(curves),
        fans=fans,
        fans_note=note,
        months=months,
        attribution_draws=(min(att_draws or n_done, n_done) if spec.get("attribution") else 0),
    )
