"""Summaries of a risk run, computed only from its per-draw tables (so a resumed run prints
exactly what an uninterrupted one prints), and plain-language sentences about them.

The definitions (quantile rule, CVaR, standard errors, the binding count and the hazard
attribution) are in ``docs/dataset-format.md`` ("Risk runs").

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"scenario": "s", "draw": range(4), "exported_mt": [10.0, 9.0, 10.0, 7.0],
...                    "shut_in_mt": [0.0, 1.0, 0.0, 3.0], "netback_musd": [100.0, 90, 100, 70],
...                    "lost_exports_mt": [0.0, 1.0, 0.0, 3.0],
...                    "lost_netback_musd": [0.0, 10.0, 0.0, 30.0], "n_events": [0, 1, 0, 2],
...                    "binding_months": ['{"R":[0]}', "", '{"R":[0]}', '{"R":[0,1]}']})
>>> s = summarise(df, shut_in_threshold_mt=2.0)[0]
>>> s.lost_exports_mt.mean, s.lost_exports_mt.cvar95, s.p_shut_in_above
(1.0, 3.0, 0.25)
>>> s.binding[0].route, s.binding[0].share_of_draws, s.binding[0].month_share[:2]
('R', 0.75, (0.75, 0.25))
>>> s.binding[0].reference_months    # from a draw without events: the no-outage plan
(0,)
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "DEFAULT_SHUT_IN_THRESHOLD_MT",
    "BindingRoute",
    "HazardShare",
    "RiskSummary",
    "Stat",
    "explain_foresight",
    "explain_risk",
    "relative_se",
    "summarise",
]

FloatArray = npt.NDArray[np.float64]

DEFAULT_SHUT_IN_THRESHOLD_MT = 5.0
"""Shut-in (Mt over the year) whose probability of being exceeded a summary reports."""


@dataclass(frozen=True)
class Stat:
    """Distribution of one per-draw quantity over a run's draws."""

    mean: float
    se: float
    """Standard error of the mean: sample standard deviation (n - 1) / sqrt(n)."""
    p5: float
    p50: float
    p95: float
    cvar95: float
    """Mean of the worst 5% of draws (the ceil(0.05 n) largest losses; for exports, the
    ceil(0.05 n) smallest)."""

    def to_dict(self) -> dict[str, float]:
        return {
            "mean": self.mean,
            "se": self.se,
            "p5": self.p5,
            "p50": self.p50,
            "p95": self.p95,
            "cvar95": self.cvar95,
        }


@dataclass(frozen=True)
class BindingRoute:
    """A route at capacity in some draws: the share of draws in which it binds in at least
    one month, and per month the share of draws in which it binds that month."""

    route: str
    share_of_draws: float
    month_share: tuple[float, ...]
    reference_months: tuple[int, ...] | None = None
    """Months (0 = January) in which it binds in the no-outage plan, read from a draw without
    events (which is the no-outage plan exactly); None when every draw had events."""


@dataclass(frozen=True)
class HazardShare:
    """Expected loss attributed to a hazard by one-at-a-time removal (see the docs)."""

    hazard: str
    lost_exports_mt: float
    lost_netback_musd: float
    share_of_loss: float
    """``lost_exports_mt`` over the run's mean lost exports (the parts need not sum to 1)."""


@dataclass(frozen=True)
class RiskSummary:
    """One scenario's summary over a run's draws."""

    scenario: str
    draws: int
    reference_exported_mt: float
    reference_netback_musd: float
    exported_mt: Stat
    lost_exports_mt: Stat
    lost_netback_musd: Stat
    shut_in_threshold_mt: float
    p_shut_in_above: float
    mean_events: float
    binding: tuple[BindingRoute, ...]
    hazards: tuple[HazardShare, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "draws": self.draws,
            "reference_exported_mt": self.reference_exported_mt,
            "reference_netback_musd": self.reference_netback_musd,
            "exported_mt": self.exported_mt.to_dict(),
            "lost_exports_mt": self.lost_exports_mt.to_dict(),
            "lost_netback_musd": self.lost_netback_musd.to_dict(),
            "shut_in_threshold_mt": self.shut_in_threshold_mt,
            "p_shut_in_above": self.p_shut_in_above,
            "mean_events": self.mean_events,
            "binding": [
                {
                    "route": b.route,
                    "share_of_draws": b.share_of_draws,
                    "month_share": list(b.month_share),
                }
                for b in self.binding
            ],
            "hazards": [
                {
                    "hazard": h.hazard,
                    "lost_exports_mt": h.lost_exports_mt,
                    "lost_netback_musd": h.lost_netback_musd,
                    "share_of_loss": h.share_of_loss,
                }
                for h in self.hazards
            ],
        }


