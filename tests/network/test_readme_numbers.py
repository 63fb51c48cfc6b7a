"""Every number the READMEs state about the default data is what the code computes today.

Covers the top-level README's table "What the default data says", the dataset README's counts,
supply table, backtest table and its explanations, and the SPM-2 paragraph. When a model change
moves a number, these tests fail with the value to write into the README (the text follows the
code, never the other way round).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from crudeflow.backtest import backtest, backtest_events, backtest_markdown, events_markdown
from crudeflow.network._fleet import pool_mt_by_route
from crudeflow.network.load import default_dataset_path, load_dataset
from crudeflow.network.model import Network
from crudeflow.scenario import resolve_scenario, run_scenario
from crudeflow.solve.maxflow import bypass
from crudeflow.solve.plan import Plan, plan

FOLDER = default_dataset_path()
TOP_README = Path(__file__).parents[2] / "README.md"
VIA_20 = "via AKTAU,KURYK >= 20 Mt/yr"


@cache
def net() -> Network:
    return load_dataset()


@cache
def data_readme() -> str:
    return " ".join((FOLDER / "README.md").read_text(encoding="utf-8").split())


@cache
def top_row(question: str) -> str:
    """The answer cell of the README table row that starts with ``question``."""
    for line in TOP_README.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| {question}"):
            return line.split("|")[2]
    raise AssertionError(f"no row {question!r} in README.md")


def num(text: str, pattern: str) -> float:
    """The number captured by ``pattern`` (one group) in ``text``; '−' reads as minus."""
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not found in: {text}"
    return float(m[1].replace("−", "-").replace(",", ""))


def says(
    readme_value: float, computed: float, ndigits: int, what: str, readme: str = "README"
) -> None:
    """The README value is the computed one rounded as the README writes it."""
    want = round(computed, ndigits)
    assert readme_value == pytest.approx(want, abs=10**-ndigits / 10), (
        f"{readme} says {readme_value} for {what}; the code computes {computed:.4f}: "
        f"write {want:.{max(ndigits, 0)}f}"
    )


@cache
def base() -> Plan:
    return plan(net())


@cache
def scenario_plan(name: str) -> Plan:
    return run_scenario(resolve_scenario(name, net()), net())


def requirement(p: Plan, text: str) -> float:
    [status] = [r for r in p.requirement_status if r.text == text]
    return status.achieved


def value_of(p: Plan, route: str) -> float:
    [b] = [b for b in p.bottlenecks if b.route == route]
    return b.value_usd_per_t


# -- top-level README: "What the default data says" -------------------------------------
def test_top_readme_via_aktau_kuryk() -> None:
    row = top_row("Can 20 Mt/yr leave via Aktau and Kuryk?")
    p = plan(net(), requirements=[VIA_20])
    says(
        num(row, r"(\d+(?:\.\d+)?) Mt/yr at most"),
        requirement(p, VIA_20),
        1,
        "the most via Aktau/Kuryk",
    )
    assert {"AKTAU_SANGACHAL", "MAKHACHKALA_SHESKHARIS"} <= set(p.shortfall_routes)
    says(
        num(row, r"tanker shuttle (\d+(?:\.\d+)?)"),
        pool_mt_by_route(net().fleet, 2025)["AKTAU_SANGACHAL"],  # its tankers, fleet.csv
        2,
        "",
    )
    says(
        num(row, r"Novorossiysk (\d+(?:\.\d+)?) bind"),
        net().route("MAKHACHKALA_SHESKHARIS").capacity_mtpa,
        1,
        "",
    )
    no_ru = plan(net(), requirements=["avoid RU", VIA_20])
    says(
        num(row, r"(\d+(?:\.\d+)?) Mt/yr if Russia is avoided"),
        requirement(no_ru, VIA_20),
        1,
        "via Aktau/Kuryk avoiding RU",
    )


def test_top_readme_trans_caspian_buildout() -> None:
    row = top_row("... with the announced build-out?")
    p = scenario_plan("trans-caspian-buildout")
    says(
        num(row, r"(\d+(?:\.\d+)?) Mt/yr avoiding Russia"),
        requirement(p, VIA_20),
        1,
        "the build-out",
    )
    caps = {b.route: b.capacity_mtpa for b in p.bottlenecks}
    says(num(row, r"BTC (\d+(?:\.\d+)?)"), caps["BTC"], 1, "BTC")
    says(num(row, r"Batumi rail (\d+(?:\.\d+)?)"), caps["BAKU_BATUMI_RAIL"], 1, "Batumi rail")
    says(num(row, r"Kulevi tankers (\d+(?:\.\d+)?)"), caps["KULEVI_MED"], 1, "Kulevi")
    says(
        num(row, r"Georgia (\d+(?:\.\d+)?)"),
        caps["BAKU_BATUMI_RAIL"] + caps["KULEVI_MED"],
        1,
        "Georgia",
    )


def test_top_readme_what_binds_first() -> None:
    row = top_row("What binds first")
    assert [b.route for b in base().bottlenecks][:2] == ["OTHER_WEST_CPC", "AKTAU_SANGACHAL"]
    says(num(row, r"CPC \((\d+(?:\.\d+)?) USD/t"), value_of(base(), "OTHER_WEST_CPC"), 0, "")
    says(num(row, r"shuttle \((\d+(?:\.\d+)?) USD/t"), value_of(base(), "AKTAU_SANGACHAL"), 0, "")
    no_ru = plan(net(), requirements=["avoid RU"])
    says(num(row, r"(\d+(?:\.\d+)?) USD/t once Russia"), value_of(no_ru, "AKTAU_SANGACHAL"), 0, "")


def test_top_readme_bypass() -> None:
    row = top_row("How much can leave without touching Russia?")
    b = bypass(net(), avoid=["RU"])
    says(num(row, r"(\d+(?:\.\d+)?) Mt/yr with today"), b.max_mtpa, 1, "bypass")
    says(num(row, r"China (\d+(?:\.\d+)?)"), b.flows_mtpa["ATASU_ALASHANKOU"], 1, "China")
    says(num(row, r"Caspian (\d+(?:\.\d+)?)"), b.flows_mtpa["AKTAU_SANGACHAL"], 1, "Caspian")
    phys = bypass(net().with_physical_capacities(), avoid=["RU"])
    says(num(row, r"(\d+(?:\.\d+)?) Mt/yr at physical"), phys.max_mtpa, 1, "bypass --physical")


def spm2_december() -> dict[str, float]:
    """December 2025 differences spm2-loss-2025 minus base-2025 (Mt; netback USD m)."""
    b, s = scenario_plan("base-2025"), scenario_plan("spm2-loss-2025")

    def group(p: Plan, g: str) -> float:
        return float(p.group_flows(net().group(g))["2025-12"])

    def route(p: Plan, r: str) -> float:
        f = p.flows
        return float(f[(f["route"] == r) & (f["period"] == "2025-12")]["flow_mt"].sum())

    out = {g: group(s, g) - group(b, g) for g in net().meta.groups}
    out["shut_in"] = float(s.by_period.loc["2025-12", "shut_in_mt"])
    out["netback"] = float(
        s.by_period.loc["2025-12", "netback_musd"] - b.by_period.loc["2025-12", "netback_musd"]
    )
    out["cpc_base"] = group(b, "cpc")
    out["ust_luga"] = route(s, "SAMARA_UST_LUGA")
    out["ust_luga_base"] = route(b, "SAMARA_UST_LUGA")
    out["samara_to_novorossiysk"] = route(s, "SAMARA_SHESKHARIS") - route(b, "SAMARA_SHESKHARIS")
    return out


def test_top_readme_spm2() -> None:
    """Depends on the spm2-loss-2025 scenario: re-sync the row when the planner changes."""
    row = top_row("What did losing SPM-2 cost?")
    d = spm2_december()
    says(num(row, r"CPC (−?[\d.]+) Mt"), d["cpc"], 2, "December CPC change")
    says(num(row, r"\+(\d+(?:\.\d+)?) Mt via Samara"), d["atyrau_samara"], 2, "via Samara")
    says(num(row, r"\+(\d+(?:\.\d+)?) Mt via Makhachkala"), d["makhachkala"], 2, "via Makhachkala")
    says(num(row, r"(\d+(?:\.\d+)?) Mt shut in"), d["shut_in"], 2, "shut in")
    says(-num(row, r"netback −USD (\d+(?:\.\d+)?) bn"), d["netback"] / 1000, 1, "netback (USD bn)")


def test_dataset_readme_spm2_paragraph() -> None:
    """Depends on the spm2-loss-2025 scenario: re-sync the paragraph when the planner changes."""
    text = data_readme()
    d = spm2_december()
    says(
        num(text, r"December CPC flow falls by (\d+)%"),
        -100 * d["cpc"] / d["cpc_base"],
        0,
        "CPC fall %",
    )
    says(num(text, r"falls by \d+% \((\d+(?:\.\d+)?) Mt"), -d["cpc"], 2, "CPC fall")
    says(num(text, r"Atyrau–Samara \(\+(\d+(?:\.\d+)?) Mt\)"), d["atyrau_samara"], 2, "via Samara")
    says(num(text, r"Makhachkala \(\+(\d+(?:\.\d+)?) Mt\)"), d["makhachkala"], 2, "via Makhachkala")
    says(num(text, r"and (\d+(?:\.\d+)?) Mt is shut in"), d["shut_in"], 2, "shut in")
    if "all of it on to Novorossiysk" in text:
        assert d["samara_to_novorossiysk"] == pytest.approx(d["atyrau_samara"], abs=0.005)
    # the paragraph once said "towards Ust-Luga" while Ust-Luga carried 0 in every month
    para = text[text.index("### The SPM-2 loss") : text.index("## How the model differs")]
    if "Ust-Luga carries nothing" in para:
        assert d["ust_luga"] == pytest.approx(0.0, abs=1e-6)
    elif "Ust-Luga" in para:
        assert d["ust_luga"] > d["ust_luga_base"] + 0.005, "Ust-Luga gets no more crude"
    if "nothing more to China or BTC" in text:
        assert d["china"] <= 1e-6 and d["btc"] <= 1e-6  # nothing more (BTC: 0.02 Mt less)


# -- dataset README: counts, supply, backtest --------------------------------------------
def test_dataset_readme_counts() -> None:
    text, n = data_readme(), net()
    kinds = pd.Series([x.kind for x in n.nodes]).value_counts()
    says(num(text, r"planner: (\d+) nodes"), len(n.nodes), 0, "nodes")
    says(num(text, r"(\d+) routes, export"), len(n.routes), 0, "routes")
    says(num(text, r"\| (\d+) sources"), len(n.sources), 0, "sources")
    says(num(text, r"\| (\d+) nodes:"), len(n.nodes), 0, "nodes")
    for kind, word in [
        ("field", "fields"),
        ("hub", "hubs"),
        ("port", "ports"),
        ("terminal", "terminals"),
        ("border", "border point"),
        ("market", "markets"),
    ]:
        says(num(text, rf"(\d+) {word}\b"), int(kinds.get(kind, 0)), 0, word)
    words = {"three": 3, "four": 4, "five": 5, "six": 6}
    m = re.search(r"prices for (\w+) market nodes", text)
    assert m and words[m[1]] == len(n.markets)
    m = re.search(r"(\w+) grades \(barrels per tonne\)", text)
    assert m and words[m[1]] == len(n.grades)
    routes = pd.Series([r.mode for r in n.routes]).value_counts()
    status = pd.Series([r.status for r in n.routes]).value_counts()
    says(num(text, r"(\d+) directed legs"), len(n.routes), 0, "legs")
    for key, series in [
        ("pipeline", routes),
        ("tanker", routes),
        ("rail", routes),
        ("operating", status),
        ("planned", status),
        ("idle", status),
    ]:
        says(num(text, rf"(\d+) {key}\b"), int(series.get(key, 0)), 0, key)
    says(num(text, r"at (\d+) supply nodes"), len({s.node for s in n.supply}), 0, "supply nodes")
    years = n.years
    assert f"supply for {years[0]}–{years[-1]}" in text
    brent = sorted(b.year for b in n.benchmarks)
    assert f"Brent for {brent[0]}–{brent[-1]}" in text


def test_dataset_readme_supply_table() -> None:
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    n = net()
    rows = 0
    for line in readme.splitlines():
        m = re.match(
            r"^\| ([A-Z_]+)(?: \([^)]*\))? \| (\d+(?:\.\d+)?) \| (\d+(?:\.\d+)?) \| (\d+(?:\.\d+)?) \| (\d+(?:\.\d+)?) \|$",
            line,
        )
        if not m:
            continue
        for year, cell in zip(n.years, m.groups()[1:], strict=True):
            assert float(cell) == pytest.approx(n.supply_in(year)[m[1]]), (m[1], year)
        rows += 1
    assert rows == len({s.node for s in n.supply})
    total = re.search(r"\| \*\*total\*\* \| (.*) \|$", readme, re.M)
    assert total
    cells = [float(c.strip("* ")) for c in total[1].split("|")]
    for year, cell in zip(n.years, cells, strict=True):
        assert cell == pytest.approx(sum(n.supply_in(year).values()))


@cache
def backtest_table() -> pd.DataFrame:
    return backtest(net())


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start) + len(start) : text.index(end)].strip("\n") + "\n"


def test_dataset_readme_backtest_table_is_the_command_output() -> None:
    """The README's table is `crudeflow backtest --markdown`: after a model or data change,
    regenerate it (paste the command's output between the markers)."""
    text = (FOLDER / "README.md").read_text(encoding="utf-8")
    table = _between(
        text,
        "<!-- backtest table: crudeflow backtest --markdown -->",
        "<!-- end backtest table -->",
    )
    assert table == backtest_markdown(backtest_table())


def test_dataset_readme_events_table_is_the_command_output() -> None:
    """The README's events table is `crudeflow backtest --events --markdown`."""
    text = (FOLDER / "README.md").read_text(encoding="utf-8")
    table = _between(
        text,
        "<!-- events table: crudeflow backtest --events --markdown -->",
        "<!-- end events table -->",
    )
    assert table == events_markdown(backtest_events(net()))


def test_dataset_readme_explains_every_miss() -> None:
    """Every group with a row outside the tolerance has its bullet under "Why the misses"."""
    text = data_readme()
    why = text[text.index("**Why the misses") : text.index("### The SPM-2 loss")]
    t = backtest_table()
    for group in sorted(set(t.loc[~t["within_tolerance"], "group"])):
        assert f"- **`{group}`**" in why, group


# -- dataset README: "Estimates that matter" (inputs as `crudeflow network show` lists them) --
ROUTE_FIGURES = [
    (r"Aktau → Sangachal (\d+(?:\.\d+)?) Mt/yr", "AKTAU_SANGACHAL", "capacity_mtpa"),
    (
        r"Aktau → Sangachal [\d.]+ Mt/yr, physical (\d+(?:\.\d+)?)",
        "AKTAU_SANGACHAL",
        "physical_capacity_mtpa",
    ),
    (r"CPC (\d+(?:\.\d+)?) Mt/yr Kazakh section", "CPC_ATYRAU_TERMINAL", "capacity_mtpa"),
    (r"Kazakh section, physical (\d+(?:\.\d+)?)", "CPC_ATYRAU_TERMINAL", "physical_capacity_mtpa"),
    (r"CPC tariff of (\d+(?:\.\d+)?) USD/t", "CPC_ATYRAU_TERMINAL", "tariff_usd_per_t"),
    (r"Other shippers' CPC intake (\d+(?:\.\d+)?) Mt/yr", "OTHER_WEST_CPC", "capacity_mtpa"),
    (r"Atasu–Alashankou Kazakh share (\d+(?:\.\d+)?)", "ATASU_ALASHANKOU", "capacity_mtpa"),
    (r"Atyrau–Kenkiyak (\d+(?:\.\d+)?) and", "ATYRAU_KENKIYAK", "capacity_mtpa"),
    (r"Kenkiyak–Kumkol (\d+(?:\.\d+)?) left", "KENKIYAK_KUMKOL", "capacity_mtpa"),
    (r"Atyrau–Samara (\d+(?:\.\d+)?), physical", "ATYRAU_SAMARA", "capacity_mtpa"),
    (r"Atyrau–Samara [\d.]+, physical (\d+(?:\.\d+)?)", "ATYRAU_SAMARA", "physical_capacity_mtpa"),
    (r"\*\*BTC (\d+(?:\.\d+)?)\.\*\*", "BTC", "capacity_mtpa"),
    (r"The physical capacity is (\d+(?:\.\d+)?)\.", "BTC", "physical_capacity_mtpa"),
    (r"\*\*Germany (\d+(?:\.\d+)?)\.\*\*", "DRUZHBA_SCHWEDT", "capacity_mtpa"),
    (r"Tengiz → Aktau rail (\d+(?:\.\d+)?)\.", "TENGIZ_AKTAU_RAIL", "capacity_mtpa"),
    (r"Atyrau–Samara is (\d+(?:\.\d+)?),", "ATYRAU_SAMARA", "tariff_usd_per_t"),
    (r"BTC (\d+(?:\.\d+)?) \(undated\)", "BTC", "tariff_usd_per_t"),
    (r"Ust-Luga (\d+(?:\.\d+)?), Sheskharis", "SAMARA_UST_LUGA", "tariff_usd_per_t"),
    (r"Sheskharis (\d+(?:\.\d+)?),", "SAMARA_SHESKHARIS", "tariff_usd_per_t"),
    (r"Makhachkala–Sheskharis (\d+(?:\.\d+)?)\.", "MAKHACHKALA_SHESKHARIS", "tariff_usd_per_t"),
    (r"Druzhba to Schwedt is (\d+(?:\.\d+)?):", "DRUZHBA_SCHWEDT", "tariff_usd_per_t"),
    (r"Tengiz → Aktau rail is (\d+(?:\.\d+)?),", "TENGIZ_AKTAU_RAIL", "tariff_usd_per_t"),
    (r"Baku–Novorossiysk is (\d+(?:\.\d+)?),", "BAKU_NOVOROSSIYSK", "tariff_usd_per_t"),
    (r"Black Sea → Med is (\d+(?:\.\d+)?)\.", "CPC_TERMINAL_MED", "tariff_usd_per_t"),
    (r"Ceyhan → Med is (\d+(?:\.\d+)?),", "CEYHAN_MED", "tariff_usd_per_t"),
]


@pytest.mark.parametrize(
    ("pattern", "route", "attr"), ROUTE_FIGURES, ids=[f[0] for f in ROUTE_FIGURES]
)
def test_dataset_readme_route_figures(pattern: str, route: str, attr: str) -> None:
    value = getattr(net().route(route), attr)
    assert num(data_readme(), pattern) == pytest.approx(value), (route, attr)


def test_dataset_readme_china_tariff_sum() -> None:
    legs = ["ATYRAU_KENKIYAK", "KENKIYAK_KUMKOL", "KUMKOL_ATASU", "ATASU_ALASHANKOU"]
    m = re.search(
        r"China legs are (\d+(?:\.\d+)?) \+ (\d+(?:\.\d+)?) \+ (\d+(?:\.\d+)?) \+ (\d+(?:\.\d+)?) = (\d+(?:\.\d+)?)",
        data_readme(),
    )
    assert m
    tariffs = [net().route(r).tariff_usd_per_t for r in legs]
    assert [float(x) for x in m.groups()[:4]] == pytest.approx(tariffs)
    says(float(m[5]), sum(tariffs), 1, "China tariff total")


@pytest.mark.parametrize(
    ("pattern", "market"),
    [
        (r"Med CIF Augusta is (−?[\d.]+),", "MED_AUGUSTA"),
        (r"KEBCO FOB \(Ust-Luga and Novorossiysk alike\) is (−?[\d.]+)\.", "KEBCO_FOB_UST_LUGA"),
        (
            r"KEBCO FOB \(Ust-Luga and Novorossiysk alike\) is (−?[\d.]+)\.",
            "KEBCO_FOB_NOVOROSSIYSK",
        ),
        (r"Schwedt is (−?[\d.]+)\.", "SCHWEDT"),
        (r"China is (−?[\d.]+)\.", "CHINA_MKT"),
    ],
)
def test_dataset_readme_price_differentials(pattern: str, market: str) -> None:
    assert num(data_readme(), pattern) == pytest.approx(net().market(market).diff_usd_per_bbl)
