"""Backtest: the base network with each year's sourced supply and historic disruptions,
against reported volumes per route group (``observed.csv``), and the disruption presets
against what was reported after each event (``observed_events.csv``).

The model is not tuned to the observations: where it misses, the dataset README says why
(a quota, a contract, a price the data lacks). The rules are in ``docs/dataset-format.md``
("The backtest", "observed_events.csv").

Examples
--------
>>> from crudeflow.network.load import load_dataset
>>> table = backtest(load_dataset(), years=[2025])
>>> sorted(table.columns)[:4]
['basis', 'by_construction', 'error_pct', 'events']
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from crudeflow.network.model import EventObservation, Network, Source
from crudeflow.scenario import Change, Scenario, apply_scenario, list_presets
from crudeflow.solve.lp import Periods
from crudeflow.solve.plan import Plan, plan

__all__ = [
    "BACKTEST_COLUMNS",
    "EVENT_COLUMNS",
    "TOLERANCE_MT",
    "TOLERANCE_PCT",
    "backtest",
    "backtest_events",
    "backtest_markdown",
    "events_markdown",
    "history_scenario",
    "tolerance_mt",
]

TOLERANCE_PCT = 15.0
"""A backtest row agrees when the model is within this share of the reported volume ..."""
TOLERANCE_MT = 0.3
"""... or within this many Mt, whichever is larger (issue 11)."""

BACKTEST_COLUMNS: tuple[str, ...] = (
    "year",
    "group",
    "basis",
    "by_construction",
    "observed_mt",
    "model_mt",
    "error_pct",
    "tolerance_mt",
    "within_tolerance",
    "events",
    "source",
    "note",
)
EVENT_COLUMNS: tuple[str, ...] = (
    "scenario",
    "months",
    "measure",
    "group",
    "reported",
    "model",
    "unit",
    "difference",
    "source",
    "note",
)


def tolerance_mt(observed_mt: float) -> float:
    """The backtest's tolerance for a reported volume: 15% of it or 0.3 Mt, the larger.

    Examples
    --------
    >>> tolerance_mt(1.0), tolerance_mt(10.0)
    (0.3, 1.5)
    """
    return max(TOLERANCE_PCT / 100.0 * observed_mt, TOLERANCE_MT)


def _touches(sc: Scenario, year: int) -> list[Change]:
    """The changes of ``sc`` whose window touches ``year``."""
    out: list[Change] = []
    for ch in sc.changes:
        start = ch.start.year if ch.start else None
        end = ch.end.year if ch.end else None
        if (start is None or start <= year) and (end is None or end >= year):
            out.append(ch)
    return out


def _year_scenario(
    network: Network, year: int, *, add: Collection[str] = (), drop: Collection[str] = ()
) -> Scenario:
    """The monthly scenario of ``year`` with every ``history`` preset touching it, plus the
    presets named in ``add``, minus those in ``drop``."""
    changes: list[Change] = []
    names: list[str] = []
    sources: list[str] = []
    inline: list[Source] = []
    for sc in list_presets(network):
        name = Path(sc.path).stem if sc.path else sc.name
        wanted = "history" in sc.tags or name in add or sc.name in add
        if not wanted or name in drop or sc.name in drop:
            continue
        touching = _touches(sc, year)
        if touching and sc.name not in names:
            names.append(sc.name)
            sources.extend(sc.sources)
            inline.extend(sc.inline_sources)
        changes.extend(touching)
    return Scenario(
        name=f"history-{year}",
        title=f"{year} as it happened",
        description=", ".join(names),
        horizon=Periods.monthly(year),
        changes=tuple(changes),
        requirements=(),
        sources=tuple(dict.fromkeys(sources)),
        tags=("history",),
        inline_sources=tuple(inline),
        path="",
    )


def history_scenario(network: Network, year: int) -> Scenario:
    """One monthly scenario for ``year`` holding every ``history`` preset dated in it."""
    return _year_scenario(network, year)


def _run(network: Network, sc: Scenario) -> Plan:
    inputs = apply_scenario(sc, network)
    return plan(network, periods=inputs.periods, overrides=inputs.overrides, baseline=False)


def backtest(network: Network, *, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Model vs reported volume per route group and year.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BACKTEST_COLUMNS`: ``year, group, basis, by_construction,
        observed_mt, model_mt, error_pct, tolerance_mt, within_tolerance, events, source,
        note``; one row per ``observed.csv`` row whose year has supply data.

    Examples
    --------
    >>> from crudeflow.network.load import load_dataset
    >>> t = backtest(load_dataset(), years=[2023]).set_index("group")
    >>> bool(t.loc["exports", "by_construction"]), bool(t.loc["btc", "by_construction"])
    (True, False)
    """
    obs = network.observed
    wanted = sorted({o.year for o in obs} & set(network.years))
    if years is not None:
        wanted = [y for y in wanted if y in set(years)]
    rows = []
    for year in wanted:
        sc = history_scenario(network, year)
        p = _run(network, sc)
        for o in obs:
            if o.year != year:
                continue
            model = float(p.group_flows(network.group(o.group)).sum())
            err = (model - o.mt) / o.mt * 100.0 if o.mt > 0 else np.nan
            tol = tolerance_mt(o.mt)
            rows.append(
                {
                    "year": year,
                    "group": o.group,
                    "basis": o.basis,
                    "by_construction": o.basis == "construction",
                    "observed_mt": o.mt,
                    "model_mt": model,
                    "error_pct": err,
                    "tolerance_mt": tol,
                    "within_tolerance": abs(model - o.mt) <= tol + 1e-9,
                    "events": sc.description,
                    "source": o.source,
                    "note": o.note,
                }
            )
    return pd.DataFrame(rows, columns=list(BACKTEST_COLUMNS))


