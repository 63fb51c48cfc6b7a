"""The planner page in a real browser: Debian's Chromium driven by Playwright (no download).

The app runs under uvicorn on 127.0.0.1 in a background thread. Every request the page makes
is logged and must go to that address. Screenshots go to ``$CRUDEFLOW_SCREENSHOTS`` when set
(``docs/screenshots`` for the README), else to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect, sync_playwright

from tests.report.report_browser import CHROMIUM, CHROMIUM_ARGS  # one set of browser flags

# the machine may be busy (the suite runs in parallel with other work): wait, do not flake
expect.set_options(timeout=30_000)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() and shutil.which("chromium") is None,
        reason="Debian's chromium is not installed (make test installs it)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium with a fresh temporary profile (Playwright's plain launch makes one)."""
    exe = CHROMIUM if CHROMIUM.exists() else Path(str(shutil.which("chromium")))
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(exe), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class PageLog:
    """Requests, console errors and page errors of one page."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _console(self, msg: ConsoleMessage) -> None:
        # 4xx answers the page asked for on purpose show up as "Failed to load resource"
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.errors.append(f"console: {msg.text}")

    def outside(self, host: str) -> list[str]:
        """Requests that did not go to ``host`` (data: URLs never leave the page)."""
        return [
            u for u in self.requests if not u.startswith("data:") and urlsplit(u).hostname != host
        ]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, device_scale_factor=1)
    p = context.new_page()
    p.set_default_timeout(30_000)
    try:
        yield p
    finally:
        context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    target = Path(os.environ.get("CRUDEFLOW_SCREENSHOTS", "") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def wait_ready(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=60_000)


def test_planner_page(page: Page, live_server: object, shots: Path) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    log = PageLog(page)
    page.goto(url + "/")
    wait_ready(page)

    # the map is drawn: plotly's geo subplot, country outlines and one path per route
    expect(page.locator("#map .geolayer .geo")).to_have_count(1)
    expect(page.locator("#map .geo .layer.countries path").first).to_be_attached()
    expect(page.locator("#map .geo .layer.land path").first).to_be_attached()
    n_routes = page.locator("#sliders .slider").count()
    assert n_routes > 10
    assert page.locator("#map .scattergeo .js-line").count() >= n_routes
    assert page.locator("#map .scattergeo .point").count() > 0
    expect(page.locator("#kpi-exported")).not_to_have_text("–")
    expect(page.locator("#bottlenecks tbody tr").first).to_be_visible()
    expect(page.locator("#explanations li").first).to_be_visible()
    page.screenshot(path=str(shots / "web-app.png"), full_page=False)

    # avoiding Russia changes the headline
    before = page.inner_text("#kpi-exported")
    page.check("#avoid-RU")
    expect(page.locator("#kpi-exported")).not_to_have_text(before)
    wait_ready(page)
    after = float(page.inner_text("#kpi-exported").replace(",", ""))
    assert after < float(before.replace(",", ""))
    expect(page.locator("#bypass-note")).to_be_visible()
    expect(page.locator("#map .choroplethlayer path").first).to_be_attached()
    page.screenshot(path=str(shots / "web-avoid-ru.png"), full_page=False)

    # a bad requirement shows the API's message with the column it points at
    page.fill("#req-input", "via AKTAU >= 20 Mt")
    page.click("#req-add")
    box = page.locator("#error-box")
    expect(box).to_be_visible()
    expect(box).to_contain_text("cannot read requirement")
    expect(box).to_contain_text("column 17")
    expect(page.locator("#error-pointer")).to_contain_text("^")
    expect(page.locator("#req-input")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#req-list li").count() == 0
    page.screenshot(path=str(shots / "web-error.png"), full_page=False)

    # a good requirement is added, solved and listed with its status
    page.fill("#req-input", "share TR <= 90%")
    page.click("#req-add")
    expect(box).to_be_hidden()
    expect(page.locator("#req-list li")).to_have_count(1)
    expect(page.locator("#req-status")).to_contain_text("share TR <= 90%")
    wait_ready(page)

    # a capacity slider re-solves the plan
    page.uncheck("#avoid-RU")
    page.locator("#req-list .remove").click()
    wait_ready(page)
    base = page.inner_text("#kpi-exported")
    slider = page.locator("#sliders input[type=range]").first
    slider.fill("0")
    expect(page.locator("#kpi-exported")).not_to_have_text(base)
    expect(page.locator("#sliders .slider.changed")).to_have_count(1)
    wait_ready(page)

    assert log.outside("127.0.0.1") == [], log.outside("127.0.0.1")
    assert any(u.endswith("/static/plotly.min.js") for u in log.requests)
    assert any(u.endswith("/api/plan") for u in log.requests)
    assert log.errors == []


def test_runs_page_empty_state(page: Page, live_server: object, shots: Path) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    log = PageLog(page)
    page.goto(url + "/runs")
    wait_ready(page)
    expect(page.locator("#runs-empty")).to_contain_text("No runs stored yet")
    page.screenshot(path=str(shots / "web-runs-empty.png"), full_page=False)
    assert log.outside("127.0.0.1") == []
    assert log.errors == []


def test_docs_page_lists_operations(page: Page, live_server: object) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    log = PageLog(page)
    page.goto(url + "/docs")
    wait_ready(page)
    # with /api/plan/export, the runs API and /api/invest
    expect(page.locator(".op")).to_have_count(11)
    expect(page.locator("#operations")).to_contain_text("/api/plan")
    assert log.outside("127.0.0.1") == []
    assert log.errors == []


# -- issue 8 -----------------------------------------------------------------------------------
def cli_json(*args: str) -> dict[str, object]:
    """``crudeflow ARGS --json`` as a user runs it (a subprocess on this checkout)."""
    import json
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    out = subprocess.run(
        [sys.executable, "-c", "from crudeflow.cli import main; main()", *args, "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    return dict(json.loads(out.stdout))


def test_preset_netback_on_the_page_is_the_clis(page: Page, live_server: object) -> None:
    """spm2-loss-2025 (Oct-Dec): the page shows the CLI's netback, total and annual rate."""
    cli = cli_json("scenario", "run", "spm2-loss-2025")
    total_bn = float(cli["netback_musd"]) / 1000  # type: ignore[arg-type]
    url = live_server.url  # type: ignore[attr-defined]
    log = PageLog(page)
    page.goto(url + "/")
    wait_ready(page)
    option = page.locator("#preset option[value='spm2-loss-2025']")
    expect(option).to_contain_text("(Oct–Dec 2025)")  # each preset shows its own horizon
    page.select_option("#preset", "spm2-loss-2025")
    expect(page.locator("#horizon")).to_contain_text("Oct–Dec 2025 (3 months)")
    wait_ready(page)
    expect(page.locator("#kpi-netback-total")).to_have_text(
        f"USD {total_bn:,.2f} bn over Oct–Dec 2025"
    )
    # the annual rate is the API's field, the figure the CLI prints
    rate = page.locator("#kpi-netback-rate")
    per_yr = float(cli["netback_musd_per_yr"]) / 1000  # type: ignore[arg-type]
    expect(rate).to_contain_text(f"annualised USD {per_yr:,.2f} bn/yr")
    expect(page.locator("#kpi-exported-unit")).to_have_text("Mt")  # a horizon total
    expect(page.locator("#kpi-exported-label")).to_have_text("Exported over Oct–Dec 2025")
    expect(page.locator("#kpi-shutin-label")).to_have_text("Shut in over Oct–Dec 2025")
    # the year and monthly controls follow the preset's horizon
    expect(page.locator("#year")).to_have_value("2025")
    expect(page.locator("#year")).to_be_disabled()
    expect(page.locator("#monthly")).to_be_checked()
    expect(page.locator("#monthly")).to_be_disabled()
    assert "preset=spm2-loss-2025" in page.url
    page.click("#reset-all")
    wait_ready(page)
    expect(page.locator("#year")).to_be_enabled()
    expect(page.locator("#monthly")).not_to_be_checked()
    expect(page.locator("#kpi-exported-unit")).to_have_text("Mt/yr")
    assert log.errors == []


