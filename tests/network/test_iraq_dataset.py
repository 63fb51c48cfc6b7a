"""The built-in Iraq dataset: it validates, every number is traceable, every command runs on it."""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from crudeflow.backtest import backtest
from crudeflow.network._checks import _SOURCE_OF
from crudeflow.network.load import check_dataset, default_dataset_path, load_dataset
from crudeflow.network.model import Network
from crudeflow.scenario import list_presets, resolve_scenario, run_scenario
from tests.conftest import invoke_cli

FOLDER = default_dataset_path().parent / "iraq"
NUMERIC = re.compile(r"^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")


@cache
def net() -> Network:
    return load_dataset(FOLDER)


def rows(name: str, folder: Path = FOLDER) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


run = invoke_cli


# -- the data --------------------------------------------------------------------------------
def test_iraq_dataset_validates_with_no_problems_and_no_warnings() -> None:
    problems, warnings = check_dataset(FOLDER)
    assert problems == []
    assert warnings == []


def test_iraq_dataset_is_named_iraq_with_producer_iq() -> None:
    meta = net().meta
    assert (meta.name, meta.producer, meta.base_year) == ("iraq", "IQ", 2025)


@pytest.mark.parametrize("name", sorted(n for n in _SOURCE_OF if (FOLDER / n).is_file()))
def test_iraq_every_numeric_cell_cites_a_source_or_an_estimate(name: str) -> None:
    ids = {r["id"] for r in rows("sources.csv")}
    for line, row in enumerate(rows(name), start=2):
        for col, src_col in _SOURCE_OF[name].items():
            if not NUMERIC.match(row.get(col, "") or ""):
                continue
            cell = (row.get(src_col) or "").strip() or row["source"].strip()
            assert cell, f"{name}:{line}: {col} has no source"
            if cell.lower().startswith("estimate:"):
                assert len(cell) > len("estimate:") + 10, f"{name}:{line}: {col} estimate says why"
            else:
                unknown = {c.strip() for c in cell.split(";")} - ids
                assert not unknown, f"{name}:{line}: {col} cites unknown {unknown}"


def test_iraq_grades_follow_the_api_gravity_formula() -> None:
    """bbl/t = 1000 / (141.5 / (API + 131.5) x 0.999016 x 158.987), rounded to 2 decimals."""
    api = {"BASRAH_MEDIUM": 27.9, "BASRAH_HEAVY": 24.0, "KIRKUK": 36.0}
    for gid, degrees in api.items():
        want = 1000 / (141.5 / (degrees + 131.5) * 0.999016 * 158.987)
        assert net().grades[gid].bbl_per_t == pytest.approx(round(want, 2), abs=1e-9)


def test_iraq_nodes_and_routes_of_the_issue_are_present() -> None:
    nodes = {n["id"] for n in rows("nodes.csv")}
    assert {"BASRA_FIELDS", "KIRKUK_FIELDS", "KRG_FIELDS", "FAO", "TUBA", "ZUBAIR", "BOT"} <= nodes
    assert {"SPM", "KAAOT", "CEYHAN_ITP", "ZARQA", "AQABA", "ASIA", "EUROPE_MED", "US"} <= nodes
    routes = {r["id"]: r for r in rows("routes.csv")}
    assert routes["FISHKHABUR_CEYHAN"]["status"] == "operating"
    assert routes["KRG_FISHKHABUR"]["status"] == "operating"
    assert routes["KRG_IRAN_TRUCKS"]["status"] == "idle"  # informal: opened by the closure
    assert {routes[r]["status"] for r in ("BASRA_HADITHA", "HADITHA_AQABA")} == {"planned"}
    assert routes["TREBIL_ZARQA"]["countries"] == "IQ;JO"


def test_iraq_every_tanker_leaving_the_gulf_passes_one_hormuz_leg() -> None:
    """All Gulf loadings meet at NORTH_GULF, whose only way out is GULF_HORMUZ."""
    out = [r for r in rows("routes.csv") if r["from"] == "NORTH_GULF"]
    assert [r["id"] for r in out] == ["GULF_HORMUZ"]
    assert "HORMUZ" in next(c for k, c in out[0].items() if k.endswith("passages")).split(";")


def test_iraq_readme_counts_match_the_files() -> None:
    text = " ".join((FOLDER / "README.md").read_text(encoding="utf-8").split())
    nodes, routes = rows("nodes.csv"), rows("routes.csv")
    assert f"{len(nodes)} nodes, {len(routes)} routes" in text
    assert f"{len(rows('sources.csv'))} sources" in text
    assert f"{len(rows('outages.csv'))} outage hazards" in text
    presets = list((FOLDER / "scenarios").glob("*.yaml"))
    assert f"{len(presets)} scenario presets" in text
    tags = [yaml.safe_load(p.read_text(encoding="utf-8")).get("tags", []) for p in presets]
    kinds = {k: sum(k in t for t in tags) for k in ("history", "what-if", "base")}
    assert (
        f"{len(presets)} presets: {kinds['history']} `history` (replayed by the backtest), "
        f"{kinds['what-if']} `what-if`, {kinds['base']} base cases" in text
    )
    modes = {m: sum(r["mode"] == m for r in routes) for m in ("pipeline", "tanker", "rail")}
    assert f"{modes['pipeline']} pipeline, {modes['tanker']} tanker, {modes['rail']} rail" in text
    status = {s: sum(r["status"] == s for r in routes) for s in ("operating", "planned", "idle")}
    assert (
        f"{status['operating']} operating, {status['planned']} planned, {status['idle']} idle"
        in text
    )