def backtest_markdown(table: pd.DataFrame) -> str:
    """The backtest table as Markdown (``crudeflow backtest --markdown``; the dataset README
    holds this text).

    Examples
    --------
    >>> row = dict(year=2025, group="btc", basis="test", observed_mt=1.3, model_mt=0.2,
    ...            error_pct=-84.6, within_tolerance=False, source="src")
    >>> print(backtest_markdown(pd.DataFrame([row])).splitlines()[2])
    | 2025 | btc | test | 1.30 | 0.20 | -85% ⚠ | src |
    """
    lines = [
        "| year | group | basis | reported Mt | model Mt | error | source |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in table.to_dict("records"):
        err = float(r["error_pct"])
        cell = "—" if err != err else f"{err:+.0f}%".replace("-0%", "+0%")
        flag = "" if r["within_tolerance"] else " ⚠"
        lines.append(
            f"| {r['year']} | {r['group']} | {r['basis']} | {float(r['observed_mt']):.2f} "
            f"| {float(r['model_mt']):.2f} | {cell}{flag} | {r['source']} |"
        )
    return "\n".join(lines) + "\n"


def events_markdown(table: pd.DataFrame) -> str:
    """The events table as Markdown (``crudeflow backtest --events --markdown``; the dataset
    README holds this text).

    Examples
    --------
    >>> row = dict(scenario="cut", months="2025-12", measure="change_mt", group="cpc",
    ...            reported=-0.3, model=-0.25, unit="Mt", source="src")
    >>> print(events_markdown(pd.DataFrame([row])).splitlines()[2])
    | cut | 2025-12 | change_mt | cpc | -0.30 | -0.25 | Mt | src |
    """
    lines = [
        "| scenario | months | measure | group | reported | model | unit | source |",
        "|---|---|---|---|---:|---:|---|---|",
    ]
    for r in table.to_dict("records"):
        lines.append(
            f"| {r['scenario']} | {r['months']} | {r['measure']} | {r['group']} "
            f"| {float(r['reported']):.2f} | {float(r['model']):.2f} | {r['unit']} "
            f"| {r['source']} |"
        )
    return "\n".join(lines) + "\n"


# -- the events table ----------------------------------------------------------------------
def _in_months(series: pd.Series, ev: EventObservation) -> pd.Series:
    labels = [f"{ev.year}-{m:02d}" for m in range(ev.first_month, ev.last_month + 1)]
    return series.loc[labels]


def _group_mt(p: Plan, network: Network, ev: EventObservation) -> float:
    return float(_in_months(p.group_flows(network.group(ev.group)), ev).sum())


def _vs_prev_pct(p: Plan, network: Network, ev: EventObservation) -> float:
    flows = p.group_flows(network.group(ev.group))
    days = pd.Series(p.periods.days, index=list(p.periods.labels))
    now = float(_in_months(flows, ev).sum() / _in_months(days, ev).sum())
    prev_label = f"{ev.year}-{ev.first_month - 1:02d}"
    before = float(flows.loc[prev_label] / days.loc[prev_label])
    return (now - before) / before * 100.0 if before > 0 else float("nan")


def _event_value(ev: EventObservation, network: Network, runs: Callable[..., Plan]) -> float:
    """The model's value of one reported outcome (docs/dataset-format.md)."""
    with_ev = runs(ev.year, add=ev.scenarios)
    if ev.measure == "flow_mt":
        return _group_mt(with_ev, network, ev)
    if ev.measure == "vs_prev_pct":
        return _vs_prev_pct(with_ev, network, ev)
    without = runs(ev.year, drop=ev.scenarios)
    if ev.measure == "shut_in_mt":
        col = "shut_in_mt"
        return float(
            _in_months(with_ev.by_period[col], ev).sum()
            - _in_months(without.by_period[col], ev).sum()
        )
    a, b = _group_mt(with_ev, network, ev), _group_mt(without, network, ev)
    if ev.measure == "change_mt":
        return a - b
    return (a - b) / b * 100.0 if b > 0 else float("nan")  # change_pct


def backtest_events(network: Network) -> pd.DataFrame:
    """The disruption presets against what was reported after each event
    (``observed_events.csv``): one row per reported outcome, in file order.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EVENT_COLUMNS`: ``scenario, months, measure, group, reported, model,
        unit, difference, source, note`` (``unit`` is ``Mt`` or ``%``; ``difference`` is
        model minus reported).

    Examples
    --------
    >>> from crudeflow.network.load import load_dataset
    >>> t = backtest_events(load_dataset())
    >>> "spm2-loss-2025" in set(t["scenario"])
    True
    """
    cache: dict[tuple[int, frozenset[str], frozenset[str]], Plan] = {}

    def runs(year: int, *, add: Collection[str] = (), drop: Collection[str] = ()) -> Plan:
        key = (year, frozenset(add), frozenset(drop))
        if key not in cache:
            cache[key] = _run(network, _year_scenario(network, year, add=add, drop=drop))
        return cache[key]

    rows = []
    for ev in network.observed_events:
        model = _event_value(ev, network, runs)
        rows.append(
            {
                "scenario": "+".join(ev.scenarios),
                "months": ev.months,
                "measure": ev.measure,
                "group": ev.group,
                "reported": ev.reported,
                "model": model,
                "unit": "%" if ev.measure.endswith("_pct") else "Mt",
                "difference": model - ev.reported,
                "source": ev.source,
                "note": ev.note,
            }
        )
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
