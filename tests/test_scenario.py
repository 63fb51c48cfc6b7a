"""Scenario files: parsing, errors with file and line, presets, compare and backtest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crudeflow.backtest import backtest
from crudeflow.compare import compare_plans
from crudeflow.errors import ScenarioError
from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network, toy_network
from crudeflow.scenario import (
    apply_scenario,
    list_presets,
    load_scenario,
    parse_scenario,
    resolve_scenario,
    run_scenario,
)
from crudeflow.solve.check import plan_violations
from crudeflow.solve.plan import plan


@pytest.fixture(scope="module")
def kz() -> Network:
    return load_dataset()


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_partial_month_outage_counts_its_days() -> None:
    sc = parse_scenario(
        "name: t\nhorizon: {start: 2025-06, end: 2025-06}\nchanges:\n"
        "  - route: B_M\n    capacity_factor: 0\n    from: 2025-06-16\n    to: 2025-06-30\n"
    )
    inputs = apply_scenario(sc, toy_network())
    i = toy_network()._route_index["B_M"]
    assert inputs.overrides.capacity_mtpa is not None
    assert inputs.overrides.capacity_mtpa[0, i] == pytest.approx(10.0 * 15 / 30)


def test_status_change_opens_a_planned_route(kz) -> None:
    base = plan(kz)
    sc = resolve_scenario("kuryk-terminal-opens", kz)
    opened = run_scenario(sc, kz)
    assert base.routes.loc["KURYK_SANGACHAL", "capacity_mtpa"] == 0
    assert opened.routes.loc["KURYK_SANGACHAL", "capacity_mtpa"] == pytest.approx(
        kz.route("KURYK_SANGACHAL").capacity_mtpa
    )
    assert opened.netback_musd >= base.netback_musd - 1e-6


def test_ban_closes_routes_from_its_date() -> None:
    sc = parse_scenario(
        "name: t\nhorizon: {start: 2025-01, end: 2025-02}\nchanges:\n  - ban: RU\n    from: 2025-02\n"
    )
    p = run_scenario(sc, toy_network())
    jan = p.flows[(p.flows["route"] == "B_M") & (p.flows["period"] == "2025-01")]["flow_mt"]
    feb = p.flows[(p.flows["route"] == "B_M") & (p.flows["period"] == "2025-02")]["flow_mt"]
    assert float(jan.iloc[0]) > 0 and float(feb.iloc[0]) == 0


def test_extends_merges_changes_and_requirements(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "name: base\nhorizon: {year: 2025}\nrequirements: [avoid RU]\n")
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nname: child\nchanges:\n  - route: A_M\n    capacity_mtpa: 1\n",
    )
    sc = load_scenario(child)
    assert [str(r) for r in sc.requirements] == ["avoid RU"]
    p = run_scenario(sc, toy_network())
    assert p.exported_mtpa == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("text", "needle", "line"),
    [
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - route: NOPE\n    capacity_factor: 0\n",
            "no route 'NOPE'",
            4,
        ),
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - route: B_M\n    capacity_factor: 0\n"
            "    from: 2026-01\n",
            "outside the horizon",
            4,
        ),
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - route: B_M\n    capacity_mtpa: 20 Mt\n",
            "expected a number (units are in the key)",
            5,
        ),
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - route: B_M\n    capacity_kbd: 20\n",
            "unknown key 'capacity_kbd'",
            5,
        ),
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - route: B_M\n    capacity_factor: 0.5\n"
            "    from: 2025-03\n    to: 2025-05\n  - route: B_M\n    capacity_factor: 0.2\n"
            "    from: 2025-05-10\n",
            "overlaps the change on line 4: both set capacity of B_M from 2025-05-10 to 2025-05-31",
            8,
        ),
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - route: B_M\n    capacity_factor: 0\n"
            "    from: 2025-05\n    to: 2025-03\n",
            "'to' is before 'from'",
            4,
        ),
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - route: B_M\n    capacity_factor: 0\n"
            "    from: 2025-13\n",
            "month must be 01 to 12",
            6,
        ),
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - market: NOPE\n    diff_usd_per_bbl: 1\n",
            "no market 'NOPE'",
            4,
        ),
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - supply: A\n    factor: -1\n",
            "factor = -1: expected a finite number from 0 to 10",
            5,
        ),
        ("name: t\nhorizon: {year: 2025}\nchanges:\n  - ban: XX\n", "not an ISO country code", 4),
        (
            "name: t\nhorizon: {year: 2025}\nchanges:\n  - route: B_M\n    capacity_factor: 0\n"
            "    source: nobody_said_so\n",
            "source 'nobody_said_so'",
            4,
        ),
        ("name: t\nhorizon: {year: 2025}\nrequirements: ['via A >= 20 Mt']\n", "rate unit", 3),
        ("name: t\nhorizon: {year: 2025}\nchanges: [\n", "not valid YAML", None),
        ("name: t\nhorizon: {year: 2025}\ncolour: red\n", "unknown key 'colour'", 3),
        ("name: t\nchanges: []\n", "missing key 'horizon'", 1),
        ("name: t\nhorizon: {start: 2025-05, end: 2025-01}\n", "end is before start", 2),
    ],
)
def test_broken_scenarios_give_one_clear_error(text: str, needle: str, line: int | None) -> None:
    with pytest.raises(ScenarioError) as info:
        sc = parse_scenario(text, source="bad.yaml")
        apply_scenario(sc, toy_network())
    msg = str(info.value)
    assert needle in msg
    assert msg.startswith("bad.yaml")
    if line is not None:
        assert msg.startswith(f"bad.yaml:{line}:")


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\nhorizon: {year: 2025}\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nhorizon: {year: 2025}\n")
    with pytest.raises(ScenarioError, match="extends cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_every_preset_runs_and_is_valid(kz) -> None:
    presets = list_presets(kz)
    assert len(presets) >= 10
    for sc in presets:
        p = run_scenario(sc, kz)
        assert plan_violations(kz, p) == [], sc.name
        assert sc.title and sc.description, sc.name
        if "history" in sc.tags:
            assert sc.sources, f"{sc.name} cites no source"


def test_presets_cover_the_issue(kz) -> None:
    names = {Path(sc.path).stem for sc in list_presets(kz)}
    for wanted in (
        "cpc-storm-2022",
        "cpc-court-halt-2022",
        "kropotkinskaya-2025",
        "cpc-moorings-closed-apr-2025",
        "spm2-loss-2025",
        "russia-transit-ban",
        "trans-caspian-20mt",
        "kuryk-terminal-opens",
        "btc-allocation-raised",
    ):
        assert wanted in names


def test_spm2_loss_reroutes_and_shuts_in(kz) -> None:
    base = run_scenario(resolve_scenario("base-2025", kz), kz)
    spm2 = run_scenario(resolve_scenario("spm2-loss-2025", kz), kz)
    df = compare_plans([("base", base), ("spm2", spm2)], kz)
    dec = df[(df["scenario"] == "spm2") & (df["period"] == "2025-12")].iloc[0]
    assert dec["delta_cpc_mt"] < -1.0  # CPC loses more than 1 Mt in December
    assert dec["delta_atyrau_samara_mt"] > 0  # some crude goes round via Samara
    assert dec["shut_in_mt"] > 0


def test_russia_ban_leaves_only_bypass_routes(kz) -> None:
    p = run_scenario(resolve_scenario("russia-transit-ban", kz), kz)
    assert float(p.exposure.loc["RU", "entering_mtpa"]) == pytest.approx(0.0, abs=1e-9)
    assert p.shut_in_mtpa > 0


def test_backtest_rows(kz) -> None:
    table = backtest(kz)
    assert set(table["year"]) >= {2022, 2023, 2025}
    exports = table[table["group"] == "exports"]
    assert np.allclose(exports["model_mt"], exports["observed_mt"], rtol=0.02)
