"""Scenario runs without foresight (issue 9 item 2): the rolling re-plan on a scenario's horizon.

docs/scenario-format.md ("Foresight") and docs/dataset-format.md ("Scenario runs without
foresight") specify it; the risk engine shares the rule for the months already run
(crudeflow.solve.rolling).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from crudeflow.cli import app
from crudeflow.compare import compare_plans
from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network, toy_network
from crudeflow.scenario import (
    early_warning,
    foresight_matters,
    parse_scenario,
    resolve_scenario,
    run_scenario,
    strike_period,
)
from crudeflow.solve.highs import HighsSession
from crudeflow.solve.lp import Periods, build_lp
from crudeflow.solve.plan import opening_state
from crudeflow.solve.rolling import column_periods

runner = CliRunner()


@pytest.fixture(scope="module")
def kz() -> Network:
    return load_dataset()


@pytest.fixture(scope="module")
def spm2(kz: Network) -> dict[str, object]:
    sc = resolve_scenario("spm2-loss-2025", kz)
    base = run_scenario(dataclasses.replace(sc, changes=()), kz)
    return {
        "sc": sc,
        "base": base,
        "perfect": run_scenario(sc, kz),
        "none": run_scenario(sc, kz, foresight="none"),
    }


def test_no_foresight_months_before_the_first_change_equal_the_base_plan_exactly(
    spm2: dict[str, object],
) -> None:
    base, none = spm2["base"], spm2["none"]
    from crudeflow.solve.plan import Plan

    assert isinstance(base, Plan) and isinstance(none, Plan)
    assert none.foresight == "none" and none.replanned == ("2025-11", "2025-12")
    oct_base = base.flows[base.flows["period"] == "2025-10"].reset_index(drop=True)
    oct_none = none.flows[none.flows["period"] == "2025-10"].reset_index(drop=True)
    assert oct_base.equals(oct_none)
    nb_base = base.node_balance[base.node_balance["period"] == "2025-10"].reset_index(drop=True)
    nb_none = none.node_balance[none.node_balance["period"] == "2025-10"].reset_index(drop=True)
    assert nb_base.equals(nb_none)
    assert base.by_period.loc["2025-10"].equals(none.by_period.loc["2025-10"])


def test_no_foresight_removes_the_november_spm2_artefact(spm2: dict[str, object]) -> None:
    """With perfect foresight November earns ~208 USD m more than the base plan (tanks sold
    before the attack); without, November (2 closed days absorbed by storage) is the base's."""
    from crudeflow.solve.plan import Plan

    base, perfect, none = spm2["base"], spm2["perfect"], spm2["none"]
    assert isinstance(base, Plan) and isinstance(perfect, Plan) and isinstance(none, Plan)
    nov = "2025-11"
    gain_perfect = (
        perfect.by_period.loc[nov, "netback_musd"] - base.by_period.loc[nov, "netback_musd"]
    )
    gain_none = none.by_period.loc[nov, "netback_musd"] - base.by_period.loc[nov, "netback_musd"]
    assert gain_perfect > 150
    assert abs(gain_none) < 1e-6
    assert none.exported_mt < perfect.exported_mt
    assert none.netback_musd < perfect.netback_musd


def test_early_warning_is_perfect_minus_none_and_carries_both(
    kz: Network, spm2: dict[str, object]
) -> None:
    from crudeflow.scenario import Scenario
    from crudeflow.solve.plan import Plan

    sc, perfect, none = spm2["sc"], spm2["perfect"], spm2["none"]
    assert isinstance(sc, Scenario) and isinstance(perfect, Plan) and isinstance(none, Plan)
    ew = early_warning(sc, kz, plans={"perfect": perfect, "none": none})
    assert ew is not None and ew.differs
    assert ew.value_musd == pytest.approx(perfect.netback_musd - none.netback_musd)
    assert ew.exported_gap_mt == pytest.approx(perfect.exported_mt - none.exported_mt)
    d = ew.to_dict()
    assert d["value_of_early_warning_musd"] == pytest.approx(ew.value_musd, abs=1e-6)
    by = ew.by_period()
    assert by["delta_netback_musd"].sum() == pytest.approx(ew.value_musd)
    assert list(by["period"]) == ["2025-10", "2025-11", "2025-12"]


def test_changes_known_from_the_start_give_the_same_plan_both_ways(kz: Network) -> None:
    sc = resolve_scenario("kuryk-terminal-opens", kz)
    assert not foresight_matters(sc)
    assert early_warning(sc, kz) is None
    a, b = run_scenario(sc, kz), run_scenario(sc, kz, foresight="none")
    assert a.netback_musd == b.netback_musd and b.foresight == "none" and b.replanned == ()
    ban = resolve_scenario("russia-transit-ban", kz)  # from: 2025-01, the first day
    assert not foresight_matters(ban)


def test_strike_period_is_the_month_of_the_first_day_inside_the_horizon() -> None:
    sc = parse_scenario(
        "name: s\nhorizon: {start: 2025-10, end: 2025-12}\nchanges:\n"
        "  - route: B_M\n    capacity_factor: 0.5\n    from: 2025-09-15\n    to: 2025-10-02\n"
        "  - route: A_M\n    capacity_factor: 0.5\n    from: 2025-12-31\n"
        "  - route: A_B\n    capacity_factor: 0.5\n",
        source="s.yaml",
    )
    assert [strike_period(ch, sc.horizon) for ch in sc.changes] == [0, 2, 0]
    outside = dataclasses.replace(sc.changes[0], start=None, end=dt.date(2025, 9, 30))
    assert strike_period(outside, sc.horizon) is None
    assert strike_period(sc.changes[1], Periods.annual(2025)) == 0


