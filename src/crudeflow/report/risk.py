"""The pictures of a stored risk run, as JSON-ready plotly dicts, and the report's risk section.

One function draws each chart from a :class:`~crudeflow.montecarlo.view.RunView`; the HTML
report inlines them and the web runs page receives the same dicts from ``/api/runs/{id}``
(it computes nothing). Every number comes from the view; labels say what kind of figure it
is (a total over the year, or Mt in a month).

Examples
--------
>>> from crudeflow.montecarlo.view import exceedance_curve
>>> import numpy as np
>>> fig = exceedance_figure([exceedance_curve("base", "lost_exports_mt", np.arange(20.0))],
...                         "Exports lost, Mt over 2025")
>>> fig["data"][0]["line"]["shape"], fig["layout"]["yaxis"]["type"]
('hv', 'log')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from crudeflow.montecarlo.summary import RiskSummary
from crudeflow.montecarlo.view import ExceedanceCurve, MonthlyFan, RunView
from crudeflow.report import _html as h
from crudeflow.report.figures import CASE_COLOURS, Figure, _esc, base_layout

__all__ = [
    "binding_figure",
    "exceedance_figure",
    "fan_figure",
    "figure_titles",
    "hazard_figure",
    "risk_figures",
    "risk_section",
]

GRID = "#e4e7eb"
ONE_IN_20 = 0.05
PROBABILITY_TICKS = (0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2,
                     0.5, 1.0)  # fmt: skip


def _colour(i: int) -> str:
    return CASE_COLOURS[i % len(CASE_COLOURS)]


def _rgba(hex_colour: str, alpha: float) -> str:
    c = hex_colour.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def exceedance_figure(
    curves: Sequence[ExceedanceCurve], x_title: str, *, height: int = 360
) -> Figure:
    """P(loss > x) against x, one step line per scenario, log probability axis, 1 in 20 marked."""
    unit = "USD m" if curves and curves[0].quantity.endswith("_musd") else "Mt"
    fmt = ",.0f" if unit == "USD m" else ",.2f"
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": c.scenario,
            "x": list(c.x),
            "y": list(c.p),
            "line": {"shape": "hv", "color": _colour(i), "width": 2},
            "hovertemplate": f"P(loss > %{{x:{fmt}}} {unit}) = %{{y:.1%}}<extra>"
            + _esc(c.scenario)
            + "</extra>",
        }
        for i, c in enumerate(curves)
        if c.x
    ]
    return {
        "data": data,
        "layout": base_layout(
            height=height,
            xaxis={"title": {"text": x_title}, "gridcolor": GRID, "rangemode": "tozero"},
            yaxis={
                "title": {"text": "Probability in a year that the loss is larger"},
                "type": "log",
                "tickvals": list(PROBABILITY_TICKS),
                "tickformat": ".2~%",
                "gridcolor": GRID,
            },
            shapes=[
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": ONE_IN_20,
                    "y1": ONE_IN_20,
                    "line": {"color": "#c62828", "width": 1, "dash": "dot"},
                }
            ],
            annotations=[
                {
                    "xref": "paper",
                    "x": 1,
                    "y": -1.301,  # log10(0.05): the axis is in log units
                    "yref": "y",
                    "text": "1 year in 20",
                    "showarrow": False,
                    "xanchor": "right",
                    "yanchor": "bottom",
                    "font": {"size": 11, "color": "#c62828"},
                }
            ],
            legend={"orientation": "h", "x": 0, "y": 1.12},
            margin={"l": 70, "r": 10, "t": 40, "b": 50},
        ),
    }


def fan_figure(fan: MonthlyFan, colour: str, y_title: str, *, height: int = 340) -> Figure:
    """Exports month by month: the P5-P95 band, the P50 line and the no-outage plan.

    The axis reads ``Jan`` ... ``Dec`` (the year is the axis title): legible on a narrow card.
    """
    x = [m.split()[0] for m in fan.months]
    years = list(dict.fromkeys(m.split()[-1] for m in fan.months if " " in m))
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "P95",
            "x": x,
            "y": list(fan.p95_mt),
            "line": {"width": 0, "color": colour},
            "showlegend": False,
            "hovertemplate": "%{x}: P95 %{y:,.2f} Mt<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "P5-P95 of draws",
            "x": x,
            "y": list(fan.p5_mt),
            "fill": "tonexty",
            "fillcolor": _rgba(colour, 0.22),
            "line": {"width": 0, "color": colour},
            "hovertemplate": "%{x}: P5 %{y:,.2f} Mt<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "P50 (median)",
            "x": x,
            "y": list(fan.p50_mt),
            "line": {"width": 2, "color": colour},
            "marker": {"size": 5},
            "hovertemplate": "%{x}: P50 %{y:,.2f} Mt<extra></extra>",
        },
    ]
    if fan.no_outage_mt is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "no-outage plan",
                "x": x,
                "y": list(fan.no_outage_mt),
                "line": {"width": 1.5, "color": "#52606d", "dash": "dash"},
                "hovertemplate": "%{x}: no outage %{y:,.2f} Mt<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": base_layout(
            height=height,
            xaxis={
                "type": "category",
                "categoryorder": "array",
                "categoryarray": x,
                "title": {"text": "-".join(years)},
            },
            yaxis={"title": {"text": y_title}, "gridcolor": GRID, "rangemode": "tozero"},
            legend={"orientation": "h", "x": 0, "y": 1.14},
            margin={"l": 60, "r": 10, "t": 40, "b": 40},
        ),
    }


def hazard_figure(
    summaries: Sequence[RiskSummary], x_title: str, *, height: int | None = None
) -> Figure:
    """Expected exports lost by hazard (one-at-a-time removal), one bar group per scenario."""
    hazards: list[str] = []
    for s in summaries:
        hazards += [hz.hazard for hz in s.hazards if hz.hazard not in hazards]
    order = list(reversed(hazards))  # the largest of the reference at the top
    data = []
    for i, s in enumerate(summaries):
        by = {hz.hazard: hz for hz in s.hazards}
        if not by:
            continue
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": s.scenario,
                "y": order,
                "x": [by[k].lost_exports_mt if k in by else 0.0 for k in order],
                "customdata": [
                    [
                        by[k].lost_netback_musd if k in by else 0.0,
                        by[k].share_of_loss if k in by else 0.0,
                    ]
                    for k in order
                ],
                "marker": {"color": _colour(i)},
                "hovertemplate": "%{y}: %{x:,.3f} Mt, USD %{customdata[0]:,.0f} m, "
                "%{customdata[1]:.0%} of the expected loss<extra>" + _esc(s.scenario) + "</extra>",
            }
        )
    return {
        "data": data,
        "layout": base_layout(
            height=height or max(220, 60 + 26 * len(order) * max(len(data), 1)),
            barmode="group",
            xaxis={"title": {"text": x_title}, "gridcolor": GRID, "rangemode": "tozero"},
            yaxis={"automargin": True, "type": "category"},
            legend={"orientation": "h", "x": 0, "y": 1.08},
            margin={"l": 10, "r": 10, "t": 40, "b": 50},
        ),
    }


def binding_figure(summary: RiskSummary, months: Sequence[str]) -> Figure:
    """Routes at capacity: per route and month, the share of draws in which it binds."""
    routes = [b.route for b in summary.binding]
    order = list(reversed(routes))
    by = {b.route: b for b in summary.binding}
    z = [[100.0 * v for v in by[r].month_share] for r in order]
    n = len(z[0]) if z else len(months)
    # "Jan" rather than "Jan 2025": the run is one year, and the axis stays legible
    x = [m.split()[0] for m in months[:n]] if len(months) >= n else [str(t + 1) for t in range(n)]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": x,
                "y": order,
                "z": z,
                "zmin": 0,
                "zmax": 100,
                "colorscale": [[0, "#f5f7fa"], [0.5, "#f0b429"], [1, "#c62828"]],
                "colorbar": {"title": {"text": "% of draws"}, "thickness": 12},
                "xgap": 1,
                "ygap": 1,
                "hovertemplate": "%{y}, %{x}: at capacity in %{z:.0f}% of draws<extra></extra>",
            }
        ],
        "layout": base_layout(
            height=max(200, 70 + 24 * len(order)),
            xaxis={"type": "category", "side": "bottom"},
            yaxis={"automargin": True, "type": "category"},
            margin={"l": 10, "r": 10, "t": 10, "b": 40},
        ),
    }


def risk_figures(view: RunView) -> dict[str, Figure]:
    """Every chart of a run, by element id (the report and the web page use these ids).

    ``risk-exceed-exports`` and ``risk-exceed-netback`` (exceedance curves), ``risk-fan-I``
    (monthly exports of scenario I), ``risk-hazards`` (loss by hazard, when attributed) and
    ``risk-binding-I`` (routes at capacity of scenario I, when any binds).
    """
    figs: dict[str, Figure] = {}
    exports = [c for c in view.exceedance if c.quantity == "lost_exports_mt"]
    netback = [c for c in view.exceedance if c.quantity == "lost_netback_musd"]
    if any(c.x for c in exports):
        figs["risk-exceed-exports"] = exceedance_figure(exports, view.exports_lost_label)
    if any(c.x for c in netback):
        figs["risk-exceed-netback"] = exceedance_figure(netback, view.netback_lost_label)
    for i, fan in enumerate(view.fans):
        figs[f"risk-fan-{i}"] = fan_figure(fan, _colour(i), view.monthly_label)
    if any(s.hazards for s in view.summaries):
        figs["risk-hazards"] = hazard_figure(
            view.summaries, f"Expected exports lost, Mt over {view.horizon_label}"
        )
    for i, s in enumerate(view.summaries):
        if s.binding:
            figs[f"risk-binding-{i}"] = binding_figure(s, view.months)
    return figs


def figure_titles(view: RunView) -> dict[str, str]:
    """The heading of each chart of :func:`risk_figures`, by the same ids."""
    titles = {
        "risk-exceed-exports": "How often a year loses more than x Mt of exports",
        "risk-exceed-netback": "How often a year loses more than x USD m of netback",
        "risk-hazards": "Expected loss by hazard",
    }
    for i, fan in enumerate(view.fans):
        titles[f"risk-fan-{i}"] = f"Exports month by month, {fan.scenario}"
    for i, s in enumerate(view.summaries):
        titles[f"risk-binding-{i}"] = f"Routes at capacity, {s.scenario}"
    return titles


def _table(view: RunView) -> str:
    y = view.horizon_label
    rows = []
    for s in view.summaries:
        x, nb = s.lost_exports_mt, s.lost_netback_musd
        rows.append(
            [
                s.scenario,
                f"{s.draws:,}",
                h.num(s.reference_exported_mt, 1),
                f"{h.num(x.mean, 2)} ± {h.num(x.se, 2)}",
                h.num(x.p50, 2),
                h.num(x.p95, 2),
                h.num(x.cvar95, 2),
                f"{h.num(nb.mean, 0)} ± {h.num(nb.se, 0)}",
                h.num(nb.p95, 0),
                f"{s.p_shut_in_above:.1%}",
            ]
        )
    threshold = view.summaries[0].shut_in_threshold_mt if view.summaries else 5.0
    return h.table_html(
        [
            "Scenario",
            "Draws",
            f"No-outage exports, Mt over {y}",
            "Lost Mt, mean ± SE",
            "P50",
            "P95 (1 in 20)",
            "CVaR95",
            "Lost USD m, mean ± SE",
            "P95 USD m",
            f"P(shut-in > {threshold:g} Mt)",
        ],
        rows,
        numeric=range(1, 10),
    )


def risk_section(view: RunView, figure: Callable[[str, Figure, str], str]) -> str:
    """The report's risk section: sentences, summary table and every chart of the run.

    ``figure(fig_id, fig, kind)`` returns the figure's ``<div>`` and registers its script
    (the report's own helper).
    """
    figs = risk_figures(view)
    titles = figure_titles(view)
    run = view.run
    names = view.scenarios
    partial = (
        f" The run is {run.status}: {view.draws_stored:,} of {run.draws:,} draws per "
        "scenario are stored, and these pictures show those."
        if run.status != "done"
        else ""
    )

    def card(fig_id: str, caption: str, kind: str = "risk") -> str:
        if fig_id not in figs:
            return ""
        return (
            f'<div class="card"><h3>{h.esc(titles[fig_id])}</h3>'
            f'{figure(fig_id, figs[fig_id], kind)}<p class="caption">{caption}</p></div>'
        )

    fans = "".join(
        card(
            f"risk-fan-{i}",
            "The band holds the middle 90% of simulated years (P5 to P95) in each month, "
            "the line is the median; the dashed line is the plan without outages. Mt in the "
            "month, not an annual rate.",
        )
        for i in range(len(view.fans))
    )
    if view.fans_note:
        fans += f'<p class="note">{h.esc(view.fans_note)}</p>'
    binding = "".join(
        card(
            f"risk-binding-{i}",
            "Share of simulated years in which the route runs full in that month: the "
            "routes that bind most often, most frequent at the top.",
        )
        for i in range(len(names))
    )
    hazard_caption = (
        f"Expected loss of exports attributed to each hazard, over the first "
        f"{view.attribution_draws:,} draws: each hazard's events are removed in turn and the "
        "draw re-solved, so the parts need not add up to the total. Hover for the netback."
    )
    return (
        '<section id="risk"><h2>Disruption risk</h2>'
        f'<p class="lead">Run <code>{h.esc(run.run_id)}</code>: {view.draws_stored:,} '
        f"simulated years of {h.esc(view.horizon_label)} per scenario (seed {run.seed}), "
        "each re-planned month by month as outages strike (no foresight). Losses are "
        f"against each scenario's own no-outage plan, totals over {h.esc(view.horizon_label)}."
        f"{h.esc(partial)}</p>"
        '<div class="card"><ul class="findings">'
        + "".join(f"<li>{h.esc(s)}</li>" for s in view.sentences)
        + f'</ul><div class="table-scroll" style="margin-top:10px">{_table(view)}</div></div>'
        '<div class="grid" style="margin-top:16px">'
        + card(
            "risk-exceed-exports",
            "Share of simulated years whose lost exports exceed the value on the x axis "
            "(log scale); where a curve crosses the dotted line is the 1-in-20 loss (P95).",
        )
        + card(
            "risk-exceed-netback",
            "The same for netback (market value minus transport cost) lost against the "
            "no-outage plan.",
        )
        + fans
        + card("risk-hazards", hazard_caption)
        + binding
        + "</div></section>"
    )
