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
    says(num(row, r"costs USD ([\d.]+) m a year net"), p.net_cost_musd_per_yr, 0, "net cost")
    assert p.cost_usd_per_t_moved is not None
    says(num(row, r"\(([\d.]+) USD per extra tonne"), p.cost_usd_per_t_moved, 1, "per tonne")
    tankers = sum(b.modules for b in p.builds if b.fleet)  # vessels bought (fleet.csv classes)
    says(num(row, r"with (\d+) more Caspian tankers"), tankers, 0, "tankers")
    at_kuryk = sum(b.modules for b in p.builds if b.fleet == "KURYK_8KT")
    says(num(row, r"(\d+) for Kuryk"), at_kuryk, 0, "Kuryk tankers")
    built = {b.project for b in p.builds}
    assert built == {
        "CASPIAN_TANKERS_8KT",
        "AKTAU_BERTHS_9_10",
        "KURYK_FEEDER",
        "KURYK_OIL_TERMINAL",
        "KURYK_TANKERS",
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


def test_top_readme_how_many_tankers_row() -> None:
    """The fleet row: one tanker's Mt/yr and round trip, today's pool, the tankers bought."""
    from crudeflow.network._fleet import fleet_summary

    row, p = top_row("How many Caspian tankers would 20 Mt/yr take?"), twenty()
    net = load_dataset()
    lines = {x.id: x for x in fleet_summary(net.fleet, 2025, target_mtpa=20.0)}
    cims, kuryk = lines["CIMS_8KT"], lines["KURYK_8KT"]
    says(num(row, r"tanker carries ([\d.]+) Mt/yr from Aktau"), cims.mtpa_per_vessel, 3, "one")
    says(num(row, r"a ([\d.]+)-day round trip"), cims.round_trip_days, 2, "round trip")
    says(num(row, r"; ([\d.]+) from Kuryk"), kuryk.mtpa_per_vessel, 3, "one at Kuryk")
    says(num(row, r"today's (\d+) carry"), sum(f.vessels for f in net.fleet), 0, "today's")
    says(num(row, r"carry ([\d.]+) Mt/yr"), cims.pool_mt, 2, "today's pool")
    berths = net.node("AKTAU").throughput_mtpa
    assert berths is not None
    says(num(row, r"(\d+) fill Aktau's berths"), -(-berths // cims.mtpa_per_vessel), 0, "fill")
    says(num(row, r"buys (\d+)"), sum(b.modules for b in p.builds if b.fleet), 0, "bought")
    (short,) = p.shortfalls
    says(num(row, r"to reach ([\d.]+) Mt/yr"), short.achieved, 1, "reached")
