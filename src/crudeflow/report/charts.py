"""The report's charts besides the map: Sankey of fields -> route groups -> markets, the
side-by-side comparison and the monthly chart, as JSON-ready plotly dicts.

Split from :mod:`crudeflow.report.figures` (the map and the shared styles).

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.plan import plan
>>> net = toy_network()
>>> sankey_figure(net, plan(net))["data"][0]["type"]
'sankey'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from crudeflow.network.model import Network
from crudeflow.report.figures import (
    CASE_COLOURS,
    CATEGORY_COLOURS,
    FONT_STACK,
    INK,
    NODE_STYLE,
    SHUT_IN_COLOUR,
    Figure,
    _esc,
    base_layout,
)
from crudeflow.report.flows import (
    DOMESTIC,
    TracedFlows,
    border_routes,
    exit_group_names,
    short_name,
    trace,
)
from crudeflow.solve.plan import Plan, month_label

__all__ = ["comparison_figure", "monthly_figure", "sankey_figure"]


# -- Sankey --------------------------------------------------------------------------------
def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def sankey_figure(
    network: Network,
    plan: Plan,
    *,
    traced: TracedFlows | None = None,
    watch: str | None = None,
    height: int = 520,
) -> Figure:
    """Fields → route groups → markets (and shut-in), by proportional tracing.

    In Mt/yr for a 12-month plan, in Mt over the horizon for a shorter one (a month's loss is
    never drawn as a rate per year); ``traced`` overrides, in its own unit.
    """
    watch = network.meta.watch if watch is None else watch
    tr = (
        traced
        if traced is not None
        else trace(network, plan, watch=watch, totals=plan.horizon_months != 12)
    )
    names = {n.id: short_name(n.name) for n in network.nodes}
    labels: list[str] = []
    colours: list[str] = []
    index: dict[tuple[str, str], int] = {}

    def node(kind: str, key: str, label: str, colour: str) -> int:
        if (kind, key) not in index:
            index[(kind, key)] = len(labels)
            labels.append(label)
            colours.append(colour)
        return index[(kind, key)]

    watch_share = tr.watch_share_of_group()
    field_total: dict[str, float] = defaultdict(float)
    for p in tr.paths:
        field_total[p.field] += p.amount
    for f, v in tr.shut_in.items():
        field_total[f] += v
    for f in sorted(field_total, key=lambda f: -field_total[f]):
        if field_total[f] > 1e-6:
            node("field", f, names.get(f, f), NODE_STYLE["field"][2])
    for g, _ in tr.by_group().items():
        colour = CATEGORY_COLOURS["watch" if watch_share.get(g, 0) > 0.5 else "bypass"]
        if g == DOMESTIC:
            colour = CATEGORY_COLOURS["domestic"]
        node("group", g, g, colour)
    links: dict[tuple[int, int, str], float] = defaultdict(float)
    for p in tr.paths:
        colour = _rgba(CATEGORY_COLOURS["watch" if p.crosses_watch else "bypass"], 0.42)
        fi = node("field", p.field, names.get(p.field, p.field), NODE_STYLE["field"][2])
        gi = index[("group", p.group)]
        mi = node("market", p.market, names.get(p.market, p.market), "#b7791f")
        links[(fi, gi, colour)] += p.amount
        links[(gi, mi, colour)] += p.amount
    shut_total = sum(v for v in tr.shut_in.values() if v > 1e-6)
    if shut_total > 1e-6:
        s = node("shut", "shut", "Shut in (not exported)", SHUT_IN_COLOUR)
        for field_id, v in tr.shut_in.items():
            if v > 1e-6:
                fi = node("field", field_id, names.get(field_id, field_id), NODE_STYLE["field"][2])
                links[(fi, s, _rgba(SHUT_IN_COLOUR, 0.5))] += v
    into: dict[int, float] = defaultdict(float)
    outof: dict[int, float] = defaultdict(float)
    for (a, b, _), v in links.items():
        outof[a] += v
        into[b] += v
    labels = [f"{lab}: {max(into[i], outof[i]):,.1f}" for i, lab in enumerate(labels)]
    src, dst, val, lcol = [], [], [], []
    for (a, b, c), v in links.items():
        src.append(a)
        dst.append(b)
        val.append(round(v, 4))
        lcol.append(c)
    return {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "valueformat": ",.1f" if tr.unit == "Mt/yr" else ",.2f",
                "valuesuffix": f" {tr.unit}",
                "node": {
                    "label": labels,
                    "color": colours,
                    "pad": 14,
                    "thickness": 16,
                    "line": {"color": "#ffffff", "width": 0.5},
                    "hovertemplate": "%{label}: %{value}<extra></extra>",
                },
                "link": {
                    "source": src,
                    "target": dst,
                    "value": val,
                    "color": lcol,
                    "hovertemplate": "%{source.label} → %{target.label}: %{value}<extra></extra>",
                },
                "textfont": {"family": FONT_STACK, "size": 13, "color": INK},
            }
        ],
        "layout": base_layout(height=height, margin={"l": 8, "r": 8, "t": 8, "b": 8}),
    }


# -- comparison and monthly charts ----------------------------------------------------------
def comparison_figure(
    labels: Sequence[str], traced: Sequence[TracedFlows], *, height: int = 380
) -> Figure:
    """Grouped bars: delivered Mt/yr per route group (and shut-in), one bar per case."""
    groups: list[str] = []
    for tr in traced:
        for g in tr.by_group():
            if g not in groups:
                groups.append(g)
    best = {g: max(tr.by_group().get(g, 0.0) for tr in traced) for g in groups}
    groups.sort(key=lambda g: -best[g])
    shut = [sum(tr.shut_in.values()) for tr in traced]
    x = [*groups, "Shut in"] if any(s > 1e-6 for s in shut) else list(groups)
    data: list[dict[str, Any]] = []
    for i, (label, tr) in enumerate(zip(labels, traced, strict=True)):
        by = tr.by_group()
        y = [round(by.get(g, 0.0), 3) for g in groups]
        if len(x) > len(groups):
            y.append(round(shut[i], 3))
        data.append(
            {
                "type": "bar",
                "name": label,
                "x": x,
                "y": y,
                "marker": {"color": CASE_COLOURS[i % len(CASE_COLOURS)]},
                "text": [f"{v:,.1f}" if v > 0.05 else "" for v in y],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{x}: %{y:,.1f} Mt/yr<extra>" + _esc(label) + "</extra>",
            }
        )
    return {
        "data": data,
        "layout": base_layout(
            barmode="group",
            height=height,
            yaxis={
                "title": {"text": "Mt/yr delivered"},
                "gridcolor": "#e4e7eb",
                "zeroline": True,
                "zerolinecolor": "#9aa5b1",
                "rangemode": "tozero",
            },
            xaxis={"tickfont": {"size": 12}},
            legend={"orientation": "h", "x": 0, "y": 1.08},
            margin={"l": 60, "r": 10, "t": 40, "b": 40},
        ),
    }


def monthly_figure(network: Network, plan: Plan, *, height: int = 360) -> Figure:
    """Stacked monthly flows leaving the producer country, by route group (Mt in each month).

    The x axis is categorical with labels such as ``Dec 2025``: plotly would otherwise read
    ``2025-12`` as a date and label the bar by a tick at the month's start ("Nov 30").

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> from crudeflow.solve.plan import plan
    >>> fig = monthly_figure(toy_network(), plan(toy_network(), monthly=True))
    >>> fig["layout"]["xaxis"]["type"], fig["data"][0]["x"][-1]
    ('category', 'Dec 2025')
    """
    names = exit_group_names(network)
    group_of = {rid: names[rid] for rid in border_routes(network)}
    table: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for rid, period, mt in zip(
        plan.flows["route"], plan.flows["period"], plan.flows["flow_mt"], strict=True
    ):
        g = group_of.get(str(rid))
        if g is not None:
            table[g][str(period)] += float(mt)
    periods = list(plan.periods.labels)
    labels = [month_label(p) for p in periods]
    ordered = sorted(table, key=lambda g: -sum(table[g].values()))
    palette = (
        "#334e68",
        "#c62828",
        "#2f8f83",
        "#d9822b",
        "#1565c0",
        "#8e44ad",
        "#7b8794",
        "#b7791f",
        "#3e2c1c",
    )
    data = [
        {
            "type": "bar",
            "name": g,
            "x": labels,
            "y": [round(table[g].get(p, 0.0), 4) + 0.0 for p in periods],
            "marker": {"color": palette[i % len(palette)]},
            "hovertemplate": "%{x}: %{y:,.2f} Mt<extra>" + _esc(g) + "</extra>",
        }
        for i, g in enumerate(ordered)
        if sum(table[g].values()) > 1e-6
    ]
    return {
        "data": data,
        "layout": base_layout(
            barmode="stack",
            height=height,
            xaxis={"type": "category", "categoryorder": "array", "categoryarray": labels},
            yaxis={"title": {"text": "Mt in the month"}, "gridcolor": "#e4e7eb"},
            legend={"orientation": "h", "x": 0, "y": 1.1},
            margin={"l": 60, "r": 10, "t": 40, "b": 40},
        ),
    }