def _stat(values: FloatArray, *, worst: str) -> Stat:
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = v.size
    k = max(1, math.ceil(0.05 * n))
    tail = v[-k:] if worst == "high" else v[:k]
    p5, p50, p95 = np.quantile(v, [0.05, 0.5, 0.95])
    return Stat(
        mean=float(v.mean()),
        se=float(v.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan"),
        p5=float(p5),
        p50=float(p50),
        p95=float(p95),
        cvar95=float(tail.mean()),
    )


def relative_se(draws: pd.DataFrame) -> float:
    """The stopping rule's measure: the largest, over scenarios, standard error of mean lost
    exports divided by that mean (inf with fewer than 2 draws; 0 when nothing is ever lost).

    Examples
    --------
    >>> relative_se(pd.DataFrame({"scenario": "s", "lost_exports_mt": [1.0, 3.0]}))
    0.5
    """
    worst = 0.0
    for _, g in draws.groupby("scenario", sort=False):
        v = g["lost_exports_mt"].to_numpy(dtype=np.float64)
        if v.size < 2:
            return math.inf
        m = float(v.mean())
        se = float(v.std(ddof=1) / math.sqrt(v.size))
        if se > 0:
            worst = max(worst, se / m if m > 0 else math.inf)
    return worst


def _binding(
    col: pd.Series, n: int, months: int, top: int, reference: str | None
) -> tuple[BindingRoute, ...]:
    counts: dict[str, FloatArray] = {}
    anywhere: dict[str, float] = {}
    for text, c in col.value_counts(sort=False).items():
        if not text:
            continue
        for route, ms in json.loads(str(text)).items():
            arr = counts.setdefault(route, np.zeros(months))
            arr[np.asarray(ms, dtype=np.int64)] += c
            anywhere[route] = anywhere.get(route, 0.0) + c
    order = sorted(anywhere, key=lambda r: (-anywhere[r], r))[:top]
    ref: dict[str, list[int]] | None = None
    if reference is not None:
        ref = json.loads(reference) if reference else {}
    return tuple(
        BindingRoute(
            r,
            anywhere[r] / n,
            tuple(float(x) / n for x in counts[r]),
            None if ref is None else tuple(ref.get(r, ())),
        )
        for r in order
    )


def _reference(g: pd.DataFrame) -> str | None:
    calm = g["binding_months"][g["n_events"] == 0]
    return None if calm.empty else str(calm.iloc[0])


def summarise(
    draws: pd.DataFrame,
    attribution: pd.DataFrame | None = None,
    *,
    shut_in_threshold_mt: float = DEFAULT_SHUT_IN_THRESHOLD_MT,
    months: int = 12,
    top_routes: int = 8,
    attribution_draws: int = 0,
) -> list[RiskSummary]:
    """One :class:`RiskSummary` per scenario of ``draws`` (in order of first appearance).

    ``attribution``: the rows of ``BatchResult.attribution`` (each draw's losses re-solved
    without one hazard that struck in it); without it, ``hazards`` is empty. It covers the
    draws below ``attribution_draws`` (0: all), and hazard shares are taken over those draws.
    """
    out: list[RiskSummary] = []
    for name, g in draws.groupby("scenario", sort=False):
        if not g["draw"].is_monotonic_increasing:  # (in order already: no copy)
            g = g.sort_values("draw")
        n = len(g)
        lost_x = g["lost_exports_mt"].to_numpy(np.float64)
        lost_n = g["lost_netback_musd"].to_numpy(np.float64)
        exported = g["exported_mt"].to_numpy(np.float64)
        hazards: tuple[HazardShare, ...] = ()
        if attribution is not None and len(attribution):
            a = attribution[attribution["scenario"] == name]
            sub = g[g["draw"] < attribution_draws] if attribution_draws else g
            base = sub.set_index("draw")[["lost_exports_mt", "lost_netback_musd"]]
            a = a[a["draw"].isin(base.index)]
            joined = a.merge(base, left_on="draw", right_index=True, suffixes=("", "_all"))
            joined["dx"] = joined["lost_exports_mt_all"] - joined["lost_exports_mt"]
            joined["dn"] = joined["lost_netback_musd_all"] - joined["lost_netback_musd"]
            by = joined.groupby("hazard", sort=True)[["dx", "dn"]].sum() / max(len(sub), 1)
            mean_loss = float(sub["lost_exports_mt"].mean()) if len(sub) else 0.0
            hazards = tuple(
                sorted(
                    (
                        HazardShare(
                            str(h),
                            float(r["dx"]),
                            float(r["dn"]),
                            float(r["dx"]) / mean_loss if mean_loss > 0 else 0.0,
                        )
                        for h, r in by.iterrows()
                    ),
                    key=lambda h: (-h.lost_exports_mt, h.hazard),
                )
            )
        out.append(
            RiskSummary(
                scenario=str(name),
                draws=n,
                reference_exported_mt=float(exported[0] + lost_x[0]),
                reference_netback_musd=float(g["netback_musd"].iloc[0] + lost_n[0]),
                exported_mt=_stat(exported, worst="low"),
                lost_exports_mt=_stat(lost_x, worst="high"),
                lost_netback_musd=_stat(lost_n, worst="high"),
                shut_in_threshold_mt=shut_in_threshold_mt,
                p_shut_in_above=float((g["shut_in_mt"].to_numpy() > shut_in_threshold_mt).mean()),
                mean_events=float(g["n_events"].mean()),
                binding=_binding(g["binding_months"], n, months, top_routes, _reference(g)),
                hazards=hazards,
            )
        )
    return out


def _mt(x: float) -> str:
    return f"{x:.1f}" if abs(x) >= 0.95 else f"{x:.2f}"


def _names(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def explain_risk(summaries: Sequence[RiskSummary], *, producer: str = "") -> list[str]:
    """Plain-language sentences about a run, the first scenario being the reference.

    Examples
    --------
    >>> import dataclasses
    >>> st = Stat(1.0, 0.01, 0.0, 0.5, 4.0, 6.0)
    >>> s = RiskSummary("base", 1000, 80.0, 40000.0, st, st, Stat(500, 5, 0, 300, 2000, 3000),
    ...                 5.0, 0.03, 3.5, (), (HazardShare("cpc_storm", 0.4, 200.0, 0.4),))
    >>> for line in explain_risk([s, dataclasses.replace(s, scenario="bypass",
    ...                           lost_exports_mt=Stat(0.5, 0.01, 0.0, 0.2, 2.5, 3.0))],
    ...                          producer="Kazakhstan"):
    ...     print(line)
    Over 1,000 simulated years of base, Kazakhstan loses 1.0 Mt of exports (USD 500 m of netback) on average to outages, against a no-outage plan of 80.0 Mt.
    In 1 year in 20, Kazakhstan loses more than 4.0 Mt of exports; the worst 5% of years lose 6.0 Mt on average.
    In 3% of years more than 5.0 Mt is shut in.
    cpc_storm accounts for 40% of the expected loss (each hazard removed in turn; the parts need not add up).
    bypass cuts the 1-in-20 loss from 4.0 to 2.5 Mt (mean 1.0 to 0.50 Mt).
    """
    if not summaries:
        return []
    ref = summaries[0]
    who = producer or "The producer"
    x, nb = ref.lost_exports_mt, ref.lost_netback_musd
    lines = [
        f"Over {ref.draws:,} simulated years of {ref.scenario}, {who} loses {_mt(x.mean)} Mt of "
        f"exports (USD {nb.mean:,.0f} m of netback) on average to outages, against a "
        f"no-outage plan of {_mt(ref.reference_exported_mt)} Mt.",
        f"In 1 year in 20, {who} loses more than {_mt(x.p95)} Mt of exports; the worst 5% of "
        f"years lose {_mt(x.cvar95)} Mt on average.",
        f"In {ref.p_shut_in_above:.0%} of years more than {_mt(ref.shut_in_threshold_mt)} Mt "
        "is shut in.",
    ]
    if ref.hazards and x.mean > 0:
        top: list[HazardShare] = []
        for h in ref.hazards:
            if h.share_of_loss <= 0:
                break
            top.append(h)
            if sum(t.share_of_loss for t in top) >= 0.5 or len(top) == 3:
                break
        if top:
            share = sum(t.share_of_loss for t in top)
            verb = "accounts" if len(top) == 1 else "account"
            lines.append(
                f"{_names([t.hazard for t in top])} {verb} for {share:.0%} of the expected loss "
                "(each hazard removed in turn; the parts need not add up)."
            )
    for s in summaries[1:]:
        a, b = ref.lost_exports_mt, s.lost_exports_mt
        if _mt(a.p95) == _mt(b.p95):
            lines.append(f"{s.scenario} leaves the 1-in-20 loss at {_mt(a.p95)} Mt.")
            continue
        verb = "cuts" if b.p95 < a.p95 else "raises"
        own = ""
        if abs(s.reference_exported_mt - ref.reference_exported_mt) > 0.005 * max(
            ref.reference_exported_mt, 1e-9
        ):
            own = (
                f"; its own no-outage plan exports {_mt(s.reference_exported_mt)} Mt against "
                f"{_mt(ref.reference_exported_mt)} Mt, so in 1 year in 20 it exports less than "
                f"{_mt(s.exported_mt.p5)} Mt against {_mt(ref.exported_mt.p5)} Mt"
            )
        lines.append(
            f"{s.scenario} {verb} the 1-in-20 loss from {_mt(a.p95)} to {_mt(b.p95)} Mt "
            f"(mean {_mt(a.mean)} to {_mt(b.mean)} Mt){own}."
        )
    return lines


def explain_foresight(none: Sequence[RiskSummary], perfect: Sequence[RiskSummary]) -> list[str]:
    """Sentences on the value of early warning: the same draws planned without foresight
    (re-planned as events strike) and with perfect foresight (the year known in advance).

    Examples
    --------
    >>> a = Stat(2.0, 0.1, 0.0, 1.0, 6.0, 8.0)
    >>> s = RiskSummary("base", 100, 80.0, 4e4, a, a, Stat(900, 9, 0, 500, 3000, 4000),
    ...                 5.0, 0.1, 3.0, ())
    >>> import dataclasses
    >>> p = dataclasses.replace(s, lost_exports_mt=Stat(1.5, 0.1, 0.0, 0.8, 5.0, 7.0),
    ...                         lost_netback_musd=Stat(700, 9, 0, 400, 2500, 3500))
    >>> print(explain_foresight([s], [p])[0])
    base: knowing the year's outages in advance would cut the expected loss from 2.0 to 1.5 Mt (1-in-20: 6.0 to 5.0 Mt); early warning is worth USD 200 m a year.
    """
    by_name = {p.scenario: p for p in perfect}
    lines: list[str] = []
    for s in none:
        p = by_name.get(s.scenario)
        if p is None:
            continue
        a, b = s.lost_exports_mt, p.lost_exports_mt
        gap = s.lost_netback_musd.mean - p.lost_netback_musd.mean
        lines.append(
            f"{s.scenario}: knowing the year's outages in advance would cut the expected loss "
            f"from {_mt(a.mean)} to {_mt(b.mean)} Mt (1-in-20: {_mt(a.p95)} to {_mt(b.p95)} "
            f"Mt); early warning is worth USD {gap:,.0f} m a year."
        )
    return lines
