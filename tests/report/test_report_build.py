"""The HTML report: one offline file, valid plotly figures, the sections a reader needs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from crudeflow.explanation import explain
from crudeflow.network.model import Network
from crudeflow.report import ReportCase, build_report, default_cases, write_default_report
from crudeflow.report._assets import TOPOJSON_NAME, geo_seed_script, plotly_js
from crudeflow.report.charts import comparison_figure, monthly_figure, sankey_figure
from crudeflow.report.figures import (
    fit_bounds,
    map_figure,
)
from crudeflow.report.flows import trace
from crudeflow.solve.plan import plan
from tests.cli_subprocess import crudeflow_cli

REMOTE = (
    'src="http',
    "src='http",
    'href="http',
    "href='http",
    "@import",
    "fonts.googleapis",
    "fonts.gstatic",
    "cdn.plot.ly/plotly",
    "<link",
)


def assert_offline(html: str) -> None:
    """No remote script, style, font or link; plotly.js and the outlines are inlined.

    The grep runs on everything but the inlined plotly.js bundle itself, which is the
    installed plotly package's file verbatim: it holds inert strings such as the attribution
    link of map tiles the report never uses (the browser test proves nothing is fetched).
    """
    bundle = plotly_js()
    assert html.count(bundle) == 1, "plotly.js must be inlined exactly once"
    assert len(bundle) > 1_000_000
    ours = html.replace(bundle, "")
    lowered = ours.lower()
    for needle in REMOTE:
        assert needle not in lowered, needle
    assert not re.search(r"<script[^>]*\bsrc=", ours), "a <script src=...> tag"
    assert "url(http" not in lowered
    seed = html.index("window.PlotlyGeoAssets.topojson[")
    plotly = html.index(bundle)
    assert seed < plotly, "outlines must be seeded before plotly.js loads"
    assert f'["{TOPOJSON_NAME}"]' in html


def test_toy_report_is_one_offline_file(tmp_path: Path, toy_cases: list[ReportCase]) -> None:
    out = build_report(
        toy_cases,
        title="Toy <report>",
        out=tmp_path / "sub" / "r.html",
        command="crudeflow report --out r.html",
    )
    assert out == (tmp_path / "sub" / "r.html").resolve()
    assert [p.name for p in out.parent.iterdir()] == ["r.html"]
    html = out.read_text(encoding="utf-8")
    assert_offline(html)
    assert "<title>Toy &lt;report&gt;</title>" in html
    for fig_id in ("fig-map-0", "fig-map-1", "fig-sankey-0", "fig-sankey-1", "fig-compare"):
        assert f'id="{fig_id}"' in html
    assert 'id="monthly"' not in html  # annual plans: no monthly section
    assert "crudeflow report --out r.html" in html
    for case in toy_cases:
        for sentence in explain(
            case.plan, base=toy_cases[0].plan if case is not toy_cases[0] else None
        ):
            assert sentence.replace("'", "&#x27;") in html
    assert "Content-Security-Policy" in html


def test_single_case_has_no_comparison(tmp_path: Path, toy: Network) -> None:
    html = build_report(
        [ReportCase("Only", toy, plan(toy))], title="One", out=tmp_path / "one.html"
    ).read_text(encoding="utf-8")
    assert 'id="comparison"' not in html
    assert 'id="fig-map-0"' in html and 'id="fig-map-1"' not in html


def test_report_says_what_an_avoid_costs_as_a_whole(tmp_path: Path, toy: Network) -> None:
    p = plan(toy, requirements=["avoid RU"])
    (st,) = p.requirement_status
    assert st.whole_cost_musd_per_yr > 0  # A_B (into Russia) carried 10 Mt/yr
    html = build_report(
        [ReportCase("Avoid", toy, p)], title="Avoid", out=tmp_path / "a.html"
    ).read_text(encoding="utf-8")
    cost = f"{st.whole_cost_musd_per_yr:,.0f}"
    assert f"applied; costs USD {cost} m a year" in html


def test_build_report_needs_a_case(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one case"):
        build_report([], title="none", out=tmp_path / "x.html")


def test_monthly_plans_get_monthly_charts(tmp_path: Path, mini: Network) -> None:
    cases = [
        ReportCase("Annual", mini, plan(mini)),
        ReportCase("Monthly", mini, plan(mini, monthly=True)),
    ]
    html = build_report(cases, title="Monthly", out=tmp_path / "m.html").read_text("utf-8")
    assert 'id="monthly"' in html
    assert 'id="fig-monthly-0"' in html  # the monthly case (the annual one has no chart)
    assert 'id="fig-monthly-1"' not in html
    assert_offline(html)


def test_default_report(tmp_path: Path) -> None:
    out = write_default_report(tmp_path / "report.html")
    html = out.read_text(encoding="utf-8")
    assert_offline(html)
    assert "Base plan" in html and "Avoid Russia, via Caspian ports" in html
    assert "via AKTAU,KURYK &gt;= 20 Mt/yr" in html
    assert f"crudeflow report --out {tmp_path / 'report.html'}" in html
    assert "src/crudeflow/data/kazakhstan" in html
    assert "crudeflow 0." in html or "crudeflow 1." in html
    for section in ("summary", "comparison", "map", "sankey", "details", "reproduce"):
        assert f'id="{section}"' in html
    assert 3_000_000 < len(html) < 15_000_000


def _validate(fig: dict[str, object]) -> None:
    go = pytest.importorskip("plotly.graph_objects")
    go.Figure(fig)  # raises on any property plotly does not know


def test_figures_follow_plotly_schema(kz_cases: list[ReportCase], mini: Network) -> None:
    traced = []
    for case in kz_cases:
        _validate(map_figure(case.network, case.plan))
        _validate(sankey_figure(case.network, case.plan))
        traced.append(trace(case.network, case.plan))
    _validate(comparison_figure([c.label for c in kz_cases], traced))
    _validate(monthly_figure(mini, plan(mini, monthly=True)))


def test_map_draws_every_route_with_width_by_flow(kz_cases: list[ReportCase]) -> None:
    case = kz_cases[0]
    fig = map_figure(case.network, case.plan)
    lines = [
        t
        for t in fig["data"]
        if t["type"] == "scattergeo" and t["mode"] == "lines" and t["lon"] != [None]
    ]
    by_text = {}
    for t in lines:
        rid = re.search(r"</b> \(([A-Z0-9_]+)\)", t["text"][0])
        assert rid is not None
        by_text[rid.group(1)] = t
    from crudeflow.report.figures import undrawn_routes

    skipped = {r.id for r in undrawn_routes(case.network)}
    assert set(by_text) == {r.id for r in case.network.routes} - skipped
    flows = case.plan.routes["flow_mtpa"]
    widest = max(by_text, key=lambda r: by_text[r]["line"]["width"])
    assert float(flows[widest]) == pytest.approx(float(flows.max()))
    for rid, t in by_text.items():
        route = case.network.route(rid)
        assert t["line"]["dash"] == ("solid" if route.status == "operating" else "dash")
        assert t["line"]["color"] == ("#c62828" if "RU" in route.countries else t["line"]["color"])
    geo = fig["layout"]["geo"]
    bounds = fit_bounds(case.network.nodes)
    for n in case.network.nodes:
        assert bounds.lon[0] < n.lon < bounds.lon[1]
        assert bounds.lat[0] < n.lat < bounds.lat[1]
    assert geo["resolution"] == 50 and geo["showcountries"]


def test_seed_script_is_valid_javascript_object() -> None:
    seed = geo_seed_script()
    assert "</" not in seed
    assert seed.count(TOPOJSON_NAME) == 1


# -- the command line ---------------------------------------------------------------------
def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return crudeflow_cli(*args, cwd=cwd, timeout=600)


def test_cli_report_writes_the_file_and_prints_its_path(tmp_path: Path) -> None:
    res = cli(
        "report",
        "--dataset",
        str(Path(__file__).parents[1] / "fixtures" / "mini"),
        "--avoid",
        "ru",
        "--require",
        "route PORT_EU <= 10 Mt/yr",
        "--out",
        "r.html",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert_offline(html)
    assert "With avoid RU; route PORT_EU &lt;= 10 Mt/yr" in html
    assert "--avoid ru --require &#x27;route PORT_EU &lt;= 10 Mt/yr&#x27; --out r.html" in html


def test_cli_report_default_out(tmp_path: Path) -> None:
    res = cli(
        "report", "--dataset", str(Path(__file__).parents[1] / "fixtures" / "mini"), cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "report.html").is_file()


def test_cli_report_missing_scenario_file_is_data_error(tmp_path: Path) -> None:
    res = cli("report", "some.yaml", cwd=tmp_path)
    assert res.returncode == 1
    assert "no such scenario file" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "report.html").exists()


def test_cli_report_scenarios_side_by_side(tmp_path: Path) -> None:
    res = cli("report", "base-2025", "spm2-loss-2025", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "2025 base case, monthly" in html and "SPM-2" in html
    assert "crudeflow report base-2025 spm2-loss-2025 --out report.html" in html


def test_cli_report_bad_requirement_is_usage_error(tmp_path: Path) -> None:
    res = cli("report", "--require", "bogus", cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr


def test_default_cases_follow_the_options(toy: Network) -> None:
    cases = default_cases(toy, avoid=["ru"], require=["route A_M <= 3 Mt/yr"])
    assert [c.label for c in cases] == ["Base plan", "With avoid RU; route A_M <= 3 Mt/yr"]
    assert cases[1].requirement_texts == ("avoid RU", "route A_M <= 3 Mt/yr")


def test_shipped_outlines_match_their_readme() -> None:
    import hashlib
    from importlib import resources

    assets = resources.files("crudeflow.report") / "assets"
    data = (assets / "world_50m.json").read_bytes()
    readme = (assets / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(data).hexdigest() in readme
    assert "MIT" in (assets / "LICENSE").read_text(encoding="utf-8")


def test_monthly_bars_are_labelled_by_their_own_month(mini: Network) -> None:
    """December's bar reads "Dec 2025", not "Nov 30" (plotly read "2025-12" as a date)."""
    fig = monthly_figure(mini, plan(mini, monthly=True))
    assert fig["layout"]["xaxis"]["type"] == "category"
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert fig["data"][0]["x"] == [f"{m} 2025" for m in months]
    assert fig["layout"]["xaxis"]["categoryarray"] == fig["data"][0]["x"]
    assert fig["layout"]["yaxis"]["title"]["text"] == "Mt in the month"
    _validate(fig)


