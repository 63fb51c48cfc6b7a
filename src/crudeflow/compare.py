"""Compare scenario plans month by month, by route group, against the first one.

Scenarios may cover different months (a 3-month case next to a 12-month one). Each month is
compared with the same month of the reference; the ``total`` rows add up only the months that
every scenario covers, so totals are over the same months. Figures are horizon totals (Mt,
USD m over the row's month or span), never annual rates: a month's loss is never shown as a
rate per year, and a figure is never compared with one over a different span.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.plan import plan
>>> net = toy_network()
>>> df = compare_plans([("base", plan(net)), ("no RU", plan(net, requirements=["avoid RU"]))],
...                    net)
>>> df[["scenario", "kind", "exported_mt", "delta_exported_mt"]].round(1).to_dict("records")[:2]
[{'scenario': 'base', 'kind': 'period', 'exported_mt': 12.0, 'delta_exported_mt': 0.0}, {'scenario': 'no RU', 'kind': 'period', 'exported_mt': 4.0, 'delta_exported_mt': -8.0}]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crudeflow.network.model import Network
from crudeflow.solve.plan import Plan, horizon_label

__all__ = ["common_periods", "compare_plans"]

_VALUES = ("exported_mt", "shut_in_mt", "netback_musd")


def common_periods(plans: Sequence[Plan]) -> tuple[str, ...]:
    """The periods every plan covers, in the first plan's order.

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> from crudeflow.solve.lp import Periods
    >>> from crudeflow.solve.plan import plan
    >>> a = plan(toy_network(), monthly=True)
    >>> b = plan(toy_network(), periods=Periods.monthly(2025, start_month=11, months=2))
    >>> common_periods([a, b])
    ('2025-11', '2025-12')
    """
    if not plans:
        return ()
    shared = set(plans[0].periods.labels)
    for p in plans[1:]:
        shared &= set(p.periods.labels)
    return tuple(lab for lab in plans[0].periods.labels if lab in shared)


def _span_label(labels: Sequence[str]) -> str:
    first, last = labels[0], labels[-1]
    start = f"{first}-01" if len(first) == 4 else first
    end = f"{last}-12" if len(last) == 4 else last
    return horizon_label(start, end)


def compare_plans(
    named: Sequence[tuple[str, Plan]], network: Network, *, groups: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per scenario and period (``kind == "period"``), then one ``total`` row per
    scenario over the periods all scenarios share.

    Columns: exports, shut-in and netback (Mt and USD m: totals over the row's period or
    span), flows by route group (``<group>_mt``) and the difference to the first scenario over
    the same period or span (``delta_*``; NaN where the first scenario has no such period).
    ``horizon`` is each scenario's own horizon and ``foresight`` what its plan knew in advance
    (:attr:`crudeflow.solve.plan.Plan.foresight`). When the scenarios share no month, each ``total`` row covers its
    own horizon and has no ``delta_*``.
    """
    if not named:
        raise ValueError("nothing to compare")
    if groups is None:
        # the dataset's choice (dataset.yaml compare_groups), else every group
        groups = list(network.meta.compare_groups) or list(network.meta.groups)
    group_cols = [f"{g}_mt" for g in groups]
    value_cols = [*_VALUES, *group_cols]
    shared = common_periods([p for _, p in named])
    frames = []
    totals = []
    for label, p in named:
        df = p.by_period[list(_VALUES)].copy()
        for g, col in zip(groups, group_cols, strict=True):
            df[col] = p.group_flows(network.group(g)).to_numpy()
        df = df.reset_index()
        df.insert(0, "scenario", label)
        df.insert(1, "kind", "period")
        df["horizon"] = p.horizon_label
        df["foresight"] = p.foresight
        frames.append(df)
        span = list(shared) if shared else list(p.periods.labels)
        tot = df[df["period"].isin(span)][value_cols].sum()
        row: dict[str, object] = {
            "scenario": label,
            "kind": "total",
            "period": _span_label(span),
            **{c: float(tot[c]) for c in value_cols},
            "horizon": p.horizon_label,
            "foresight": p.foresight,
        }
        totals.append(row)
    out = pd.concat([*frames, pd.DataFrame(totals)], ignore_index=True)
    out = out[["scenario", "kind", "period", "horizon", "foresight", *value_cols]]
    ref_label = named[0][0]
    ref = out[out["scenario"] == ref_label]
    by_period = ref[ref["kind"] == "period"].set_index("period")[value_cols]
    ref_total = ref[ref["kind"] == "total"].iloc[0]
    for col in value_cols:
        ref_vals = out["period"].map(by_period[col]).where(out["kind"] == "period")
        if shared:
            ref_vals = ref_vals.where(out["kind"] == "period", float(ref_total[col]))
        out[f"delta_{col}"] = out[col] - ref_vals
    return out
