"""The README's investment row says what `crudeflow invest` computes on the default data."""

from __future__ import annotations

from functools import cache

from crudeflow.invest import Portfolio, plan_portfolio
from crudeflow.network.load import load_dataset
from tests.network.test_readme_numbers import num, says, top_row

QUESTION = "What would it take, and cost, to move 20 Mt/yr via Aktau and Kuryk?"


@cache
def twenty() -> Portfolio:
    return plan_portfolio(load_dataset(), requirements=["via AKTAU,KURYK >= 20 Mt/yr"])


def test_top_readme_invest_20_mt_row() -> None:
    row, p = top_row(QUESTION), twenty()
    (short,) = p.shortfalls
    says(num(row, r"([\d.]+) Mt/yr at most"), short.achieved, 1, "the most reached")
    says(num(row, r"USD ([\d.]+) bn of capital"), p.capex_musd / 1000, 1, "capex")
    says(num(row, r"USD ([\d.]+) m a year at 8%"), p.annualised_cost_musd_per_yr, 0, "annual")
    says(num(row, r"USD ([\d.]+) m a year to spare"), -p.net_cost_musd_per_yr, 0, "net gain")
    assert p.cost_usd_per_t_moved is not None
    says(num(row, r"\(([\d.]+) USD per extra tonne"), p.cost_usd_per_t_moved, 1, "per tonne")
    tankers = sum(b.modules for b in p.builds if b.project.startswith("CASPIAN_TANKERS"))
    says(num(row, r"with (\d+) more Caspian tankers"), tankers, 0, "tankers")
    built = {b.project for b in p.builds}
    assert built == {
        "CASPIAN_TANKERS_8KT",
        "CASPIAN_TANKERS_12KT",
        "AKTAU_BERTHS_9_10",
        "KURYK_FEEDER",
        "KURYK_OIL_TERMINAL",
        "BTC_ALLOCATION_7MT",
        "BAKU_SUPSA_RESTART",
    }
    # the ports' feeders bind once the berths raise Aktau's loading limit to 12.5 Mt/yr
    assert set(p.shortfall_routes[:4]) == {
        "OTHER_WEST_AKTAU",
        "KURYK_SANGACHAL",
        "TENGIZ_AKTAU_RAIL",
    }
    (berths,) = (b for b in p.builds if b.project == "AKTAU_BERTHS_9_10")
    assert (berths.node, berths.route) == ("AKTAU", "")
