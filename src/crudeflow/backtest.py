"""Backtest: the base network with each year's sourced supply and historic disruptions,
against reported volumes per route group (``observed.csv``).

The model is not tuned to the observations: where it misses, the dataset README says why
(a quota, a contract, a price the data lacks).

Examples
--------
>>> from crudeflow.network.load import load_dataset
>>> table = backtest(load_dataset(), years=[2025])
>>> sorted(table.columns)[:3]
['error_pct', 'events', 'group']
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crudeflow.network.model import Network, Source
from crudeflow.scenario import Scenario, apply_scenario, list_presets
from crudeflow.solve.lp import Periods
from crudeflow.solve.plan import plan

__all__ = ["backtest", "history_scenario"]


def history_scenario(network: Network, year: int) -> Scenario:
    """One monthly scenario for ``year`` holding every ``history`` preset dated in it."""
    periods = Periods.monthly(year)
    changes = []
    names: list[str] = []
    sources: list[str] = []
    inline: list[Source] = []
    for sc in list_presets(network):
        if "history" not in sc.tags:
            continue
        for ch in sc.changes:
            start = ch.start.year if ch.start else None
            end = ch.end.year if ch.end else None
            if (start is None or start <= year) and (end is None or end >= year):
                changes.append(ch)
                if sc.name not in names:
                    names.append(sc.name)
                    sources.extend(sc.sources)
                    inline.extend(sc.inline_sources)
    return Scenario(
        name=f"history-{year}",
        title=f"{year} as it happened",
        description=", ".join(names),
        horizon=periods,
        changes=tuple(changes),
        requirements=(),
        sources=tuple(dict.fromkeys(sources)),
        tags=("history",),
        inline_sources=tuple(inline),
        path="",
    )


def backtest(network: Network, *, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Model vs reported volume per route group and year.

    Returns
    -------
    pandas.DataFrame
        Columns ``year, group, observed_mt, model_mt, error_pct, events, source, note``.
    """
    obs = network.observed
    wanted = sorted({o.year for o in obs} & set(network.years))
    if years is not None:
        wanted = [y for y in wanted if y in set(years)]
    rows = []
    for year in wanted:
        sc = history_scenario(network, year)
        inputs = apply_scenario(sc, network)
        p = plan(network, periods=inputs.periods, overrides=inputs.overrides, baseline=False)
        for o in obs:
            if o.year != year:
                continue
            model = float(p.group_flows(network.group(o.group)).sum())
            err = (model - o.mt) / o.mt * 100.0 if o.mt > 0 else np.nan
            rows.append(
                {
                    "year": year,
                    "group": o.group,
                    "observed_mt": o.mt,
                    "model_mt": model,
                    "error_pct": err,
                    "events": sc.description,
                    "source": o.source,
                    "note": o.note,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "year",
            "group",
            "observed_mt",
            "model_mt",
            "error_pct",
            "events",
            "source",
            "note",
        ],
    )