def test_view_is_shared_through_the_url(page: Page, live_server: object) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    log = PageLog(page)
    page.goto(url + "/#avoid=RU&req=share+TR+%3C%3D+90%25&cap=BTC_CEYHAN_MED:5")
    wait_ready(page)
    expect(page.locator("#avoid-RU")).to_be_checked()
    expect(page.locator("#req-list li")).to_have_count(1)
    expect(page.locator("#req-status")).to_contain_text("share TR <= 90%")
    restored = page.inner_text("#kpi-exported")
    # a change is written back to the URL; opening that URL shows the same view
    page.check("#avoid-TR")
    wait_ready(page)
    expect(page.locator("#avoid-TR")).to_be_checked()
    page.wait_for_function("location.hash.includes('avoid=RU%2CTR')")
    shared = page.url
    other = page.context.new_page()
    other.goto(shared)
    wait_ready(other)
    expect(other.locator("#avoid-TR")).to_be_checked()
    expect(other.locator("#kpi-exported")).to_have_text(page.inner_text("#kpi-exported"))
    other.close()
    assert restored
    assert log.errors == []


def test_requirement_cannot_be_listed_twice(page: Page, live_server: object) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    page.goto(url + "/")
    wait_ready(page)
    for _ in range(2):
        page.fill("#req-input", "share TR <= 90%")
        page.click("#req-add")
    expect(page.locator("#error-box")).to_contain_text("already listed")
    expect(page.locator("#req-list li")).to_have_count(1)


