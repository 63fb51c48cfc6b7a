"""The report in a real browser: opened from ``file://``, no request leaves the file, and the
map (with its country outlines) and the Sankey diagrams render.

Uses Debian's Chromium through Playwright (no browser download); skipped only when Chromium is
not installed (``apt-get install -y chromium``; ``make test`` installs it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("playwright")

from crudeflow.network.model import Network
from crudeflow.report import ReportCase, build_report, write_default_report

from .report_browser import chromium_path, open_report, png_ink

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium_path() is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]


@pytest.fixture(scope="module")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_default_report(tmp_path_factory.mktemp("report") / "report.html")


def test_default_report_is_offline_and_draws(default_report: Path) -> None:
    with open_report(default_report) as rep:
        assert rep.requests, "the page itself is a request"
        assert rep.non_local_requests() == []
        assert all(u.startswith("file:") for u in rep.requests)
        assert rep.errors == []
        probe = rep.probe()
        assert probe["plots"] == probe["figures"] == 5  # 2 maps, 2 Sankeys, the bar chart
        assert len(probe["maps"]) == 2 and len(probe["sankeys"]) == 2
        for m in probe["maps"]:
            assert m["countries"] > 20_000, m  # the 1:50m outlines, from the inlined topojson
            assert m["coastlines"] > 20_000, m
            assert m["land"] > 20_000, m
            assert m["lines"] >= 20, m  # one line per drawn route
            assert m["tinted"] == 2, m  # Kazakhstan and Russia
        for s in probe["sankeys"]:
            assert s["nodes"] >= 5 and s["links"] >= 4, s
        for selector in ("#fig-map-0", "#fig-sankey-0", "#fig-sankey-1"):
            png = rep.page.locator(selector).screenshot()
            assert len(png) > 20_000, selector
            assert png_ink(png) > 0.05, selector


def test_toy_report_in_browser(tmp_path: Path, toy_cases: list[ReportCase], toy: Network) -> None:
    out = build_report(toy_cases, title="Toy", out=tmp_path / "toy.html")
    with open_report(out, width=900) as rep:
        assert rep.non_local_requests() == []
        assert rep.errors == []
        probe = rep.probe()
        assert probe["plots"] == 5
        assert all(m["countries"] > 20_000 for m in probe["maps"])
        # toy: field -> two groups -> market (base); the avoid-RU case adds "Shut in"
        assert [s["nodes"] for s in probe["sankeys"]] == [4, 4]


def test_monthly_bars_read_their_own_month_in_the_browser(tmp_path: Path, mini: Network) -> None:
    """Issue 8 item 9: the December bar's tick reads "Dec 2025", not "Nov 30"."""
    from crudeflow.solve.lp import Periods
    from crudeflow.solve.plan import plan

    q4 = plan(mini, periods=Periods.monthly(2025, start_month=10, months=3))
    out = build_report([ReportCase("Q4", mini, q4)], title="Q4", out=tmp_path / "q4.html")
    with open_report(out) as rep:
        assert rep.errors == []
        ticks = rep.page.eval_on_selector_all(
            "#fig-monthly-0 .xtick text", "els => els.map(e => e.textContent)"
        )
    assert ticks == ["Oct 2025", "Nov 2025", "Dec 2025"]


def test_risk_section_renders_its_charts_offline(
    tmp_path: Path, toy_cases: list[ReportCase], risk_store: tuple[Path, str]
) -> None:
    """Issue 9 item 7: ``report --run RUN``'s charts draw from file:// with no request out."""
    from crudeflow.montecarlo.view import load_run_view
    from crudeflow.report.risk import risk_figures
    from crudeflow.store import RunsStore

    path, run_id = risk_store
    with RunsStore(path, read_only=True) as store:
        view = load_run_view(store, run_id)
    out = build_report(toy_cases, title="Risk", out=tmp_path / "risk.html", risk=view)
    with open_report(out) as rep:
        assert rep.non_local_requests() == []
        assert rep.errors == []
        ids = sorted(risk_figures(view))
        drawn = rep.page.eval_on_selector_all(
            "#risk .js-plotly-plot", "els => els.map(e => e.id).sort()"
        )
        assert drawn == ids
        # each kind of chart has its marks: step lines, the fan's band, bars, heatmap cells
        assert rep.page.locator("#risk-exceed-exports .scatterlayer .js-line").count() == 2
        assert rep.page.locator("#risk-fan-0 .scatterlayer .js-fill").count() >= 1
        assert rep.page.locator("#risk-hazards .barlayer .point").count() >= 2
        assert rep.page.locator("#risk-binding-0 .heatmaplayer image").count() == 1
        for fig_id in ("#risk-exceed-exports", "#risk-fan-0", "#risk-hazards"):
            png = rep.page.locator(fig_id).screenshot()
            assert png_ink(png) > 0.02, fig_id