def test_no_foresight_keeps_lp_columns_when_only_a_later_change_adds_supply() -> None:
    """A supply node named only by a change striking later keeps its column in every stage."""
    sc = parse_scenario(
        "name: s\nhorizon: {start: 2025-10, end: 2025-12}\nchanges:\n"
        "  - supply: B\n    mtpa: 3\n    from: 2025-12-01\n",
        source="s.yaml",
    )
    net = toy_network()
    none = run_scenario(sc, net, foresight="none")
    perfect = run_scenario(sc, net)
    assert none.replanned == ("2025-12",)
    assert none.exported_mt == pytest.approx(perfect.exported_mt)


def test_no_foresight_matches_a_rolling_re_plan_written_from_the_doc(kz: Network) -> None:
    """Stage 0 without the changes, then from November with Nov's change (months before it
    fixed), then from December with both: re-implemented on build_lp + HiGHS from the doc."""
    from crudeflow.scenario import apply_scenario

    sc = resolve_scenario("spm2-loss-2025", kz)
    periods = sc.horizon
    state = opening_state(kz, periods)

    def solve(changes: tuple[object, ...], month: int, x_prev: np.ndarray | None) -> np.ndarray:
        inputs = apply_scenario(dataclasses.replace(sc, changes=changes), kz)  # type: ignore[arg-type]
        lp = build_lp(kz, periods, overrides=inputs.overrides, initial_state=state)
        lo, hi = lp.col_lower.copy(), lp.col_upper.copy()
        if x_prev is not None:
            # the doc's list, written out: x, s, d, h, g and v of the months before, and q
            T = periods.n
            past = np.zeros(len(lp.c), dtype=bool)
            for name, per in (
                ("x", lp.n_routes),
                ("s", len(lp.supply_nodes)),
                ("d", len(lp.market_nodes)),
                ("v", len(lp.refinery_nodes)),
            ):
                block = lp.block(name)
                past[block.start : block.start + month * per] = True
            h = lp.block("h")
            H = len(lp.storage_nodes)
            past[h.start : h.start + month * H] = True  # h
            past[h.start + T * H : h.start + T * H + month * H] = True  # g
            past[lp.block("q")] = True
            assert (past == (column_periods(lp) < month)).all()
            lo[past] = hi[past] = x_prev[past]
        res = HighsSession(lp.c, lp.A, lo, hi, lp.row_lower, lp.row_upper).solve()
        assert res.status.ok
        return res.x

    x = solve((), 0, None)
    x = solve(sc.changes[:1], 1, x)  # the 29-30 November closure strikes in November
    x = solve(sc.changes, 2, x)  # the December half capacity strikes in December
    none = run_scenario(sc, kz, foresight="none")
    assert np.allclose(none.solution, x, atol=1e-7)


def test_cli_scenario_run_foresight_json_and_csv_carry_the_mode() -> None:
    r = runner.invoke(app, ["scenario", "run", "spm2-loss-2025", "--foresight", "none", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["foresight"] == "none" and d["replanned"] == ["2025-11", "2025-12"]
    assert d["early_warning"]["value_of_early_warning_musd"] > 100
    r = runner.invoke(app, ["scenario", "run", "spm2-loss-2025", "--csv", "--foresight", "none"])
    assert r.exit_code == 0
    header, first = r.stdout.splitlines()[:2]
    assert header.split(",")[-1] == "foresight" and first.endswith(",none")
    r = runner.invoke(app, ["scenario", "run", "base-2025", "--json"])
    assert json.loads(r.stdout)["early_warning"] is None


def test_cli_scenario_compare_prints_both_where_foresight_matters() -> None:
    r = runner.invoke(app, ["scenario", "compare", "base-2025", "spm2-loss-2025"])
    assert r.exit_code == 0, r.output
    assert "With and without foresight, spm2-loss-2025" in r.stdout
    assert "value of early warning" in r.stdout
    r = runner.invoke(
        app, ["scenario", "compare", "base-2025", "spm2-loss-2025", "--foresight", "none", "--json"]
    )
    rows = json.loads(r.stdout)
    assert {row["foresight"] for row in rows} == {"none"}


def test_cli_bad_foresight_is_a_usage_error() -> None:
    r = runner.invoke(app, ["scenario", "run", "spm2-loss-2025", "--foresight", "some"])
    assert r.exit_code == 2
    assert "expected none or perfect" in r.output


def test_compare_plans_has_a_foresight_column() -> None:
    net = toy_network()
    sc = parse_scenario("name: t\nhorizon: {year: 2025, monthly: true}\n", source="t.yaml")
    df = compare_plans(
        [("a", run_scenario(sc, net)), ("b", run_scenario(sc, net, foresight="none"))], net
    )
    assert df.groupby("scenario")["foresight"].first().to_dict() == {"a": "perfect", "b": "none"}


def test_run_scenario_refuses_an_unknown_foresight() -> None:
    sc = parse_scenario("name: t\nhorizon: {year: 2025}\n", source="t.yaml")
    with pytest.raises(ValueError, match="foresight"):
        run_scenario(sc, toy_network(), foresight="some")  # type: ignore[arg-type]


def test_cli_a_failed_re_plan_in_the_other_mode_is_a_note_not_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import crudeflow.scenario as scenario_mod
    from crudeflow.errors import SolverError

    real = scenario_mod.run_scenario

    def failing(*args: object, **kw: object) -> object:
        if kw.get("foresight") == "none":
            raise SolverError("spm2-loss-2025 without foresight: the re-plan has no solution")
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(scenario_mod, "run_scenario", failing)
    r = runner.invoke(app, ["scenario", "run", "spm2-loss-2025", "--json"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["early_warning"] is None
    assert "note: no comparison of foresight" in r.stderr