def test_plan_downloads_as_csv_and_json(page: Page, live_server: object, tmp_path: Path) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    page.goto(url + "/")
    wait_ready(page)
    with page.expect_download() as info:
        page.click("#download-csv")
    csv = info.value
    assert csv.suggested_filename == "crudeflow-kazakhstan-plan.csv"
    csv.save_as(tmp_path / "plan.csv")
    assert (tmp_path / "plan.csv").read_text().startswith("route,name,from,to,")
    with page.expect_download() as info:
        page.click("#download-json")
    info.value.save_as(tmp_path / "plan.json")
    assert '"netback_musd_per_yr"' in (tmp_path / "plan.json").read_text()


def test_no_horizontal_overflow_on_a_phone(browser: Browser, live_server: object) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        p = context.new_page()
        p.goto(url + "/")
        wait_ready(p)
        widths = p.evaluate(
            "[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]"
        )
        assert widths[0] <= 390 and widths[1] <= 390, widths
    finally:
        context.close()


def test_monte_carlo_link_is_shown_and_leads_to_the_runs_page(
    page: Page, live_server: object
) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    for path in ("/", "/docs"):
        page.goto(url + path)
        wait_ready(page)
        expect(page.locator("#nav-runs")).to_be_visible()
    page.click("#nav-runs")
    wait_ready(page)
    assert page.url.endswith("/runs")


def test_a_doctored_url_is_ignored_not_fatal(page: Page, live_server: object) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    log = PageLog(page)
    page.goto(url + "/#avoid=XX,ru&cap=NO_SUCH_ROUTE:5&cap=BTC_CEYHAN_MED:-3&year=1700&preset=nope")
    wait_ready(page)
    expect(page.locator("#avoid-RU")).to_be_checked()  # the one valid country is kept
    expect(page.locator("#sliders .slider.changed")).to_have_count(0)
    expect(page.locator("#year")).to_be_enabled()
    expect(page.locator("#error-box")).to_be_hidden()
    assert log.errors == []


@pytest.fixture(scope="module")
def runs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The default dataset's app with a runs store holding one small stored run."""
    from crudeflow.web.app import create_app
    from tests.montecarlo.risk_helpers import store_run
    from tests.web.conftest import LiveServer

    store = tmp_path_factory.mktemp("runs") / "runs.duckdb"
    run_id, _ = store_run(store, scenarios=("base-2025",), draws=100, batch_size=50)
    with LiveServer(create_app(store=store)) as server:
        server.run_id = run_id  # type: ignore[attr-defined]
        yield server


