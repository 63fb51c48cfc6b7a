"""One rule for horizon totals (``_mt``, ``_musd``) and annual rates (``_mtpa``,
``_musd_per_yr``): every result, JSON and table says which kind a figure is (issue 8, item 1),
and nothing printed carries float noise or a negative zero (issue 8, item 16)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from crudeflow.compare import compare_plans
from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network, toy_network
from crudeflow.output import OUTPUT_DECIMALS, fmt
from crudeflow.scenario import resolve_scenario, run_scenario
from crudeflow.solve.lp import Periods
from crudeflow.solve.plan import Plan, plan
from tests.conftest import invoke_cli

CONTRACT_TOTALS = ("available_mt", "exported_mt", "shut_in_mt", "delivered_mt", "netback_musd")
CONTRACT_RATES = (
    "available_mtpa",
    "exported_mtpa",
    "shut_in_mtpa",
    "delivered_mtpa",
    "netback_musd_per_yr",
)
CONTRACT_HORIZON = ("horizon_start", "horizon_end", "horizon_months", "horizon_years")


run = invoke_cli


@pytest.fixture(scope="module")
def kz() -> Network:
    return load_dataset()


@pytest.fixture(scope="module")
def spm2(kz: Network) -> Plan:
    return run_scenario(resolve_scenario("spm2-loss-2025", kz), kz)


@pytest.fixture(scope="module")
def base_monthly(kz: Network) -> Plan:
    return run_scenario(resolve_scenario("base-2025", kz), kz)


def test_to_dict_carries_both_kinds_side_by_side_for_a_three_month_horizon(spm2: Plan) -> None:
    d = spm2.to_dict()
    for key in (*CONTRACT_TOTALS, *CONTRACT_RATES, *CONTRACT_HORIZON):
        assert key in d, key
    assert (d["horizon_start"], d["horizon_end"], d["horizon_months"]) == ("2025-10", "2025-12", 3)
    assert d["horizon_years"] == pytest.approx(92 / 365, abs=1e-6)
    for total, rate in zip(CONTRACT_TOTALS, CONTRACT_RATES, strict=True):
        assert d[rate] == pytest.approx(d[total] / d["horizon_years"], rel=1e-5, abs=1e-5)
    # the loss happens in December: the horizon total is the months' sum, the rate is 4x it
    by_period = {r["period"]: r for r in d["by_period"]}
    assert d["shut_in_mt"] == pytest.approx(sum(r["shut_in_mt"] for r in by_period.values()))
    assert by_period["2025-12"]["shut_in_mt"] > 0.3
    assert d["shut_in_mtpa"] > 3.5 * d["shut_in_mt"]
    assert d["netback_musd"] == pytest.approx(sum(r["netback_musd"] for r in by_period.values()))


def test_annual_plan_totals_equal_rates() -> None:
    d = plan(toy_network()).to_dict()
    assert d["horizon_months"] == 12 and d["horizon_years"] == 1.0
    assert (d["horizon_start"], d["horizon_end"]) == ("2025-01", "2025-12")
    for total, rate in zip(CONTRACT_TOTALS, CONTRACT_RATES, strict=True):
        assert d[total] == pytest.approx(d[rate])


def test_capacity_value_is_usd_per_tonne_whatever_the_horizon_length() -> None:
    net = toy_network()
    year = plan(net, monthly=True)
    quarter = plan(net, periods=Periods.monthly(2025, start_month=10, months=3))
    assert [b.route for b in quarter.bottlenecks] == [b.route for b in year.bottlenecks]
    for a, b in zip(year.bottlenecks, quarter.bottlenecks, strict=True):
        assert b.value_usd_per_t == pytest.approx(a.value_usd_per_t, rel=1e-6)
    assert year.bottlenecks[0].value_usd_per_t == pytest.approx(
        plan(net).bottlenecks[0].value_usd_per_t, rel=1e-6
    )


def test_scenario_headline_labels_totals_and_never_annualises_a_one_month_loss(
    spm2: Plan,
) -> None:
    code, out = run("scenario", "run", "spm2-loss-2025")
    assert code == 0
    assert "Mt over Oct-Dec 2025" in out
    assert "USD bn over Oct-Dec 2025" in out
    assert f"annualised {fmt(spm2.netback_musd_per_yr / 1000, 2)} USD bn/yr" in out
    assert f"shut in {fmt(spm2.shut_in_mt, 2)} Mt\n" in out
    shut_lines = [line for line in out.splitlines() if "shut in" in line.lower()]
    # a commitment is named by its yearly rate, "(route:BTC >= 1.5 Mt/yr in 2025)": not a loss
    shut_lines = [re.sub(r"\([^()]*>=[^()]*\)", "", line) for line in shut_lines]
    assert shut_lines and not any("Mt/yr" in line for line in shut_lines)
    assert "total Oct-Dec 2025" in out


def test_annual_headline_stays_in_rates() -> None:
    code, out = run("plan")
    assert code == 0
    assert "Mt/yr available; shut in" in out and "USD bn/yr" in out
    assert " Mt over " not in out


def test_compare_totals_cover_the_same_months(base_monthly: Plan, spm2: Plan, kz: Network) -> None:
    df = compare_plans([("base", base_monthly), ("spm2", spm2)], kz)
    totals = df[df["kind"] == "total"].set_index("scenario")
    assert set(totals["period"]) == {"Oct-Dec 2025"}
    q4 = base_monthly.by_period.loc[["2025-10", "2025-11", "2025-12"]]
    assert totals.loc["base", "exported_mt"] == pytest.approx(q4["exported_mt"].sum())
    assert totals.loc["base", "exported_mt"] < base_monthly.exported_mt / 3  # not the year
    assert totals.loc["spm2", "delta_shut_in_mt"] == pytest.approx(
        spm2.shut_in_mt - q4["shut_in_mt"].sum()
    )
    assert not any(c.endswith(("_mtpa", "_per_yr")) for c in df.columns)


def test_compare_cli_shows_totals_not_rates(base_monthly: Plan, spm2: Plan) -> None:
    code, out = run("scenario", "compare", "base-2025", "spm2-loss-2025")
    assert code == 0
    assert "total Oct-Dec 2025" in out and "Mt/yr" not in out
    code, out = run("scenario", "compare", "base-2025", "spm2-loss-2025", "--json")
    rows = json.loads(out)
    total = [r for r in rows if r["kind"] == "total" and r["scenario"] == "spm2-loss-2025"]
    q4 = base_monthly.by_period.loc[["2025-10", "2025-11", "2025-12"], "shut_in_mt"].sum()
    assert total and total[0]["delta_shut_in_mt"] == pytest.approx(spm2.shut_in_mt - q4, abs=1e-5)


def test_compare_without_shared_months_does_not_compare(kz: Network) -> None:
    a = run_scenario(resolve_scenario("spm2-loss-2025", kz), kz)
    b = run_scenario(resolve_scenario("kropotkinskaya-2025", kz), kz)
    df = compare_plans([("a", a), ("b", b)], kz)
    totals = df[df["kind"] == "total"]
    assert list(totals["period"]) == ["Oct-Dec 2025", "Jan-Jun 2025"]
    assert totals["delta_exported_mt"].isna().all()  # nothing is compared across spans


# -- float noise and negative zeros -------------------------------------------------------
def _floats(obj: Any) -> list[float]:
    if isinstance(obj, dict):
        return [f for v in obj.values() for f in _floats(v)]
    if isinstance(obj, list):
        return [f for v in obj for f in _floats(v)]
    return [obj] if isinstance(obj, float) else []


def _assert_clean_json(text: str) -> None:
    assert "-0.0," not in text and "-0.0\n" not in text and not re.search(r"-0\.0\b[^0-9]", text)
    assert "NaN" not in text and "Infinity" not in text
    for x in _floats(json.loads(text)):
        assert math.isfinite(x)
        assert round(x, OUTPUT_DECIMALS) == x, x
        assert not (x == 0.0 and math.copysign(1.0, x) < 0), "negative zero"


def _assert_clean_csv(text: str) -> None:
    for cell in re.split(r"[,\n]", text):
        assert cell not in ("-0.0", "-0"), "negative zero in CSV"
        if re.fullmatch(r"-?\d+\.\d+", cell):
            assert len(cell.split(".")[1]) <= OUTPUT_DECIMALS, cell
        assert not re.fullmatch(r"-?[\d.]+e-?\d+", cell), f"float noise {cell}"


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--json"),
        ("plan", "--monthly", "--json"),
        ("plan", "--avoid", "RU", "--require", "via AKTAU,KURYK >= 20 Mt/yr", "--json"),
        ("scenario", "run", "spm2-loss-2025", "--json"),
        ("scenario", "compare", "base-2025", "spm2-loss-2025", "--json"),
        ("bypass", "--avoid", "RU", "--json"),
    ],
)
def test_json_output_has_no_float_noise_or_negative_zero(args: tuple[str, ...]) -> None:
    code, out = run(*args)
    assert code == 0
    _assert_clean_json(out)


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--csv"),
        ("plan", "--monthly", "--csv"),
        ("scenario", "run", "spm2-loss-2025", "--csv"),
        ("scenario", "compare", "base-2025", "spm2-loss-2025", "--csv"),
        ("backtest", "--csv"),
    ],
)
def test_csv_output_has_no_float_noise_or_negative_zero(args: tuple[str, ...]) -> None:
    code, out = run(*args)
    assert code == 0
    _assert_clean_csv(out)


def test_tables_print_no_negative_zero() -> None:
    for args in (
        ("scenario", "compare", "base-2025", "spm2-loss-2025"),
        ("scenario", "run", "spm2-loss-2025"),
        ("plan", "--avoid", "RU"),
        ("backtest",),
    ):
        code, out = run(*args)
        assert code == 0
        assert not re.search(r"(?<![\w.])-0(\.0+)?(?![\d.])", out), args


def test_plain_words_use_totals_for_a_short_horizon(spm2: Plan) -> None:
    from crudeflow.explanation import explain

    first = explain(spm2)[0]
    assert first.startswith("Over Oct-Dec 2025 Kazakhstan can export 19")
    assert "Mt is shut in" in first and "Mt/yr" not in first


def test_to_dict_is_json_ready_as_it_is(spm2: Plan) -> None:
    """A client can send to_dict() as it is, without a second cleaning pass."""
    from crudeflow.output import clean

    for p in (spm2, plan(toy_network(), requirements=["avoid RU"])):
        d = p.to_dict()
        json.dumps(d, allow_nan=False)
        assert clean(d) == d


def test_api_preset_gives_the_cli_annual_rate_and_its_own_horizon(kz: Network, spm2: Plan) -> None:
    """spm2-loss-2025 on the page showed 3.07 USD bn/yr where the CLI said 36.60 (issue 8.1):
    the API now hands over the rate, the total and the horizon; nothing is guessed."""
    from crudeflow.web.service import solve_plan

    out = solve_plan(kz, preset="spm2-loss-2025")
    assert (out["horizon_start"], out["horizon_end"], out["horizon_months"]) == (
        "2025-10",
        "2025-12",
        3,
    )
    assert out["netback_musd_per_yr"] == pytest.approx(spm2.netback_musd_per_yr, abs=1e-5)
    assert out["netback_musd"] == pytest.approx(spm2.netback_musd, abs=1e-5)
    assert out["netback_musd_per_yr"] > 3.9 * out["netback_musd"]
