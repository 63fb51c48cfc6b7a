"""The report's sensitivity section: a tornado chart per headline output
(:mod:`crudeflow.sensitivity`), as JSON-ready plotly dicts and one HTML section.

Examples
--------
>>> import dataclasses
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.sensitivity import sensitivity
>>> net = toy_network()
>>> bm = dataclasses.replace(net.route("B_M"), capacity_source="estimate: a round number")
>>> fig = tornado_figure(sensitivity(net.replace_routes([bm])), "netback_musd")
>>> [t["name"] for t in fig["data"]], fig["data"][0]["y"]
(['-20%', '+20%'], ['routes.csv:B_M:capacity_mtpa', 'dataset.yaml:grades.G:bbl_per_t'])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crudeflow.report import _html as h
from crudeflow.report.figures import CASE_COLOURS, Figure, _esc, base_layout
from crudeflow.sensitivity import Sensitivity

__all__ = ["sensitivity_section", "tornado_figure"]

TOP = 10
"""Inputs drawn in each tornado."""
_TITLES = {"netback_musd": "Netback, USD m", "exported_mt": "Exports, Mt"}


def _title(name: str) -> str:
    if name in _TITLES:
        return _TITLES[name]
    return f"Flow on {name.removesuffix('_mt')}, Mt"


def tornado_figure(s: Sensitivity, output: str, *, top: int = TOP, height: int = 360) -> Figure:
    """Horizontal bars: for the ``top`` inputs of the ranking (most influential at the top),
    how far ``output`` moves when the input goes down and up by the range."""
    rows = list(s.rows[:top])[::-1]  # plotly draws the first category at the bottom
    labels = [r.input for r in rows]
    data: list[dict[str, Any]] = []
    for j, (name, side) in enumerate(((f"-{s.rel:.0%}", "low"), (f"+{s.rel:.0%}", "high"))):
        x = [round((r.delta_low if side == "low" else r.delta_high)[output], 6) for r in rows]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "x": x,
                "y": labels,
                "marker": {"color": CASE_COLOURS[j]},
                "hovertemplate": "%{y}: %{x:+,.2f}<extra>" + _esc(name) + "</extra>",
            }
        )
    return {
        "data": data,
        "layout": base_layout(
            barmode="overlay",
            height=height,
            title={"text": _esc(_title(output)), "x": 0, "font": {"size": 14}},
            xaxis={
                "title": {"text": "change from the unmoved plan", "font": {"size": 12}},
                "gridcolor": "#e4e7eb",
                "zeroline": True,
                "zerolinecolor": "#52606d",
            },
            yaxis={"automargin": True, "tickfont": {"size": 11}},
            legend={"orientation": "h", "x": 0, "y": -0.3},
            margin={"l": 10, "r": 20, "t": 40, "b": 70},
        ),
    }


def _signed(v: float) -> str:
    return "0" if abs(v) < 0.005 else f"{v:+,.2f}"


def sensitivity_section(s: Sensitivity, figure: Callable[[str, Figure, str], str]) -> str:
    """The report section: one tornado per output and the ranked table."""
    cards = [
        f'<div class="card">{figure(f"fig-tornado-{i}", tornado_figure(s, out), "bar")}</div>'
        for i, out in enumerate(s.outputs)
    ]
    rows = [
        [
            str(i),
            f"{r.input}{'' if r.estimate else ' (sourced)'}",
            h.num(r.value, 2),
            *(f"{r.delta_low[o]:+,.2f} / {r.delta_high[o]:+,.2f}" for o in s.outputs),
        ]
        for i, r in enumerate(s.rows[:TOP], start=1)
    ]
    table = h.table_html(
        ["#", "Input", "Value", *(f"{_title(o)} (−/+)" for o in s.outputs)],
        rows,
        numeric=range(2, 3 + len(s.outputs)),
    )
    what = "every numeric input" if s.include_sourced else "each estimate"
    return (
        '<section id="sensitivity"><h2>Which estimates matter</h2><p class="lead">'
        f"The {s.year} annual plan of the dataset as it is, with {what} moved by "
        f"±{s.rel:.0%} on its own and the plan re-solved: the {TOP} inputs that move the "
        "headline outputs most, as changes from the unmoved plan "
        "(<code>crudeflow sensitivity</code>; docs/dataset-format.md, “Sensitivity”).</p>"
        f'<div class="grid">{"".join(cards)}</div><div class="card">{table}</div></section>'
    )