def test_runs_page_shows_a_stored_run_and_starts_one(
    page: Page, runs_server: object, shots: Path
) -> None:
    """Issue 9 item 7: list a stored run, show its charts, start a small run, watch its
    progress, end on its charts."""
    import httpx

    url = runs_server.url  # type: ignore[attr-defined]
    run_id = runs_server.run_id  # type: ignore[attr-defined]
    log = PageLog(page)
    page.goto(url + "/runs")
    wait_ready(page)
    rows = page.locator("#runs-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(run_id)

    # its charts: every figure the API sends is drawn
    figures = httpx.get(f"{url}/api/runs/{run_id}", timeout=60).json()["figures"]
    rows.first.locator(".show-run").click()
    wait_ready(page)
    expect(page.locator("#run-charts .js-plotly-plot")).to_have_count(len(figures))
    expect(page.locator("#run-sentences li").nth(1)).to_contain_text("In 1 year in 20")
    expect(page.locator("#run-meta")).to_contain_text(run_id)
    assert page.locator("#risk-exceed-exports .scatterlayer .js-line").count() == 1
    assert page.locator("#risk-fan-0 .scatterlayer .js-fill").count() >= 1
    assert page.url.endswith("#run=" + run_id)
    page.screenshot(path=str(shots / "web-runs.png"), full_page=True)

    # start a small run: progress first, then the new run's charts
    page.evaluate(
        """() => { window.seen = []; const t = document.getElementById('run-progress-text');
        new MutationObserver(() => window.seen.push(t.textContent))
          .observe(t, {childList: true, characterData: true, subtree: true}); }"""
    )
    page.fill("#run-draws", "200")
    page.fill("#run-seed", "11")
    page.check("#scenario-base-2025")
    page.click("#run-start")
    expect(page.locator("#run-progress-text")).to_contain_text("Done", timeout=180_000)
    seen = page.evaluate("window.seen")
    assert any(s.startswith("Running:") and "of 200 draws" in s for s in seen), seen
    expect(rows).to_have_count(2)
    new_id = httpx.get(f"{url}/api/runs/active", timeout=60).json()["run_id"]
    assert new_id != run_id
    expect(page.locator("#run-meta")).to_contain_text(new_id)
    wait_ready(page)
    expect(page.locator("#run-charts .js-plotly-plot").first).to_be_visible()
    assert page.locator("#run-charts .js-plotly-plot").count() >= 4
    assert log.outside("127.0.0.1") == [], log.outside("127.0.0.1")
    assert log.errors == []


def test_investment_panel_shows_the_apis_portfolio(page: Page, live_server: object) -> None:
    """The button posts the page's requirements and year to /api/invest and prints the
    portfolio, the comparison, what binds and the sentences with the API's own numbers."""
    url = live_server.url  # type: ignore[attr-defined]
    log = PageLog(page)
    req = "via AKTAU,KURYK >= 20 Mt/yr"
    page.goto(url + "/")
    wait_ready(page)
    page.fill("#req-input", req)
    page.click("#req-add")
    expect(page.locator("#req-list li")).to_have_count(1)
    wait_ready(page)

    card = page.locator("#invest-card")
    expect(page.locator("#invest-result")).to_be_hidden()
    page.click("#invest-run")
    expect(card).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(page.locator("#invest-run")).to_be_enabled()

    year = int(page.input_value("#year"))
    answer = page.request.post(url + "/api/invest", data={"requirements": [req], "year": year})
    assert answer.ok
    p = answer.json()
    assert p["builds"], "the default dataset's projects should build something for this target"

    places = p["display_decimals"]  # the library's rule: Mt/yr to 2 places, USD m to 1
    assert places["_mtpa"] == 2 and places["_musd"] == 1 and places["_musd_per_yr"] == 1

    def shown(text: str, value: float, unit: str) -> None:
        """The page shows ``value`` rounded to the places the API names for ``unit``."""
        digits = places[unit]
        assert len(text.rpartition(".")[2]) == digits if digits else "." not in text, text
        assert abs(float(text.replace(",", "")) - value) <= 0.5 * 10**-digits + 1e-9, text

    rows = page.locator("#invest-builds tbody tr[data-project]")
    expect(rows).to_have_count(len(p["builds"]))
    for i, b in enumerate(p["builds"]):
        cells = rows.nth(i).locator("td")
        assert rows.nth(i).get_attribute("data-project") == b["project"]
        expect(cells.nth(0)).to_contain_text(b["name"])
        assert cells.nth(1).inner_text() == f"{b['modules']} of {b['modules_max']}"
        shown(cells.nth(2).inner_text(), b["capacity_added_mtpa"], "_mtpa")
        shown(cells.nth(3).inner_text(), b["capex_musd"], "_musd")
        assert cells.nth(4).inner_text() == str(b["in_service_year"])
        shown(cells.nth(5).inner_text(), b["annualised_cost_musd_per_yr"], "_musd_per_yr")
    total = page.locator("#invest-builds tr.total td")
    shown(total.nth(3).inner_text(), p["capex_musd"], "_musd")
    shown(total.nth(5).inner_text(), p["annualised_cost_musd_per_yr"], "_musd_per_yr")

    # the comparison: annual rates and horizon totals, each labelled as such
    compare = page.locator("#invest-compare tbody tr")
    netback = compare.filter(has_text="Netback, USD m/yr").locator("td")
    shown(netback.nth(1).inner_text(), p["no_projects"]["netback_musd_per_yr"], "_musd_per_yr")
    shown(netback.nth(2).inner_text(), p["portfolio"]["netback_musd_per_yr"], "_musd_per_yr")
    total_row = compare.filter(has_text=f"Netback in {p['periods'][0]}, USD m").locator("td")
    shown(total_row.nth(2).inner_text(), p["portfolio"]["netback_musd"], "_musd")
    moved = compare.filter(has_text="per extra t/yr reaching the targets").locator("td")
    if p["cost_usd_per_t_moved"] is not None:
        shown(moved.nth(2).inner_text(), p["cost_usd_per_t_moved"], "_usd_per_t")
    expect(page.locator("#invest-compare")).to_contain_text(req)

    expect(page.locator("#invest-binding tbody tr[data-route]")).to_have_count(len(p["binding"]))
    sentences = page.locator("#invest-sentences li")
    expect(sentences).to_have_count(len(p["sentences"]))
    assert sentences.all_inner_texts() == p["sentences"]

    assert log.outside("127.0.0.1") == [], log.outside("127.0.0.1")
    assert any(u.endswith("/api/invest") for u in log.requests)
    assert log.errors == []


def test_investment_panel_fits_a_phone(browser: Browser, live_server: object) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        p = context.new_page()
        p.goto(url + "/#req=" + quote("via AKTAU,KURYK >= 20 Mt/yr", safe=""))
        wait_ready(p)
        p.click("#invest-run")
        expect(p.locator("#invest-card")).to_have_attribute("data-state", "ready", timeout=60_000)
        expect(p.locator("#invest-sentences li").first).to_be_visible()
        widths = p.evaluate(
            "[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]"
        )
        assert widths[0] <= 390 and widths[1] <= 390, widths
    finally:
        context.close()


def test_investment_panel_shows_the_apis_error(page: Page, live_server: object) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    log = PageLog(page)
    page.goto(url + "/")
    wait_ready(page)
    busy = {"error": {"type": "busy", "message": "Another solve is running; try again."}}
    page.route(
        "**/api/invest",
        lambda route: route.fulfill(status=503, json=busy),
    )
    page.click("#invest-run")
    expect(page.locator("#invest-card")).to_have_attribute("data-state", "error")
    box = page.locator("#invest-error")
    expect(box).to_be_visible()
    expect(box).to_contain_text("The server is busy")
    expect(box).to_contain_text("Another solve is running; try again.")
    expect(page.locator("#invest-result")).to_be_hidden()
    expect(page.locator("#invest-run")).to_be_enabled()
    assert log.errors == []


def test_a_terminal_bottleneck_is_named_as_one(page: Page, live_server: object) -> None:
    """A node's loading limit among the bottlenecks reads as a terminal, not a route."""
    url = live_server.url  # type: ignore[attr-defined]
    log = PageLog(page)
    base = page.request.post(url + "/api/plan", data={}).json()
    node = {
        "route": "AKTAU",
        "name": "Aktau",
        "flow_mtpa": 7.5,
        "capacity_mtpa": 7.5,
        "utilisation": 1.0,
        "value_usd_per_t": 12.0,
        "holds_for_mtpa": None,
        "kind": "node",
    }
    answer = {**base, "bottlenecks": [node, *base["bottlenecks"]]}
    page.route("**/api/plan", lambda route: route.fulfill(status=200, json=answer))
    page.goto(url + "/")
    wait_ready(page)
    expect(page.locator("#bottlenecks thead th").first).to_have_text("Route or terminal")
    row = page.locator("#bottlenecks tbody tr").first
    assert row.get_attribute("data-kind") == "node"
    expect(row.locator(".rid")).to_have_text(
        "terminal AKTAU · loading limit of all routes leaving it"
    )
    route_rows = page.locator('#bottlenecks tbody tr:not([data-kind="node"])')
    expect(route_rows).to_have_count(min(len(base["bottlenecks"]), 7))
    fleet = [b for b in base["bottlenecks"] if b["kind"] == "fleet"]
    if fleet:  # a tanker pool reads as one, not as its first route
        expect(page.locator('#bottlenecks tbody tr[data-kind="fleet"] .rid').first).to_contain_text(
            "tankers on " + fleet[0]["route"]
        )
    assert log.errors == []
