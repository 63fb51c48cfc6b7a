"""Every number the Iraq dataset README states is what the code computes today.

When a model or data change moves a number, these tests fail with the value to write into
src/crudeflow/data/iraq/README.md (the text follows the code, never the other way round).
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import date
from functools import cache

import pytest
from typer.testing import CliRunner

from crudeflow.backtest import backtest
from crudeflow.cli import app
from crudeflow.network.load import default_dataset_path, load_dataset
from crudeflow.network.model import Network
from crudeflow.scenario import resolve_scenario, run_scenario
from crudeflow.solve.maxflow import Bypass, bypass
from crudeflow.solve.plan import Plan, plan
from tests.network.test_readme_numbers import num
from tests.network.test_readme_numbers import says as readme_says

FOLDER = default_dataset_path().parent / "iraq"
HORMUZ = ["HORMUZ"]


@cache
def net() -> Network:
    return load_dataset(FOLDER)


@cache
def readme() -> str:
    return " ".join((FOLDER / "README.md").read_text(encoding="utf-8").split())


@cache
def row(question: str) -> str:
    """The answer cell of the 'What the data says' row that starts with ``question``."""
    for line in (FOLDER / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| {question}"):
            return line.split("|")[2]
    raise AssertionError(f"no row {question!r} in the Iraq README")


def says(readme_value: float, computed: float, ndigits: int, what: str) -> None:
    readme_says(readme_value, computed, ndigits, what, readme="the Iraq README")


@cache
def scenario(name: str) -> Plan:
    p = run_scenario(resolve_scenario(name, net()), net())
    assert isinstance(p, Plan)
    return p


@cache
def avoiding(*avoid: str) -> Bypass:
    return bypass(net(), avoid=avoid)


def test_iraq_readme_bypass_hormuz_with_the_itp() -> None:
    text = row("How much can Iraq export without Hormuz, with the ITP?")
    b = avoiding(*HORMUZ)
    says(num(text, r"^ *(\d+\.\d) Mt/yr"), b.max_mtpa, 1, "exports avoiding Hormuz")
    says(num(text, r"of (\d+\.\d) Mt/yr"), b.available_mtpa, 1, "available")
    says(num(text, r"Mt/yr, (\d+)%"), 100 * b.max_mtpa / b.available_mtpa, 0, "share")
    says(num(text, r"KRG (\d+\.\d+)"), b.flows_mtpa["KRG_FISHKHABUR"], 2, "KRG")
    says(num(text, r"Kirkuk (\d+\.\d+)"), b.flows_mtpa["KIRKUK_FISHKHABUR"], 2, "Kirkuk")
    says(num(text, r"ITP's (\d+\.\d) Mt/yr"), net().route("FISHKHABUR_CEYHAN").capacity_mtpa, 1, "")
    assert set(b.cut_supply) == {"KRG_FIELDS", "KIRKUK_FIELDS"}  # "northern supply is" the limit


def test_iraq_readme_bypass_hormuz_without_the_itp() -> None:
    text = row("... and without the ITP")
    b = avoiding(*HORMUZ, "TR")
    says(num(text, r"^ *(\d+\.\d) Mt/yr"), b.max_mtpa, 1, "exports avoiding Hormuz and Turkey")
    assert {r for r, f in b.flows_mtpa.items() if f > 0} >= {"TREBIL_ZARQA"}


def test_iraq_readme_share_hormuz_at_most_half() -> None:
    text = row("Could Iraq send at most half its exports through Hormuz?")
    req = "share HORMUZ <= 50%"
    p = plan(net(), requirements=[req])
    flows = p.route_frame()["flow_mtpa"]
    says(num(text, r"shutting in (\d+\.\d) Mt/yr"), p.shut_in_mtpa, 1, "shut in")
    says(num(text, r"fall to (\d+\.\d) Mt/yr"), p.exported_mtpa, 1, "exports")
    says(num(text, r"(\d+\.\d) through Hormuz"), float(flows["GULF_HORMUZ"]), 1, "via Hormuz")
    says(num(text, r"(\d+\.\d) through the ITP"), float(flows["FISHKHABUR_CEYHAN"]), 1, "ITP")
    assert p.baseline_netback_musd is not None
    lost = (p.baseline_netback_musd - p.netback_musd) / 1000
    says(num(text, r"USD (\d+\.\d+) bn/yr of netback lost"), lost, 2, "netback lost")


def test_iraq_readme_itp_closure_cost_2023() -> None:
    text = row("What did the ITP closure cost in 2023?")
    base, closed = scenario("base-2023"), scenario("itp-closure-2023")
    says(num(text, r"(\d+\.\d) Mt shut in"), closed.shut_in_mt - base.shut_in_mt, 1, "shut in")
    lost_bn = (base.netback_musd - closed.netback_musd) / 1000
    says(num(text, r"USD (\d+\.\d+) bn of netback"), lost_bn, 2, "netback lost")
    [itp] = [
        c
        for c in resolve_scenario("itp-closure-2023", net()).changes
        if c.target == "FISHKHABUR_CEYHAN"
    ]
    assert itp.start is not None
    days = (date(2023, 12, 31) - itp.start).days + 1
    says(num(text, r"over the (\d+) days"), days, 0, "days closed in 2023")


def test_iraq_readme_basra_aqaba_with_hormuz_closed() -> None:
    text = row("What would Basra–Aqaba add if Hormuz closed?")
    p = scenario("basra-aqaba-hormuz-closed")
    without = avoiding(*HORMUZ).max_mtpa
    says(num(text, r"^ *(\d+\.\d) Mt/yr"), p.exported_mtpa - without, 1, "what Aqaba adds")
    says(num(text, r"rise from (\d+\.\d)"), without, 1, "exports avoiding Hormuz")
    says(num(text, r"to (\d+\.\d) Mt/yr"), p.exported_mtpa, 1, "exports with Aqaba")
    says(num(text, r"(\d+\.\d) Mt/yr is still shut in"), p.shut_in_mtpa, 1, "shut in")
    routes = p.route_frame()
    aqaba = routes.loc["HADITHA_AQABA"]
    assert aqaba["flow_mtpa"] == pytest.approx(aqaba["capacity_mtpa"])  # "the section binds"


def test_iraq_readme_basra_aqaba_idle_with_hormuz_open() -> None:
    text = row("... and with Hormuz open?")
    p = scenario("basra-aqaba-opens")
    assert p.route_frame().loc["HADITHA_AQABA", "flow_mtpa"] == 0
    says(
        num(text, r"estimated (\d+\.\d+) USD/t"),
        net().route("BASRA_HADITHA").tariff_usd_per_t,
        2,
        "Aqaba tariff",
    )


def test_iraq_readme_hormuz_closure_2026() -> None:
    text = row("What did the March 2026 Hormuz closure cost")
    p = scenario("hormuz-closure-mar-2026")
    says(num(text, r"(\d+\.\d) Mt shut in"), p.shut_in_mt, 1, "shut in")
    by = p.by_period["shut_in_mt"]
    says(num(text, r"\((\d+\.\d) Mt in March"), float(by.loc["2025-03"]), 1, "March")
    says(num(text, r"(\d+\.\d) Mt in April"), float(by.loc["2025-04"]), 1, "April")


def test_iraq_readme_risk_row() -> None:
    text = row("How much is at risk in a year, and from what?")
    [command] = re.findall(r"`crudeflow (risk [^`]*--draws[^`]+)`", readme())
    result = CliRunner().invoke(app, [*shlex.split(command), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.output)["summaries"]
    says(num(text, r"On average (\d+\.\d) Mt"), summary["lost_exports_mt"]["mean"], 1, "mean")
    usd = summary["lost_netback_musd"]["mean"]
    says(num(text, r"USD (\d+) m of netback"), usd, 0, "mean netback lost")
    says(num(text, r"more than (\d+\.\d) Mt"), summary["lost_exports_mt"]["p95"], 1, "P95")
    [hormuz] = [h for h in summary["hazards"] if h["hazard"] == "hormuz_closure"]
    says(
        num(text, r"(\d+)% of the expected loss"), 100 * hormuz["share_of_loss"], 0, "Hormuz share"
    )


def test_iraq_readme_backtest_table_is_reproduced() -> None:
    table = backtest(net())
    for r in table.itertuples():
        line = f"| {r.year} | {r.group} | {r.observed_mt:.2f} | {r.model_mt:.2f} |"
        assert line in readme(), f"the Iraq README's backtest table lacks {line!r}"


def test_iraq_readme_supply_table_is_the_supply_file() -> None:
    for node in ("BASRA_FIELDS", "KRG_FIELDS", "KIRKUK_FIELDS", "QAYYARAH"):
        cells = {s.year: f"{s.mt:.3f}" for s in net().supply if s.node == node}
        [line] = [ln for ln in (FOLDER / "README.md").read_text().splitlines() if f"| {node}" in ln]
        got = [c.strip() for c in line.split("|")[2:6]]
        assert got == [cells.get(y, "—") for y in (2022, 2023, 2024, 2025)], line
    totals = {y: sum(s.mt for s in net().supply if s.year == y) for y in (2022, 2023, 2024, 2025)}
    for year, total in totals.items():
        assert f"**{total:.3f}**" in readme(), f"{year} total {total:.3f} not in the README"


def readme_commands() -> list[str]:
    """The ``crudeflow ...`` commands of the 'What the data says' table and the backtest line."""
    text = (FOLDER / "README.md").read_text(encoding="utf-8")
    table = text.split("## What the data says", 1)[1].split("## Backtest", 1)[0]
    backtest_line = text.split("## Backtest", 1)[1].split("\n\n", 2)[1]
    commands = re.findall(r"`(crudeflow [^`]+)`", table + backtest_line)
    return [c for c in commands if not c.startswith("crudeflow risk")]  # run by the risk test


@pytest.mark.parametrize("command", readme_commands())
def test_iraq_readme_command_runs(command: str) -> None:
    """Each command the README shows beside a number runs and exits 0."""
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