def test_monthly_bars_are_the_months_own_totals(mini: Network) -> None:
    p = plan(mini, monthly=True)
    fig = monthly_figure(mini, p)
    total = sum(sum(trace_["y"]) for trace_ in fig["data"])
    from crudeflow.report.flows import border_routes

    border = set(border_routes(mini))
    expected = float(p.flows[p.flows["route"].isin(border)]["flow_mt"].sum())
    assert total == pytest.approx(expected, abs=1e-3)


def test_report_title_names_every_case_horizon_not_2025_01(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from crudeflow.cli import app

    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        app, ["report", "spm2-loss-2025", "base-2025", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", html)
    assert title and title.group(1).endswith("export routes, Oct-Dec 2025 and 2025")
    assert "2025-01" not in title.group(1)
    assert "Oct-Dec 2025 and 2025 · 2 cases" in html
    # a 3-month case is shown in totals over its months, compared over the months both cover
    assert "Exported, Mt over Oct-Dec 2025" in html
    assert "Shut in, Mt over Oct-Dec 2025" in html
    assert "Dec 2025" in html


def test_short_horizon_summary_says_totals_and_labels_annual_rates(
    tmp_path: Path, toy: Network
) -> None:
    from crudeflow.solve.lp import Periods

    q4 = plan(toy, periods=Periods.monthly(2025, start_month=10, months=3))
    html = build_report([ReportCase("Q4", toy, q4)], title="t", out=tmp_path / "q.html").read_text(
        "utf-8"
    )
    assert "Exported, Mt over Oct-Dec 2025" in html
    assert "Netback, USD bn over Oct-Dec 2025" in html
    assert "USD bn/yr annualised" in html
    assert "Exported, Mt/yr" not in html


def test_findings_compare_cases_only_over_the_same_months(tmp_path: Path, toy: Network) -> None:
    from crudeflow.solve.lp import Periods

    year = plan(toy, monthly=True)
    q4 = plan(
        toy, periods=Periods.monthly(2025, start_month=10, months=3), requirements=["avoid RU"]
    )
    html = build_report(
        [ReportCase("Year", toy, year), ReportCase("Q4", toy, q4)],
        title="t",
        out=tmp_path / "x.html",
    ).read_text("utf-8")
    assert "than the reference plan" not in html


def test_sankey_of_a_short_horizon_is_in_totals_not_rates(toy: Network) -> None:
    from crudeflow.solve.lp import Periods

    q4 = plan(
        toy, periods=Periods.monthly(2025, start_month=10, months=3), requirements=["avoid RU"]
    )
    fig = sankey_figure(toy, q4)
    assert fig["data"][0]["valuesuffix"] == " Mt"
    shut = next(lab for lab in fig["data"][0]["node"]["label"] if lab.startswith("Shut in"))
    assert shut.endswith(f"{q4.shut_in_mt:,.1f}")
    assert trace(toy, q4).unit == "Mt/yr" and trace(toy, q4, totals=True).unit == "Mt"
    year = sankey_figure(toy, plan(toy, requirements=["avoid RU"]))
    assert year["data"][0]["valuesuffix"] == " Mt/yr"