def test_iraq_has_no_kazakhstan_ids() -> None:
    """A second dataset shares no node, route or group id with the first."""
    kz = default_dataset_path()
    kz_ids = {r["id"] for r in rows("nodes.csv", kz)} | {r["id"] for r in rows("routes.csv", kz)}
    groups = yaml.safe_load((kz / "dataset.yaml").read_text(encoding="utf-8"))["groups"]
    iq_ids = {r["id"] for r in rows("nodes.csv")} | {r["id"] for r in rows("routes.csv")}
    assert iq_ids & kz_ids == set()
    iq_groups = yaml.safe_load((FOLDER / "dataset.yaml").read_text(encoding="utf-8"))["groups"]
    assert set(iq_groups) & set(groups) <= {"exports"}


def test_iraq_presets_all_load_and_history_presets_fall_in_data_years() -> None:
    presets = {sc.name: sc for sc in list_presets(net())}
    assert {
        "itp-closure-2023",
        "itp-restart-sep-2025",
        "hormuz-closure-mar-2026",
        "krg-drone-strikes-jul-2025",
        "bot-outage-sep-2022",
        "basra-weather",
    } <= set(presets)
    for sc in presets.values():
        if "history" in sc.tags:
            for ch in sc.changes:
                assert ch.start is not None and ch.start.year in net().years


# -- the commands ----------------------------------------------------------------------------
def test_iraq_network_validate_by_name_exits_0() -> None:
    code, out = run("network", "validate", "iraq")
    assert code == 0, out
    assert "no problems" in out


def test_iraq_plan_exports_all_2025_supply_through_basra_and_the_itp() -> None:
    code, out = run("plan", "--dataset", str(FOLDER), "--json")
    assert code == 0, out
    plan = json.loads(out)
    assert plan["exported_mtpa"] == pytest.approx(plan["available_mtpa"], abs=1e-6)
    flows = {r["route"]: r["flow_mtpa"] for r in plan["routes"]}
    assert flows["GULF_HORMUZ"] > 170
    assert flows["FISHKHABUR_CEYHAN"] == pytest.approx(11.807, abs=1e-3)


def test_iraq_scenario_run_itp_closure_2023_shuts_in_northern_crude() -> None:
    code, out = run("scenario", "run", "itp-closure-2023", "--dataset", "iraq", "--json")
    assert code == 0, out
    plan = json.loads(out)
    assert plan["scenario"]["name"] == "itp-closure-2023"
    assert plan["shut_in_mt"] > 10


def test_iraq_every_preset_runs() -> None:
    for sc in list_presets(net()):
        p = run_scenario(sc, net())
        assert p.exported_mt > 0, sc.name


def test_iraq_backtest_runs_and_every_observed_group_is_compared() -> None:
    code, out = run("backtest", "--dataset", "iraq")
    assert code == 0, out
    table = backtest(net())
    assert set(table["group"]) == {o.group for o in net().observed}
    assert len(table) == len(net().observed)


def test_iraq_risk_runs_on_its_outages(tmp_path: Path) -> None:
    code, out = run(
        "risk", "--dataset", str(FOLDER), "--draws", "20", "--seed", "1", "--no-store", "--json"
    )
    assert code == 0, out
    assert "hormuz_closure" in out


def test_iraq_closure_preset_opens_informal_trucking_only_during_the_closure() -> None:
    sc = resolve_scenario("itp-closure-2023", net())
    [trucks] = [c for c in sc.changes if c.target == "KRG_IRAN_TRUCKS"]
    [itp] = [c for c in sc.changes if c.target == "FISHKHABUR_CEYHAN"]
    assert trucks.end == itp.end
    assert itp.start is not None and trucks.start is not None and itp.start < trucks.start


def test_iraq_bypass_avoid_hormuz_cli_closes_exactly_the_hormuz_leg() -> None:
    code, out = run("bypass", "--dataset", "iraq", "--avoid", "HORMUZ", "--json")
    assert code == 0, out
    result = json.loads(out)
    listing = {r.id for r in net().routes if "HORMUZ" in r.passages}
    assert listing == {"GULF_HORMUZ"}
    assert (
        set(result["closed_routes"]) - {r.id for r in net().routes if r.status != "operating"}
        == listing
    )
    assert result["max_mtpa"] == pytest.approx(11.807, abs=1e-3)


def test_iraq_plan_avoid_hormuz_leaves_only_the_northern_routes() -> None:
    code, out = run("plan", "--dataset", str(FOLDER), "--avoid", "HORMUZ", "--json")
    assert code == 0, out
    flows = {r["route"]: r["flow_mtpa"] for r in json.loads(out)["routes"]}
    assert flows.get("GULF_HORMUZ", 0) == 0
    assert flows["FISHKHABUR_CEYHAN"] > 11
