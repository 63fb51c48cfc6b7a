"""Compare scenario plans month by month, by route group, against the first one.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.plan import plan
>>> net = toy_network()
>>> df = compare_plans([("base", plan(net)), ("no RU", plan(net, requirements=["avoid RU"]))],
...                    net)
>>> df[["scenario", "exported_mt", "delta_exported_mt"]].round(1).to_dict("records")
[{'scenario': 'base', 'exported_mt': 12.0, 'delta_exported_mt': 0.0}, {'scenario': 'no RU', 'exported_mt': 4.0, 'delta_exported_mt': -8.0}]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crudeflow.network.model import Network
from crudeflow.solve.plan import Plan

__all__ = ["PREFERRED_GROUPS", "compare_plans"]

PREFERRED_GROUPS: tuple[str, ...] = (
    "cpc",
    "atyrau_samara",
    "makhachkala",
    "china",
    "trans_caspian",
    "btc",
)
"""Route groups shown by default when the dataset defines them."""

_VALUES = ("exported_mt", "shut_in_mt", "netback_musd")


def compare_plans(
    named: Sequence[tuple[str, Plan]], network: Network, *, groups: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per scenario and period: exports, shut-in, netback, flows by route group, and
    the difference to the first scenario in the same period (``delta_*``; NaN where the first
    scenario has no such period).
    """
    if not named:
        raise ValueError("nothing to compare")
    if groups is None:
        present = [g for g in PREFERRED_GROUPS if g in network.meta.groups]
        groups = present or list(network.meta.groups)
    frames = []
    for label, p in named:
        df = p.by_period[["exported_mt", "shut_in_mt", "netback_musd"]].copy()
        for g in groups:
            df[f"{g}_mt"] = p.group_flows(network.group(g)).to_numpy()
        df.insert(0, "scenario", label)
        frames.append(df.reset_index())
    out = pd.concat(frames, ignore_index=True)
    value_cols = [*_VALUES, *(f"{g}_mt" for g in groups)]
    first = out[out["scenario"] == named[0][0]].set_index("period")[value_cols]
    for col in value_cols:
        ref = out["period"].map(first[col])
        out[f"delta_{col}"] = out[col] - ref
    return out
